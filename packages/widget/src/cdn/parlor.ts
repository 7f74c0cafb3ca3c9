/**
 * The eager CDN script, `dist/cdn/parlor.js`: a classic script (no `type="module"` needed) that exposes
 * `window.Parlor`, auto-initialises from its own tag's `data-*` attributes, and loads the rest of the
 * widget from beside itself, so a copy of the folder works from any path.
 *
 * ```html
 * <script src="https://cdn.example.com/parlor/parlor.js" data-site-id="demo" data-server="https://chat.example.com" async></script>
 * ```
 */
import type { ParlorChat } from '../parlor-chat/parlor-chat.js';

/** Settings accepted by `Parlor.init()`. */
export interface ParlorInitOptions {
  /** The site id, as configured on the server. */
  siteId: string;
  /** Base URL of the Parlor server. Defaults to the origin this script was loaded from. */
  server?: string;
  /** Which bottom corner the widget sits in. */
  position?: 'left' | 'right';
  /** Accessible name of the launcher button. */
  launcherLabel?: string;
}

/** The `window.Parlor` facade of the CDN build. */
export interface ParlorGlobal {
  /** The package version this script was built from. */
  readonly version: string;
  /** Mounts the widget. Calling it again replaces the previous instance. */
  init(options: ParlorInitOptions): void;
  /** Opens the chat panel. */
  open(): void;
  /** Closes the chat panel. */
  close(): void;
  /** Opens the panel when closed, closes it when open. */
  toggle(): void;
  /** Removes the widget from the page. */
  destroy(): void;
}

/** Calls made on the documented stub snippet before this script loaded. */
interface ParlorStub {
  q?: [name: string, args: unknown[]][];
}

declare const __PARLOR_PANEL__: string;
declare const __PARLOR_VERSION__: string;

declare global {
  interface Window {
    Parlor?: ParlorGlobal | ParlorStub;
  }
}

const script = document.currentScript as HTMLScriptElement | null;
// Lazy chunks sit beside this file: resolve them against its own URL, not the page's.
const scriptUrl = script?.src ?? document.baseURI;
const panelUrl = new URL(__PARLOR_PANEL__, scriptUrl).href;
const scriptOrigin = new URL(scriptUrl).origin;

let element: ParlorChat | undefined;
let ready: Promise<unknown> | undefined;

function whenReady(run: (el: ParlorChat) => void): void {
  const el = element;
  if (!el) return;
  ready ??= import(/* @vite-ignore */ panelUrl).then(() => customElements.whenDefined('parlor-chat'));
  void ready.then(() => {
    if (el === element) run(el);
  });
}

const api: ParlorGlobal = {
  version: __PARLOR_VERSION__,
  init(options) {
    api.destroy();
    const el = document.createElement('parlor-chat');
    el.setAttribute('site-id', options.siteId);
    el.setAttribute('server', options.server ?? scriptOrigin);
    if (options.position) el.setAttribute('position', options.position);
    if (options.launcherLabel) el.setAttribute('launcher-label', options.launcherLabel);
    element = el;
    document.body.append(el);
    whenReady(() => {});
  },
  open: () => whenReady((el) => el.show()),
  close: () => whenReady((el) => el.hide()),
  toggle: () => whenReady((el) => el.toggle()),
  destroy() {
    element?.remove();
    element = undefined;
  },
};

// A second copy of this script on the page keeps the first one's facade.
const existing = window.Parlor;
if (!existing || !('version' in existing)) {
  window.Parlor = api;
  const data = script?.dataset;
  const siteId = data?.siteId;
  if (siteId) {
    const start = () =>
      api.init({
        siteId,
        position: data.position === 'left' ? 'left' : 'right',
        ...(data.server ? { server: data.server } : {}),
        ...(data.launcherLabel ? { launcherLabel: data.launcherLabel } : {}),
      });
    if (document.body) start();
    else document.addEventListener('DOMContentLoaded', start, { once: true });
  }
  for (const [name, args] of (existing as ParlorStub | undefined)?.q ?? []) {
    const fn = api[name as keyof ParlorGlobal];
    if (typeof fn === 'function') (fn as (...a: unknown[]) => void)(...args);
  }
}
