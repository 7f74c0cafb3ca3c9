import type { Attributes, AuthOption, Cart, ChatClient, Consent } from '@parlor/core';
import { emit } from '../events.js';
import type { ParlorStrings } from '../i18n/strings.js';
import type { PanelInit, ParlorPanel } from '../panel/parlor-panel.js';
import {
  greetedKey,
  mayHaveChat,
  openKey,
  readKey as readStorage,
  returningKey,
  writeKey as writeStorage,
} from '../internal/storage-keys.js';
import { PANEL_PARTS } from '../internal/parts.js';
import { launcherLabelFor } from './launcher-labels.js';
import { shellCss } from './parlor-chat.styles.js';

/** What `setContext()` and the `context` property accept. */
export interface ParlorContext {
  /** Custom attributes shown to agents (plan, order count…): at most 50, scalar values. */
  attributes?: Attributes;
  /** The visitor's cart, prices in minor units. */
  cart?: Cart | null;
}

/** Identity for `identify()` and the `auth` property: a verified user (HMAC user hash) or a JWT. */
export type ParlorIdentity = Exclude<AuthOption, { mode: 'anonymous' }>;

const SVG = 'http://www.w3.org/2000/svg';

/** The launcher icon inside its `icon` slot, built with DOM calls: no HTML parsing, so Trusted Types never object. */
function iconSlot(): HTMLSlotElement {
  const slot = document.createElement('slot');
  slot.name = 'icon';
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z');
  svg.append(path);
  slot.append(svg);
  return slot;
}

let sheet: CSSStyleSheet | undefined;

