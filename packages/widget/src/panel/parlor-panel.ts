import { provide } from '@lit/context';
import type { AuthOption, ChatClient, ChatEvent, Consent } from '@parlor/core';
import { DEFAULT_LIMITS } from '@parlor/core/protocol';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { emit } from '../events.js';
import { formatMinutes } from '../i18n/format.js';
import { direction, loadStrings, locales, resolveLocale, stringsFor } from '../i18n/locale.js';
import type { ParlorStrings } from '../i18n/strings.js';
import type { ParlorContext } from '../parlor-chat/parlor-chat.js';
import { COMPOSER_PARTS, MESSAGE_PARTS } from '../internal/parts.js';
import { returningKey, writeKey } from '../internal/storage-keys.js';
import { Analytics } from './analytics.js';
import { ChatController } from './chat-controller.js';
import { clientContext, settingsContext, type PanelSettings } from './contexts.js';
import type { ParlorComposer } from './parlor-composer.js';
import type { ParlorMessages } from './parlor-messages.js';
import { panelStyles } from './parlor-panel.styles.js';

/**
 * What the panel reads and calls back on the element that owns it (`<parlor-chat>`). Identity, context and consent
 * are read when the client is created, so values set while the panel loads are not lost.
 */
export interface PanelHost extends HTMLElement {
  readonly auth?: Exclude<AuthOption, { mode: 'anonymous' }> | undefined;
  readonly context?: ParlorContext | undefined;
  readonly consent?: Consent | undefined;
  hide(restoreFocus?: boolean): void;
  _setUnread(count: number, label: string): void;
}

/** Everything `<parlor-chat>` hands the panel when it mounts it. */
export interface PanelInit {
  host: PanelHost;
  siteId: string;
  server: string;
  strings?: Partial<ParlorStrings> | undefined;
  client?: ChatClient | undefined;
  locale?: string | undefined;
  greeting?: string | undefined;
  preChat: boolean;
  sound: boolean;
  titleBadge: boolean;
  connect: 'lazy' | 'eager';
}

/**
 * The chat panel: header, connection banner, message log and composer. Loaded lazily by `<parlor-chat>`, which
 * mounts it in its own shadow root (or in `container`). Provides the client and the resolved settings to its
 * parts through context.
 *
 * @tag parlor-panel
 */
export class ParlorPanel extends LitElement {
  static override styles = panelStyles;

  /** Shown while true. */
  @property({ type: Boolean, reflect: true }) open = false;

  /** The client, for the message log and the composer. */
  @provide({ context: clientContext }) @state() protected chatClient: ChatClient | undefined;

  /** Locale, strings and limits, for the message log and the composer. */
  @provide({ context: settingsContext }) @state() protected settings: PanelSettings | undefined;

  @state() private preChatDone = false;
  @state() private awayEmailSent = false;
  @state() private online = navigator.onLine;

  @query('parlor-composer') private composer: ParlorComposer | null | undefined;
  @query('parlor-messages') private messages: ParlorMessages | null | undefined;

  readonly #chat = new ChatController(this, (event) => this.#onEvent(event));
  #init: PanelInit | undefined;
  #ownsClient = false;
  #lastUnread = 0;
  #returning = false;
  #destroyed = false;
  #title: string | undefined;
  #analytics: Analytics | undefined;
  #consent: Consent | undefined;
  readonly #cleanup: (() => void)[] = [];

  /** The client this panel renders. */
  get client(): ChatClient | undefined {
    return this.chatClient;
  }

