'use client';
import type { ChatClient } from '@parlor/core';
import { ParlorError } from '@parlor/core';
import type { ParlorChat, ParlorContext, ParlorEventMap, ParlorIdentity, ParlorSettings } from '@parlor/widget';
import {
  createElement,
  forwardRef,
  useCallback,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useRef,
  type CSSProperties,
  type ReactNode,
} from 'react';
import { TAG, defineParlorChat, isUpgraded } from './internal/define-element.js';
import { syncElement } from './internal/sync-element.js';

/**
 * The `style` of {@link ChatWidget}: React's inline style plus CSS custom properties, so the widget's theme tokens
 * type-check without a cast: `style={{ '--parlor-accent': '#0b6e4f' }}`.
 */
export type ChatWidgetStyle =
  | CSSProperties // a style object typed elsewhere (an interface has no index signature to match the one below)
  | (CSSProperties & { [property: `--${string}`]: string | number | undefined });

/** Props of {@link ChatWidget}: every `<parlor-chat>` setting, typed, plus React's `className`, `style`, `id`. */
export interface ChatWidgetProps extends ParlorSettings {
  /** The site, as configured on the server. Changing it (or `server`) starts a new widget. */
  siteId: string;
  /**
   * The signed-in visitor (HMAC user hash or JWT), compared by value. Setting it signs the visitor in and their
   * conversation carries over; removing it signs them out and wipes what the widget kept on this device.
   */
  identity?: ParlorIdentity;
  /** Custom attributes and cart shown to agents (with the visitor's consent); merged like `setContext()`. */
  context?: ParlorContext;
  /** A client you created (`useChatClient`), to share with your own UI; by default the widget makes its own. */
  client?: ChatClient;
  /** Mount the panel inside this element instead of floating above the launcher (an inline chat page). */
  container?: Element | null;
  /** The panel's code loaded and its client exists. */
  onReady?: (event: ParlorEventMap['parlor-ready']) => void;
  /** The panel opened. */
  onOpen?: (event: ParlorEventMap['parlor-open']) => void;
  /** The panel closed. */
  onClose?: (event: ParlorEventMap['parlor-close']) => void;
  /** A message from an agent, bot or the system arrived. */
  onMessage?: (event: ParlorEventMap['parlor-message']) => void;
  /** The unread count changed. */
  onUnreadChange?: (event: ParlorEventMap['parlor-unread-change']) => void;
  /** Something failed that the site may want to know (`event.detail.error.code`). */
  onError?: (event: ParlorEventMap['parlor-error']) => void;
  /** Classes of the `<parlor-chat>` element. */
  className?: string;
  /** Inline style of the `<parlor-chat>` element, custom properties included (e.g. `--parlor-accent`). */
  style?: ChatWidgetStyle;
  /** Id of the `<parlor-chat>` element. */
  id?: string;
  /** Light-DOM content, e.g. `<img slot="icon" …/>` to replace the launcher's icon. */
  children?: ReactNode;
}

/** What a `ref` on {@link ChatWidget} gives: the widget's imperative API. */
export interface ChatWidgetHandle {
  /** The `<parlor-chat>` element while mounted. */
  readonly element: ParlorChat | null;
  /** Opens the panel (loading it first if needed). */
  open(): void;
  /** Closes the panel. */
  close(): void;
  /** Opens the panel when closed, closes it when open. */
  toggle(): void;
  /** Signs the visitor in; prefer the `identity` prop, which does this when it changes. */
  identify(identity: ParlorIdentity): Promise<void>;
  /** Signs the visitor out and wipes what the widget kept on this device. */
  logout(): Promise<void>;
  /** Sends a text message as the visitor; resolves with its client id once it is safely queued. Opens the
   * panel first if the chat has not loaded yet, so the visitor sees their message go out. */
  send(text: string): Promise<string>;
}

type EventProp = 'onReady' | 'onOpen' | 'onClose' | 'onMessage' | 'onUnreadChange' | 'onError';

const EVENTS: readonly (readonly [keyof ParlorEventMap, EventProp])[] = [
  ['parlor-ready', 'onReady'],
  ['parlor-open', 'onOpen'],
  ['parlor-close', 'onClose'],
  ['parlor-message', 'onMessage'],
  ['parlor-unread-change', 'onUnreadChange'],
  ['parlor-error', 'onError'],
];

/** How long `send()` waits for the panel's code before giving up. */
const LOAD_TIMEOUT_MS = 15_000;

// Layout effects do nothing on a server (and React 18 warns there); they run before paint in the browser.
const useBrowserLayoutEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect;

/** An attribute for a boolean setting: present and empty, or absent (never the text "false"). */
const flag = (on: boolean | undefined) => (on ? '' : undefined);