/**
 * The Parlor chat widget: a launcher button that opens the chat panel, in Shadow DOM.
 *
 * The element itself is tiny and has no dependencies: it draws the launcher at once and loads the panel (Lit, the
 * client, the protocol) only when the visitor reaches for it, or when the page is idle for a visitor who already
 * has a conversation. Theme it with the custom properties and parts below; nothing on the host page reaches
 * inside, and nothing of the widget leaks out.
 *
 * @tag parlor-chat
 * @attr site-id - The site, as configured on the server.
 * @attr server - Base URL of the Parlor server, e.g. `https://chat.example.com`.
 * @attr position - `right` (default) or `left`: the bottom corner the widget sits in.
 * @attr theme - `light` (default), `dark`, or `auto` (follows the visitor's system setting).
 * @attr locale - A BCP 47 tag; default: the page's `lang`, then the browser's languages.
 * @attr open - Present while the panel is open; set it to open the panel.
 * @attr launcher-label - Accessible name of the launcher button.
 * @attr greeting - A greeting shown in the panel before the first message, and as the proactive bubble.
 * @attr greeting-delay - Seconds before the greeting pops up beside the launcher (unset: never pops up).
 * @attr connect - `lazy` (default: nothing stored, no socket, until the visitor interacts) or `eager`.
 * @attr pre-chat - Ask for the visitor's name and email before the first message.
 * @attr sound - Play a short chime when a message arrives while the panel is closed or the tab hidden.
 * @attr title-badge - Prefix the page title with the unread count while the tab is hidden.
 * @attr nonce - CSP nonce for the `<style>` fallback in engines without constructable stylesheets.
 * @fires parlor-ready - The panel's code loaded and its client exists. Detail: `{ locale }`.
 * @fires parlor-open - The panel opened. Detail: `{ open: true }`.
 * @fires parlor-close - The panel closed. Detail: `{ open: false }`.
 * @fires parlor-message - A message from an agent, bot or the system arrived. Detail: `{ message }`.
 * @fires parlor-unread-change - The unread count changed. Detail: `{ unread }`.
 * @fires parlor-error - Something failed that the site may want to know. Detail: `{ error }`.
 * @cssprop --parlor-accent - Brand colour: launcher, the visitor's messages, buttons.
 * @cssprop --parlor-on-accent - Text on the accent colour.
 * @cssprop --parlor-surface - Panel background.
 * @cssprop --parlor-surface-alt - Background of agent messages and inputs.
 * @cssprop --parlor-text - Main text colour.
 * @cssprop --parlor-muted - Secondary text: timestamps, statuses.
 * @cssprop --parlor-border - Hairlines and input borders.
 * @cssprop --parlor-danger - Errors and failed messages.
 * @cssprop --parlor-radius - Corner radius of the panel and bubbles.
 * @cssprop --parlor-font - Font family.
 * @cssprop --parlor-shadow - Shadow of the launcher and the panel.
 * @cssprop --parlor-z-index - Stacking level on the host page (default 2147483000).
 * @cssprop --parlor-offset-x - Distance from the side of the viewport.
 * @cssprop --parlor-offset-y - Distance from the bottom of the viewport.
 * @cssprop --parlor-launcher-size - Diameter of the launcher.
 * @cssprop --parlor-panel-width - Width of the panel on large screens.
 * @cssprop --parlor-panel-height - Height of the panel on large screens.
 * @cssprop --parlor-launcher-bg - Launcher background (default: the accent).
 * @cssprop --parlor-launcher-fg - Launcher icon colour.
 * @csspart launcher - The round button that opens and closes the panel.
 * @csspart badge - The unread count on the launcher.
 * @csspart greeting - The greeting: the proactive bubble beside the launcher, and the first bubble of the log.
 * @csspart panel - The chat panel (the dialog).
 * @csspart header - The panel's header: title, presence, close button.
 * @csspart banner - The connection banner (offline, reconnecting).
 * @csspart messages - The scrolling message log.
 * @csspart message - One message bubble (also `message-visitor`, `message-agent`, `message-bot`, `message-system`).
 * @csspart composer - The form where the visitor writes.
 * @csspart input - The text area of the composer.
 * @csspart send - The send button.
 * @csspart attach - The attach-file button.
 * @csspart error - The composer's error line (a refused file, a failed send).
 * @csspart author - An agent's or bot's name above their messages.
 * @csspart time - A message group's time.
 * @csspart day - A day separator in the log.
 * @csspart status - Sending, sent or read under the visitor's messages.
 * @csspart failed - A message that could not be sent.
 * @csspart retry - The button that sends a failed message again.
 * @csspart discard - The button that drops a failed message.
 * @csspart attachment - A file in a message.
 * @csspart thumbnail - An image attachment's preview.
 * @csspart quick-replies - The group of quick-reply buttons.
 * @csspart quick-reply - One quick-reply button.
 * @csspart typing - The typing indicator.
 * @csspart load-older - The button that loads earlier messages.
 * @csspart away - The away message outside business hours.
 * @csspart away-form - The email form offered while away.
 * @csspart pre-chat - The name and email form before the first message.
 * @slot icon - Replaces the launcher's icon.
 *
 * @example
 * ```html
 * <parlor-chat site-id="demo" server="https://chat.example.com" theme="auto"></parlor-chat>
 * ```
 */
export class ParlorChat extends HTMLElement {
  static readonly observedAttributes = ['open', 'launcher-label', 'locale', 'greeting', 'greeting-delay'];

  /**
   * Loads the panel's code. The npm build imports it beside this module; the CDN build points it at the hashed
   * chunk beside `parlor.js`. Replace it to serve the chunk from elsewhere.
   */
  static loadPanel: () => Promise<unknown> = () => import('../panel/define.js');

  /** Identity of a signed-in visitor; set it before the panel loads, or call `identify()` later. */
  auth: ParlorIdentity | undefined;
  /** Custom attributes and cart shown to agents (with the visitor's consent). */
  context: ParlorContext | undefined;
  /** Replacements for any built-in string; takes effect at once, on the launcher and in an open panel. */
  get strings(): Partial<ParlorStrings> | undefined {
    return this.#strings;
  }
  set strings(strings: Partial<ParlorStrings> | undefined) {
    this.#strings = strings;
    this.#renderLabel();
    this.#panel?.setStrings(strings);
  }
  /** A client you created yourself (`createChatClient`); by default the widget creates its own. */
  chatClient: ChatClient | undefined;
  /** Mount the panel inside this element instead of floating above the launcher (an inline chat page). */
  container: Element | null = null;
  /** What the visitor agreed to (from your consent banner); without `context`, no page, cart or attributes leave. */
  consent: Consent | undefined;