  /** Mounts the panel for a widget: resolves the locale, creates (or adopts) the client. Called once. */
  configure(init: PanelInit): void {
    if (this.#init) return;
    this.#init = init;
    const locale = resolveLocale(init.locale, locales, {
      documentLang: document.documentElement.lang,
      navigatorLanguages: navigator.languages,
    });
    this.settings = {
      locale,
      dir: direction(locale),
      strings: loadStrings(locale, init.strings),
      preChat: init.preChat,
      accept: DEFAULT_LIMITS.attachmentTypes,
      maxFileSize: DEFAULT_LIMITS.maxAttachmentBytes,
      ...(init.greeting ? { greeting: init.greeting } : {}),
    };
    void stringsFor(locale).then(
      () => {
        if (this.settings) this.settings = { ...this.settings, strings: loadStrings(locale, this.#init?.strings) };
      },
      () => undefined, // the locale's chunk failed to load: English stays
    );
    this.#consent = init.host.consent;
    this.#analytics = new Analytics(
      new URL('/v1/events', init.server).href,
      init.siteId,
      () => this.#consent?.analytics === true,
    );
    this.#analytics.track('load');
    if (this.open) this.#analytics.track('open');
    if (init.client) {
      this.#adopt(init.client);
      // The same module graph on npm, so a client from the page validates without probing `new Function` too.
      void import('./client-chunk.js');
    } else void this.#createClient(init);
  }

  /**
   * Creates the panel's own client, in a task after the first render: the client's code (protocol schemas, socket,
   * storage) is a chunk of its own, so the panel paints and the composer takes focus before it is even evaluated.
   */
  async #createClient(init: PanelInit): Promise<void> {
    await this.updateComplete;
    await new Promise((next) => setTimeout(next));
    const { createChatClient } = await import('./client-chunk.js');
    if (this.#destroyed) return;
    const { auth } = init.host;
    this.#ownsClient = true;
    this.#adopt(
      createChatClient({
        siteId: init.siteId,
        server: init.server,
        connect: init.connect,
        ...(auth ? { auth } : {}),
        ...(this.#consent ? { consent: this.#consent } : {}),
      }),
    );
  }

  /** Renders `client` from now on; connects it if the panel is open. */
  #adopt(client: ChatClient): void {
    const init = this.#init;
    if (!init) return;
    // Attributes and cart set before the client existed (sent once the visitor's consent allows).
    if (init.host.context) client.setContext(init.host.context);
    this.chatClient = client;
    this.#chat.client = client;
    if (this.open) this.#connectSoon(client);
    emit(init.host, 'parlor-ready', { locale: this.settings?.locale ?? 'en' });
  }

  /** Connects once the panel has painted and taken focus: opening storage and the socket can wait a task. */
  #connectSoon(client: ChatClient): void {
    setTimeout(() => {
      if (this.#chat.client === client) client.connect(); // not if the panel was destroyed meanwhile
    });
  }

  /** Replaces the page's string overrides (the element's `strings` property changed). */
  setStrings(strings: Partial<ParlorStrings> | undefined): void {
    if (!this.#init || !this.settings) return;
    this.#init = { ...this.#init, strings };
    this.settings = { ...this.settings, strings: loadStrings(this.settings.locale, strings) };
  }

  /** Moves focus into the composer (or the first field of a form the panel shows instead). */
  focusComposer(): void {
    const field = this.renderRoot.querySelector<HTMLElement>('form input');
    if (field) field.focus();
    else this.composer?.focus();
  }

  /** Records new consent from the site (analytics start or stop counting). */
  setConsent(consent: Consent): void {
    this.#consent = consent;
    this.chatClient?.setConsent(consent);
  }

  /** Stops the client the panel created (a client passed in stays yours) and every listener. */
  destroy(): void {
    this.#destroyed = true;
    for (const stop of this.#cleanup.splice(0)) stop();
    this.#analytics?.stop();
    if (this.#ownsClient) this.chatClient?.destroy();
    this.#chat.client = undefined;
    this.#restoreTitle();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const onLine = () => (this.online = navigator.onLine);
    const onVisible = () => {
      if (document.visibilityState === 'visible') this.#restoreTitle();
      this.#syncActive();
    };
    window.addEventListener('online', onLine);
    window.addEventListener('offline', onLine);
    document.addEventListener('visibilitychange', onVisible);
    this.#cleanup.push(() => {
      window.removeEventListener('online', onLine);
      window.removeEventListener('offline', onLine);
      document.removeEventListener('visibilitychange', onVisible);
    });
    const viewport = window.visualViewport;
    if (viewport) {
      // On phones the on-screen keyboard shrinks the visual viewport, not the layout one: follow it.
      const fit = () => this.style.setProperty('--parlor-viewport-height', `${viewport.height}px`);
      viewport.addEventListener('resize', fit);
      this.#cleanup.push(() => viewport.removeEventListener('resize', fit));
      fit();
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const stop of this.#cleanup.splice(0)) stop();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('open')) {
      const client = this.chatClient;
      if (this.open && client) this.#connectSoon(client);
      if (changed.get('open') !== undefined) this.#analytics?.track(this.open ? 'open' : 'close');
    }
    this.#syncActive();
    const state = this.#chat.state;
    if (!state || !this.#init) return;
    if (state.unread !== this.#lastUnread) {
      this.#lastUnread = state.unread;
      this.#init.host._setUnread(state.unread, this.#strings().launcherLabelUnread(state.unread));
      emit(this.#init.host, 'parlor-unread-change', { unread: state.unread });
      if (this.#init.titleBadge && document.visibilityState === 'hidden') this.#badgeTitle(state.unread);
    }
    // One write when a conversation appears, not one per render.
    if (state.conversation && !this.#returning) writeKey('localStorage', returningKey(this.#init.siteId), '1');
    this.#returning = Boolean(state.conversation);
  }

  #strings(): ParlorStrings {
    return this.settings?.strings ?? loadStrings('en');
  }

  #syncActive(): void {
    const messages = this.messages;
    if (messages) messages.active = this.open && document.visibilityState === 'visible';
  }

  #onEvent(event: ChatEvent): void {
    const host = this.#init?.host;
    if (!host) return;
    if (event.type === 'message') {
      emit(host, 'parlor-message', { message: event.message });
      if (this.#init?.sound && (!this.open || document.visibilityState === 'hidden')) chime();
    } else if (event.type === 'ack') {
      this.#analytics?.track('message_sent');
    } else if (event.type === 'error') {
      emit(host, 'parlor-error', { error: event.error });
    }
  }

  #badgeTitle(unread: number): void {
    this.#title ??= document.title;
    document.title = unread > 0 ? `(${unread}) ${this.#title}` : this.#title;
  }

  #restoreTitle(): void {
    if (this.#title === undefined) return;
    document.title = this.#title;
    this.#title = undefined;
  }

  #close(): void {
    this.#init?.host.hide(true);
  }

  #onKeydown(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      event.stopPropagation();
      this.#close();
    }
  }

