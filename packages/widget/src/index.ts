/**
 * `@parlor/widget`: the `<parlor-chat>` element. Importing this entry registers nothing; import
 * `@parlor/widget/define` (or call `customElements.define` yourself) to register the element.
 *
 * @packageDocumentation
 */

export { ParlorChat } from './parlor-chat/parlor-chat.js';
export { locales } from './i18n/locale.js';
export type { ParlorContext, ParlorIdentity } from './parlor-chat/parlor-chat.js';
export type { ParlorLocale } from './i18n/locale.js';
export type { ParlorStrings } from './i18n/strings.js';
export type { ParlorSettings } from './settings.js';
export type {
  ParlorErrorDetail,
  ParlorEventMap,
  ParlorMessageDetail,
  ParlorReadyDetail,
  ParlorToggleDetail,
  ParlorUnreadDetail,
} from './events.js';
