import type { Consent } from '@parlor/core';
import type { ParlorStrings } from './i18n/strings.js';
import type { ParlorContext, ParlorIdentity } from './parlor-chat/parlor-chat.js';

/**
 * The widget's settings in typed form: `<parlor-chat>`'s attributes in camelCase, plus the objects it takes as
 * properties. `Parlor.init()` on the CDN and `<ChatWidget/>` in React both accept these.
 */
export interface ParlorSettings {
  /** The site, as configured on the server. */
  siteId: string;
  /** Base URL of the Parlor server, e.g. `https://chat.example.com`. Default: the page's origin (on the CDN: the origin `parlor.js` came from). */
  server?: string;
  /** The bottom corner the widget sits in. Default `right`. */
  position?: 'right' | 'left';
  /** `light` (default), `dark`, or `auto` (follows the visitor's system setting). */
  theme?: 'light' | 'dark' | 'auto';
  /** A BCP 47 tag; default: the page's `lang`, then the browser's languages. */
  locale?: string;
  /** Opens (`true`) or closes (`false`) the panel; the visitor may still toggle it. */
  open?: boolean;
  /** Accessible name of the launcher button. */
  launcherLabel?: string;
  /** A greeting shown before the first message, and as the proactive bubble. */
  greeting?: string;
  /** Seconds before the greeting pops up beside the launcher (unset: it never pops up). */
  greetingDelay?: number;
  /** `lazy` (default: no storage, no socket until the visitor interacts) or `eager`. */
  connect?: 'lazy' | 'eager';
  /** Ask for the visitor's name and email before the first message. */
  preChat?: boolean;
  /** A short chime when a message arrives while the panel is closed or the tab hidden. */
  sound?: boolean;
  /** Prefix the page title with the unread count while the tab is hidden. */
  titleBadge?: boolean;
  /** CSP nonce for the style fallback in engines without constructable stylesheets. */
  nonce?: string;
  /** The signed-in visitor (HMAC user hash or JWT). */
  identity?: ParlorIdentity;
  /** Custom attributes and cart shown to agents (with the visitor's consent). */
  context?: ParlorContext;
  /** What the visitor agreed to (from your consent banner). */
  consent?: Consent;
  /** Replacements for any built-in string. */
  strings?: Partial<ParlorStrings>;
}