/**
 * The Parlor chat widget as a React component: settings are typed props, widget events are typed callbacks, and
 * a `ref` gives the imperative API ({@link ChatWidgetHandle}).
 *
 * It renders a bare `<parlor-chat>` with its attributes, the same on the server and in the browser, so
 * server rendering and hydration need nothing special. The widget's code is loaded and the element registered on
 * first mount, never at import. Objects (`identity`, `context`, `consent`, `strings`, `client`, `container`)
 * are set as properties, only when they change by value. Unmounting removes the element, which closes its
 * socket; StrictMode's second mount reuses the same element, so it never opens a second connection.
 *
 * @example
 * ```tsx
 * const chat = useRef<ChatWidgetHandle>(null);
 * <ChatWidget
 *   ref={chat}
 *   siteId="my-shop"
 *   server="https://chat.example.com"
 *   theme="auto"
 *   context={{ attributes: { plan: 'pro' } }}
 *   onMessage={(event) => console.log(event.detail.message)}
 * />
 * <button onClick={() => chat.current?.send('Is this in stock?')}>Ask about this product</button>
 * ```
 */
export const ChatWidget = forwardRef<ChatWidgetHandle, ChatWidgetProps>(function ChatWidget(props, ref) {
  const host = useRef<HTMLElement | null>(null);
  const latest = useRef(props);
  const detach = useRef<(() => void) | undefined>(undefined);

  const sync = useCallback(() => {
    const el = host.current;
    if (!isUpgraded(el)) return;
    const { open, identity, context, consent, strings, client, container } = latest.current;
    syncElement(el, { open, identity, context, consent, strings, client, container });
  }, []);

  // Listeners live as long as the element: one per event, calling whatever callback the latest props hold.
  const attach = useCallback((node: HTMLElement | null) => {
    detach.current?.();
    detach.current = undefined;
    host.current = node;
    if (!node) return;
    const stops = EVENTS.map(([type, prop]) => {
      const listener = (event: Event) => (latest.current[prop] as ((e: Event) => void) | undefined)?.(event);
      node.addEventListener(type, listener);
      return () => node.removeEventListener(type, listener);
    });
    detach.current = () => stops.forEach((stop) => stop());
  }, []);

  useBrowserLayoutEffect(() => {
    latest.current = props;
    sync();
  });

  useEffect(() => {
    let live = true;
    defineParlorChat().then(
      () => live && sync(),
      (error: unknown) => console.error('Parlor: the chat widget could not be loaded', error),
    );
    return () => {
      live = false;
    };
  }, [sync]);

  useImperativeHandle(ref, () => handle(host), []);

  const p = props;
  return createElement(
    TAG,
    {
      // A different site or server is a different widget: a fresh element, and the old one's socket closes.
      key: `${p.siteId}\n${p.server ?? ''}`,
      ref: attach,
      id: p.id,
      class: p.className,
      style: p.style,
      'site-id': p.siteId,
      server: p.server,
      position: p.position,
      theme: p.theme,
      locale: p.locale,
      'launcher-label': p.launcherLabel,
      greeting: p.greeting,
      'greeting-delay': p.greetingDelay === undefined ? undefined : String(p.greetingDelay),
      connect: p.connect,
      'pre-chat': flag(p.preChat),
      sound: flag(p.sound),
      'title-badge': flag(p.titleBadge),
      nonce: p.nonce,
    },
    p.children,
  );
});

/** The imperative API over the element in `host`, waiting for the element's code when called early. */
function handle(host: { readonly current: HTMLElement | null }): ChatWidgetHandle {
  const ready = async (): Promise<ParlorChat> => {
    await defineParlorChat();
    const el = host.current;
    if (!isUpgraded(el)) throw new ParlorError('destroyed', 'the chat widget is not mounted');
    return el;
  };
  return {
    get element() {
      return isUpgraded(host.current) ? host.current : null;
    },
    open: () => later(ready, (el) => el.show()),
    close: () => later(ready, (el) => el.hide()),
    toggle: () => later(ready, (el) => el.toggle()),
    identify: async (identity) => (await ready()).identify(identity),
    logout: async () => (await ready()).logout(),
    send: async (text) => (await clientOf(await ready())).send(text),
  };
}

/** Runs `act` once the element is ready; nothing when the widget was unmounted meanwhile. */
function later(ready: () => Promise<ParlorChat>, act: (el: ParlorChat) => void): void {
  ready().then(act, () => undefined);
}

/** The element's client: the one it was given, the loaded panel's, or (after opening the panel) the new one. */
function clientOf(el: ParlorChat): Promise<ChatClient> {
  const client = el.client ?? el.chatClient;
  if (client) return Promise.resolve(client);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      el.removeEventListener('parlor-ready', onReady);
      reject(new ParlorError('network', 'the chat could not be loaded'));
    }, LOAD_TIMEOUT_MS);
    // `parlor-ready` fires while the panel is being mounted: its client is readable a microtask later.
    const onReady = () => {
      clearTimeout(timer);
      queueMicrotask(() => (el.client ? resolve(el.client) : reject(new ParlorError('destroyed', 'the chat closed'))));
    };
    el.addEventListener('parlor-ready', onReady, { once: true });
    el.show();
  });
}