  readonly #root: ShadowRoot;
  #strings: Partial<ParlorStrings> | undefined;
  readonly #launcher: HTMLButtonElement;
  readonly #badge: HTMLElement;
  #panel: ParlorPanel | undefined;
  #loading: Promise<ParlorPanel | undefined> | undefined;
  #unread = 0;
  #unreadLabel: string | undefined;
  #teardown: ReturnType<typeof setTimeout> | undefined;
  #idle: number | undefined;
  #greetingTimer: ReturnType<typeof setTimeout> | undefined;
  #destroyed = false;
  #styled = false;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open', delegatesFocus: false });
    const launcher = document.createElement('button');
    launcher.type = 'button';
    launcher.setAttribute('part', 'launcher');
    launcher.setAttribute('aria-haspopup', 'dialog');
    launcher.setAttribute('aria-expanded', 'false');
    const badge = document.createElement('span');
    badge.setAttribute('part', 'badge');
    badge.setAttribute('aria-hidden', 'true');
    badge.hidden = true;
    launcher.append(iconSlot(), badge);
    launcher.addEventListener('click', () => this.toggle());
    // Fetch the panel's code as soon as the visitor reaches for the launcher, so the click finds it ready.
    const prefetch = () => void ParlorChat.loadPanel().catch(() => undefined);
    launcher.addEventListener('pointerenter', prefetch, { once: true });
    launcher.addEventListener('focus', prefetch, { once: true });
    this.#launcher = launcher;
    this.#badge = badge;
    this.#root.append(launcher);
    // Set on the element before it was defined: the value sits on the instance, hiding the accessor.
    if (Object.hasOwn(this, 'strings')) {
      const strings = this.strings;
      delete (this as { strings?: unknown }).strings;
      this.strings = strings;
    }
  }

  /** The site id (the `site-id` attribute). */
  get siteId(): string {
    return this.getAttribute('site-id') ?? '';
  }
  set siteId(value: string) {
    this.setAttribute('site-id', value);
  }

  /** The server's base URL (the `server` attribute). */
  get server(): string {
    return this.getAttribute('server') ?? '';
  }
  set server(value: string) {
    this.setAttribute('server', value);
  }

  /** Whether the panel is open (the `open` attribute). */
  get open(): boolean {
    return this.hasAttribute('open');
  }
  set open(value: boolean) {
    this.toggleAttribute('open', value);
  }

  /** Messages from agents and bots the visitor has not read (0 until the panel has loaded). */
  get unread(): number {
    return this.#unread;
  }

  /** The chat client, once the panel has loaded (the one you passed as `chatClient`, or the widget's own). */
  get client(): ChatClient | undefined {
    return this.#panel?.client;
  }

  connectedCallback(): void {
    if (!this.#styled) {
      // The property: browsers hide a nonce attribute's value once the element is in the document.
      adoptStyles(this.#root, this.nonce || this.getAttribute('nonce'));
      this.#styled = true;
    }
    if (this.#teardown !== undefined) {
      // Moved in the DOM (a framework re-parenting, a morphing navigation): keep everything as it is.
      clearTimeout(this.#teardown);
      this.#teardown = undefined;
      return;
    }
    this.#destroyed = false;
    this.#renderLabel();
    // Once the page is idle, and only for a visitor whose browser holds a chat with the site: Web Storage's
    // first touch blocks the main thread for milliseconds, and only returning visitors gain from it.
    this.#whenIdle(() => void this.#resume());
    this.#scheduleGreeting();
  }

  disconnectedCallback(): void {
    // Wait a task: a move is a disconnect followed at once by a connect, and must not drop the conversation.
    this.#teardown = setTimeout(() => {
      this.#teardown = undefined;
      this.#release();
    });
  }

  attributeChangedCallback(name: string, before: string | null, after: string | null): void {
    if (before === after) return;
    if (name === 'open') this.#onOpenChange(after !== null);
    else if (name === 'greeting' || name === 'greeting-delay') this.#scheduleGreeting();
    else this.#renderLabel();
  }

  /** Opens the chat panel, loading it first if needed; focus moves into the composer. */
  show(): void {
    this.open = true;
  }

  /**
   * Closes the chat panel.
   *
   * @param restoreFocus - Move focus back to the launcher (default: only when focus was inside the panel).
   */
  hide(restoreFocus?: boolean): void {
    const hadFocus = this.#panel?.matches(':focus-within') ?? false;
    this.open = false;
    if (restoreFocus ?? hadFocus) this.#launcher.focus();
  }

  /** Opens the panel when closed, closes it when open. */
  toggle(): void {
    if (this.open) this.hide(true);
    else this.show();
  }

  /** Signs the visitor in (HMAC user hash or JWT); their conversation continues under the verified identity. */
  async identify(auth: ParlorIdentity): Promise<void> {
    this.auth = auth;
    await this.#panel?.client?.identify(auth);
  }

  /** Signs the visitor out: back to anonymous, and nothing of the previous person is left on this device. */
  async logout(): Promise<void> {
    this.auth = undefined;
    await this.#panel?.client?.logout();
    writeStorage('localStorage', returningKey(this.siteId), null);
  }

  /** Shares custom attributes and the cart with agents (sent when the visitor's consent allows it). */
  setContext(context: ParlorContext): void {
    this.context = { ...this.context, ...context };
    this.#panel?.client?.setContext(context);
  }

  /** Records what the visitor agreed to (call it from your consent banner's callback). */
  setConsent(consent: Consent): void {
    this.consent = consent;
    this.#panel?.setConsent(consent);
  }

  /** Removes the widget and everything it started: socket, timers, listeners, the panel. */
  destroy(): void {
    this.#release();
    this.remove();
    if (this.#teardown !== undefined) clearTimeout(this.#teardown);
    this.#teardown = undefined;
  }

  /** @internal Called by the panel: the unread count and its spoken form changed. */
  _setUnread(count: number, label: string): void {
    this.#unread = count;
    this.#unreadLabel = count > 0 ? label : undefined;
    this.#badge.textContent = count > 99 ? '99+' : String(count);
    this.#badge.hidden = count === 0;
    this.#renderLabel();
  }

  #release(): void {
    this.#destroyed = true;
    if (this.#idle !== undefined) (window.cancelIdleCallback ?? clearTimeout)(this.#idle);
    clearTimeout(this.#greetingTimer);
    this.#panel?.destroy();
    this.#panel?.remove();
    this.#panel = undefined;
    this.#loading = undefined;
  }

  #renderLabel(): void {
    const label =
      this.#unreadLabel ??
      this.getAttribute('launcher-label') ??
      this.strings?.launcherLabel ??
      launcherLabelFor(this.getAttribute('locale'));
    this.#launcher.setAttribute('aria-label', label);
  }

  #onOpenChange(open: boolean): void {
    this.#launcher.setAttribute('aria-expanded', String(open));
    if (this.siteId) writeStorage('sessionStorage', openKey(this.siteId), open ? '1' : null);
    if (open) {
      const show = (panel: ParlorPanel | undefined) => {
        if (!panel || !this.open) return;
        panel.open = true;
        void panel.updateComplete.then(() => panel.focusComposer());
      };
      // Loaded already: open in the same task, so an open and a close in a row are both seen.
      if (this.#panel) show(this.#panel);
      else void this.#ensurePanel().then(show);
    } else if (this.#panel) {
      this.#panel.open = false;
    }
    emit(this, open ? 'parlor-open' : 'parlor-close', { open });
  }

  /** Reopens the panel if it was open on the previous page, or preloads it for a visitor with a conversation. */
  async #resume(): Promise<void> {
    const siteId = this.siteId;
    if (this.open) return;
    if (this.getAttribute('connect') === 'eager') return void this.#ensurePanel();
    if (!siteId || !(await mayHaveChat(siteId)) || this.#destroyed || this.open) return;
    if (readStorage('sessionStorage', openKey(siteId))) this.open = true;
    else if (readStorage('localStorage', returningKey(siteId))) void this.#ensurePanel();
  }

  #whenIdle(run: () => void): void {
    const idle = window.requestIdleCallback ?? ((fn: () => void) => setTimeout(fn, 1));
    this.#idle = idle(run, { timeout: 1000 }) as number;
  }

  #scheduleGreeting(): void {
    clearTimeout(this.#greetingTimer);
    this.#root.querySelector('[part~="greeting"]')?.remove();
    const text = this.getAttribute('greeting');
    const delay = Number(this.getAttribute('greeting-delay'));
    if (!text || !this.hasAttribute('greeting-delay') || !Number.isFinite(delay) || !this.isConnected) return;
    this.#greetingTimer = setTimeout(() => {
      // Read when the greeting is due, not on load: a site without a greeting never touches Web Storage for it.
      if (this.open || (this.siteId && readStorage('sessionStorage', greetedKey(this.siteId)))) return;
      const bubble = document.createElement('div');
      bubble.setAttribute('part', 'greeting');
      bubble.setAttribute('role', 'status');
      const body = document.createElement('span');
      body.textContent = text;
      const dismiss = document.createElement('button');
      dismiss.type = 'button';
      dismiss.textContent = '×';
      dismiss.setAttribute('aria-label', this.strings?.greetingDismiss ?? 'Dismiss greeting');
      dismiss.addEventListener('click', () => bubble.remove());
      body.addEventListener('click', () => this.show());
      bubble.append(body, dismiss);
      this.#root.prepend(bubble);
      if (this.siteId) writeStorage('sessionStorage', greetedKey(this.siteId), '1');
    }, delay * 1000);
  }

  /** Loads the panel's code and mounts it (once); undefined when the widget was removed meanwhile. */
  #ensurePanel(): Promise<ParlorPanel | undefined> {
    this.#loading ??= ParlorChat.loadPanel()
      .then(() => customElements.whenDefined('parlor-panel'))
      .then(() => {
        if (this.#destroyed || this.#panel) return this.#panel;
        // The panel's elements are internal: not in HTMLElementTagNameMap, so the type comes from its module.
        const panel = document.createElement('parlor-panel') as ParlorPanel;
        const init: PanelInit = {
          host: this,
          siteId: this.siteId,
          server: this.server || location.origin,
          strings: this.strings,
          client: this.chatClient,
          locale: this.getAttribute('locale') ?? undefined,
          greeting: this.getAttribute('greeting') ?? undefined,
          preChat: this.hasAttribute('pre-chat'),
          sound: this.hasAttribute('sound'),
          titleBadge: this.hasAttribute('title-badge'),
          connect: this.getAttribute('connect') === 'eager' ? 'eager' : 'lazy',
        };
        panel.configure(init);
        panel.setAttribute('exportparts', PANEL_PARTS);
        panel.open = this.open;
        (this.container ?? this.#root).append(panel);
        this.#panel = panel;
        return panel;
      })
      .catch((error: unknown) => {
        this.#loading = undefined; // let a later click try again (the chunk may have failed to download)
        console.error('Parlor: the chat panel could not be loaded', error);
        return undefined;
      });
    return this.#loading;
  }
}

function adoptStyles(root: ShadowRoot, nonce: string | null): void {
  if ('adoptedStyleSheets' in root && 'replaceSync' in CSSStyleSheet.prototype) {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(shellCss);
    }
    root.adoptedStyleSheets = [sheet];
    return;
  }
  const style = document.createElement('style');
  const globalNonce = (window as { litNonce?: string }).litNonce;
  if (nonce ?? globalNonce) style.nonce = nonce ?? globalNonce ?? '';
  style.textContent = shellCss;
  root.append(style);
}