  #onDragOver(event: DragEvent): void {
    if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
  }

  #onDrop(event: DragEvent): void {
    const files = event.dataTransfer?.files;
    if (!files?.length) return;
    event.preventDefault();
    this.composer?.addFiles(files);
  }

  #submitDetails(event: SubmitEvent, kind: 'pre-chat' | 'away'): void {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const attributes: Record<string, string> = {};
    for (const key of ['name', 'email']) {
      const value = data.get(key);
      if (typeof value === 'string' && value.trim()) attributes[key] = value.trim().slice(0, 320);
    }
    const client = this.chatClient;
    if (client) {
      // Typing their details into this form is the visitor agreeing to share them with the team.
      const consent = this.#consent;
      if (!consent?.context) this.setConsent({ context: true, analytics: consent?.analytics ?? false });
      client.setContext({ attributes });
    }
    if (kind === 'pre-chat') this.preChatDone = true;
    else this.awayEmailSent = true;
    void this.updateComplete.then(() => this.focusComposer());
  }

  #banner() {
    const connection = this.#chat.state?.connection;
    const s = this.#strings();
    if (!this.online) return s.offlineBanner;
    if (connection?.status === 'waiting' || (connection?.status === 'connecting' && connection.attempt > 0))
      return s.reconnectingBanner;
    if (connection?.status === 'stopped') return s.genericError;
    return undefined;
  }

  protected override render() {
    const settings = this.settings;
    if (!settings) return nothing;
    const s = settings.strings;
    const state = this.#chat.state;
    const site = state?.site;
    const banner = this.#banner();
    const away = site?.away === true;
    const showPreChat = settings.preChat && !this.preChatDone && !state?.conversation;
    return html`
      <div
        part="panel"
        role="dialog"
        aria-labelledby="title"
        dir=${settings.dir}
        lang=${settings.locale}
        @keydown=${this.#onKeydown}
        @dragover=${this.#onDragOver}
        @drop=${this.#onDrop}
      >
        <header part="header">
          <div class="heading">
            <h2 id="title">${s.panelTitle}</h2>
            <p class="presence" data-presence=${away ? 'away' : (state?.presence ?? 'offline')}>
              ${
                away
                  ? s.awayTitle
                  : state?.presence === 'online'
                    ? s.presenceOnline
                    : site?.replyMinutes
                      ? s.typicallyReplies(formatMinutes(site.replyMinutes, settings.locale))
                      : nothing
              }
            </p>
          </div>
          <button type="button" class="close" aria-label=${s.close} @click=${this.#close}>
            <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18" /></svg>
          </button>
        </header>
        <div part="banner" role="status">${banner ?? nothing}</div>
        ${away && site?.awayMessage ? html`<p class="away" part="away">${site.awayMessage}</p>` : nothing}
        ${
          away && !this.awayEmailSent && !showPreChat
            ? html`<form class="details" part="away-form" @submit=${(e: SubmitEvent) => this.#submitDetails(e, 'away')}>
                <label for="away-email">${s.awayEmailLabel}</label>
                <div class="row">
                  <input id="away-email" name="email" type="email" autocomplete="email" required />
                  <button type="submit">${s.send}</button>
                </div>
              </form>`
            : nothing
        }
        ${
          showPreChat
            ? html`<form
                class="details"
                part="pre-chat"
                @submit=${(e: SubmitEvent) => this.#submitDetails(e, 'pre-chat')}
              >
                <label for="pre-name">${s.preChatNameLabel}</label>
                <input id="pre-name" name="name" autocomplete="name" />
                <label for="pre-email">${s.preChatEmailLabel}</label>
                <input id="pre-email" name="email" type="email" autocomplete="email" required />
                <button type="submit">${s.preChatStart}</button>
              </form>`
            : html`<parlor-messages exportparts=${MESSAGE_PARTS}></parlor-messages>
                <parlor-composer exportparts=${COMPOSER_PARTS}></parlor-composer>`
        }
      </div>
    `;
  }
}

/** A short, soft two-note chime, synthesised (no audio file to fetch). Silently skipped where audio is blocked. */
function chime(): void {
  try {
    const audio = new AudioContext();
    const gain = audio.createGain();
    gain.gain.setValueAtTime(0.06, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.4);
    gain.connect(audio.destination);
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = audio.createOscillator();
      osc.frequency.value = freq;
      osc.connect(gain);
      osc.start(audio.currentTime + i * 0.12);
      osc.stop(audio.currentTime + 0.4);
    }
    setTimeout(() => void audio.close(), 600);
  } catch {
    // No audio here (autoplay policy, no device): the badge still tells.
  }
}
