/**
 * The eager CDN script, `dist/cdn/parlor.js`: a classic script (no `type="module"` needed) that defines the
 * launcher element, exposes `window.Parlor`, auto-initialises from its own tag's `data-*` attributes, and loads
 * the panel from beside itself, so a copy of the folder works from any path.
 *
 * ```html
 * <script src="https://cdn.example.com/parlor/parlor.js" data-site-id="demo" data-server="https://chat.example.com" async></script>
 * ```
 */
import type { ChatClient } from '@parlor/core';
import type { ParlorEventMap } from '../events.js';
import { ParlorChat, type ParlorContext, type ParlorIdentity } from '../parlor-chat/parlor-chat.js';
import type { ParlorSettings } from '../settings.js';
import type { Consent } from '@parlor/core';

/** Settings accepted by `Parlor.init()`: the widget's settings, and where to mount the panel. */
export interface ParlorInitOptions extends ParlorSettings {
  /** Mount the panel inside this element (or the element matching this selector). */
  container?: Element | string;
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
  /** Signs the visitor in (HMAC user hash or JWT). */
  identify(identity: ParlorIdentity): Promise<void>;
  /** Signs the visitor out and forgets them on this device. */
  logout(): Promise<void>;
  /** Shares attributes and the cart with agents. */
  setContext(context: ParlorContext): void;
  /** Records the visitor's consent. */
  setConsent(consent: Consent): void;
  /** Listens to a widget event (`ready`, `open`, `close`, `message`, `unread-change`, `error`); returns an unsubscribe. */
  on<K extends EventName>(event: K, listener: (detail: ParlorEventMap[`parlor-${K}`]['detail']) => void): () => void;
  /** The widget element, once `init` ran. */
  readonly element: ParlorChat | undefined;
  /** The chat client, once the panel has loaded. */
  readonly client: ChatClient | undefined;
  /** Removes the widget from the page. */
  destroy(): void;
}

type EventName = keyof ParlorEventMap extends `parlor-${infer N}` ? N : never;

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

ParlorChat.loadPanel = () => import(/* @vite-ignore */ panelUrl);
if (!customElements.get('parlor-chat')) customElements.define('parlor-chat', ParlorChat);

let element: ParlorChat | undefined;
const listeners = new Set<[string, (event: Event) => void]>();

const attributes: [keyof ParlorInitOptions, string][] = [
  ['position', 'position'],
  ['theme', 'theme'],
  ['locale', 'locale'],
  ['launcherLabel', 'launcher-label'],
  ['greeting', 'greeting'],
  ['greetingDelay', 'greeting-delay'],
  ['connect', 'connect'],
  ['nonce', 'nonce'],
];
const flags: [keyof ParlorInitOptions, string][] = [
  ['preChat', 'pre-chat'],
  ['sound', 'sound'],
  ['titleBadge', 'title-badge'],
  ['open', 'open'],
];

const api: ParlorGlobal = {
  version: __PARLOR_VERSION__,
  get element() {
    return element;
  },
  get client() {
    return element?.client;
  },
  init(options) {
    api.destroy();
    const el = document.createElement('parlor-chat');
    el.setAttribute('site-id', options.siteId);
    el.setAttribute('server', options.server ?? scriptOrigin);
    for (const [key, name] of attributes) if (options[key] !== undefined) el.setAttribute(name, String(options[key]));
    for (const [key, name] of flags) if (options[key]) el.setAttribute(name, '');
    el.auth = options.identity;
    el.context = options.context;
    el.consent = options.consent;
    el.strings = options.strings;
    el.container =
      typeof options.container === 'string' ? document.querySelector(options.container) : (options.container ?? null);
    for (const [name, fn] of listeners) el.addEventListener(name, fn);
    element = el;
    // From a script in <head> there is no body yet: the element exists (and takes calls) at once, and goes in
    // the page as soon as the body does.
    const attach = () => {
      if (element === el && !el.isConnected) document.body.append(el);
    };
    if (document.body) attach();
    else document.addEventListener('DOMContentLoaded', attach, { once: true });
  },
  open: () => element?.show(),
  close: () => element?.hide(),
  toggle: () => element?.toggle(),
  identify: async (identity) => {
    if (element) await element.identify(identity);
  },
  logout: async () => {
    if (element) await element.logout();
  },
  setContext: (context) => element?.setContext(context),
  setConsent: (consent) => element?.setConsent(consent),
  on(event, listener) {
    const entry: [string, (event: Event) => void] = [
      `parlor-${event}`,
      (e) => listener((e as CustomEvent<Parameters<typeof listener>[0]>).detail),
    ];
    listeners.add(entry);
    element?.addEventListener(...entry);
    return () => {
      listeners.delete(entry);
      element?.removeEventListener(...entry);
    };
  },
  destroy() {
    element?.destroy();
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
    const options: ParlorInitOptions = { siteId };
    for (const [key] of [...attributes, ['server']] as [keyof ParlorInitOptions][]) {
      const value = data[key];
      if (value !== undefined) Object.assign(options, { [key]: value });
    }
    for (const [key] of flags) if (data[key] !== undefined) Object.assign(options, { [key]: true });
    api.init(options);
  }
  for (const [name, args] of (existing as ParlorStub | undefined)?.q ?? []) {
    const fn = api[name as keyof ParlorGlobal];
    if (typeof fn === 'function') (fn as (...a: unknown[]) => void)(...args);
  }
}
