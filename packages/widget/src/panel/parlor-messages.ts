import { consume } from '@lit/context';
import type { Body, ChatClient, ChatEvent, ChatState, Message, TimelineItem } from '@parlor/core';
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { formatBytes, formatDay, formatTime } from '../i18n/format.js';
import { defaultStrings } from '../i18n/locale.js';
import type { ParlorStrings } from '../i18n/strings.js';
import { linkify, type Token } from '../internal/linkify.js';
import { ChatController } from './chat-controller.js';
import { clientContext, settingsContext, type PanelSettings } from './contexts.js';
import { messagesStyles } from './parlor-messages.styles.js';

type Author = Message['author'];

/** One message as the list shows it, stored or still on its way. */
interface Row {
  readonly item: TimelineItem;
  readonly author: Author;
  readonly body: Body;
  readonly at: number;
}

/** Consecutive messages of one author, shown under one name and one time. */
interface Group {
  readonly author: Author;
  readonly at: number;
  readonly rows: Row[];
}

/** The groups of one calendar day, under one day separator. */
interface Day {
  readonly key: string;
  readonly at: number;
  readonly groups: Group[];
}

/** Within this distance of the bottom the visitor counts as "at the bottom", and new messages keep the view there. */
const STICK_PX = 48;
/** Scrolling within this distance of the top fetches older messages. */
const OLDER_PX = 80;
/** A pause this long starts a new group, so a group's single time never misleads by much. */
const GROUP_GAP_MS = 5 * 60_000;
/** Announcements kept in the live region; screen readers speak additions, older nodes only go stale. */
const KEPT_ANNOUNCEMENTS = 3;
/** Long messages are cut in announcements: a screen reader would otherwise read for minutes. */
const ANNOUNCED_CHARS = 300;
const LINK_REL = 'noopener noreferrer nofollow';

// Bodies are immutable and kept across snapshots, so each text is scanned for links once, not on every render.
const tokenCache = new WeakMap<object, Token[]>();

function tokensOf(body: object, text: string): Token[] {
  let tokens = tokenCache.get(body);
  if (!tokens) {
    tokens = linkify(text);
    tokenCache.set(body, tokens);
  }
  return tokens;
}

/** The URL of a file to open or show, only when it is a web URL: a server-given `javascript:` stays unlinked. */
function webUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

function rowOf(item: TimelineItem): Row {
  return item.kind === 'stored'
    ? { item, author: item.message.author, body: item.message.body, at: item.message.at }
    : { item, author: { role: 'visitor' }, body: item.body, at: item.createdAt };
}

function sameAuthor(a: Author, b: Author): boolean {
  return a.role === b.role && (a.role === 'visitor' || (a.id ?? a.name) === (b.id ?? b.name));
}

/** Splits the timeline into days and author groups, in display order. */
function layout(items: readonly TimelineItem[]): Day[] {
  const days: Day[] = [];
  let day: Day | undefined;
  let group: Group | undefined;
  let last = 0;
  for (const item of items) {
    const row = rowOf(item);
    // Pending times come from this device's clock: never let one sort a message into an earlier day or group.
    const at = Math.max(row.at, last);
    const key = new Date(at).toDateString();
    if (!day || day.key !== key) {
      day = { key, at, groups: [] };
      days.push(day);
      group = undefined;
    }
    if (!group || !sameAuthor(group.author, row.author) || at - last > GROUP_GAP_MS) {
      group = { author: row.author, at: row.at, rows: [] };
      day.groups.push(group);
    }
    group.rows.push(row);
    last = at;
  }
  return days;
}

/**
 * The conversation: messages grouped by author and day, delivery states, quick replies, the typing indicator and
 * older history on demand. It reads the client and settings from the panel's contexts.
 *
 * Message text is always rendered as text: links are found by `linkify` and become `<a>` elements built by the
 * template, so no HTML from a message is ever parsed (safe under strict CSP and Trusted Types). The log itself is
 * silent for screen readers; a separate polite live region announces each new incoming message once.
 *
 * @example
 * ```html
 * <parlor-panel>
 *   <!-- inside the panel's shadow root, which provides the contexts: -->
 *   <parlor-messages active></parlor-messages>
 * </parlor-panel>
 * ```
 *
 * @tag parlor-messages
 * @cssprop --parlor-messages-visitor-bg - Background of the visitor's bubbles (default: `--parlor-accent`).
 * @cssprop --parlor-messages-visitor-fg - Text of the visitor's bubbles (default: `--parlor-on-accent`).
 * @cssprop --parlor-messages-other-bg - Background of agent, bot and greeting bubbles (default: `--parlor-surface-alt`).
 * @cssprop --parlor-messages-other-fg - Text of agent, bot and greeting bubbles (default: `--parlor-text`).
 * @cssprop --parlor-messages-radius - Corner radius of bubbles (default: `--parlor-radius`).
 * @csspart messages - The scrolling log.
 * @csspart message - Every message bubble; also `message-visitor`, `message-agent`, `message-bot`, `message-system`.
 * @csspart greeting - The greeting bubble shown before the conversation starts.
 * @csspart author - The author's name above a group.
 * @csspart time - The time of a group.
 * @csspart day - A day separator.
 * @csspart status - The delivery state under the visitor's messages.
 * @csspart failed - The error and actions under a message that could not be sent.
 * @csspart attachment - The download link of a file.
 * @csspart thumbnail - The preview of an image file.
 * @csspart quick-replies - The group of quick-reply buttons.
 * @csspart quick-reply - One quick-reply button.
 * @csspart typing - The typing indicator.
 * @csspart load-older - The button that loads earlier messages.
 */
export class ParlorMessages extends LitElement {
  static override styles = messagesStyles;

  #chat = new ChatController(this, (event) => this.#handleChatEvent(event));
  /** Keeps the view at the bottom when content grows under it (an image loads, the panel resizes). */
  #resize = new ResizeObserver(() => {
    const log = this.#log;
    if (log && this.#following(log)) log.scrollTop = log.scrollHeight;
    if (log) this.#remember(log);
  });

  /** Content and viewport heights of the log when last measured; "at the bottom" is judged against them. */
  #seen: { height: number; client: number } | undefined;
  /** Measured just before an update: whether to follow, and where to keep the view if history is prepended. */
  #before: { top: number; height: number; following: boolean } | undefined;
  /** The first stored seq of the last render: a smaller one means history was prepended. */
  #firstSeq: number | undefined;
  /** The first stored seq when older messages were last requested by scrolling, so one scroll asks once. */
  #olderRequestedAt: number | undefined;
  /** Messages at or below this seq of this conversation were history when first seen: never announced. */
  #baseline: { id: string; seq: number } | undefined;
  #announced = new Set<string>();
  #announcements: { key: string; text: string }[] = [];
  /** The visitor the announcements were made for: when the person changes (logout), they are forgotten. */
  #visitorId: string | null = null;

  /** The chat client to render; provided by `<parlor-panel>` through context. */
  @consume({ context: clientContext, subscribe: true })
  @property({ attribute: false })
  client: ChatClient | undefined;

  /** Locale, strings and greeting; provided by `<parlor-panel>` through context. */
  @consume({ context: settingsContext, subscribe: true })
  @property({ attribute: false })
  settings: PanelSettings | undefined;

  /**
   * Set while the visitor can see the messages (the panel is open and the page visible): incoming messages are
   * then marked read whenever the view is at the bottom, so the agent sees read receipts.
   */
  @property({ type: Boolean, reflect: true })
  active = false;

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) this.#observe();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize.disconnect();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) {
      this.#chat.client = this.client;
      this.#baseline = undefined;
      this.#takeBaseline();
    }
    this.#forgetPreviousPerson();
    const log = this.#log;
    this.#before = log ? { top: log.scrollTop, height: log.scrollHeight, following: this.#following(log) } : undefined;
    this.#markRead();
  }

  /**
   * Another person now (logout, or a different user): the live region must not keep reading out, or holding in
   * the page, what was said to the one before. The timeline is theirs to clear (the client does); these are ours.
   */
  #forgetPreviousPerson(): void {
    const visitorId = this.#chat.state?.visitor?.id ?? null;
    if (visitorId === this.#visitorId) return;
    if (this.#visitorId !== null) {
      this.#announcements = [];
      this.#announced.clear();
      this.#baseline = undefined;
    }
    this.#visitorId = visitorId;
  }

  protected override firstUpdated(): void {
    this.#observe();
  }

  protected override updated(): void {
    const log = this.#log;
    const first = this.#chat.state?.timeline.stored[0]?.seq;
    const prepended = first !== undefined && this.#firstSeq !== undefined && first < this.#firstSeq;
    this.#firstSeq = first;
    if (!log) return;
    const before = this.#before;
    if (!before || before.following) log.scrollTop = log.scrollHeight;
    else if (prepended) log.scrollTop = before.top + (log.scrollHeight - before.height);
    this.#remember(log);
  }

  get #log(): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>('.log');
  }

  get #strings(): ParlorStrings {
    return this.settings?.strings ?? defaultStrings;
  }

  get #locale(): string {
    return this.settings?.locale ?? 'en';
  }

  #observe(): void {
    const log = this.#log;
    const stream = this.renderRoot.querySelector('.stream');
    if (log) this.#resize.observe(log);
    if (stream) this.#resize.observe(stream);
  }

  /**
   * Whether the visitor is at (or near) the bottom, so the view should follow new content. Judged with the sizes
   * last seen, not the current ones: content that grew since (a message, an image that loaded) does not count as
   * the visitor scrolling away, while the visitor's own scroll counts at once, even before its event arrives.
   */
  #following(log: HTMLElement): boolean {
    const seen = this.#seen;
    return !seen || seen.height - log.scrollTop - seen.client <= STICK_PX;
  }

  #remember(log: HTMLElement): void {
    this.#seen = { height: log.scrollHeight, client: log.clientHeight };
  }

  /** Marks incoming messages read while the visitor can see them: the panel is active and the view at the bottom. */
  #markRead(): void {
    const client = this.#chat.client;
    const log = this.#log;
    if (!this.active || !client || (this.#chat.state?.unread ?? 0) === 0) return;
    if (!log || this.#following(log)) client.markRead();
  }

  /** Remembers where history ends for a conversation seen for the first time: what is already there is not news. */
  #takeBaseline(): void {
    const conversation = this.#chat.state?.conversation;
    if (conversation && conversation.id !== this.#baseline?.id)
      this.#baseline = { id: conversation.id, seq: conversation.lastSeq };
  }

  #handleChatEvent(event: ChatEvent): void {
    this.#takeBaseline();
    if (event.type === 'message') this.#announce(event.message);
  }

  #announce(message: Message): void {
    if (message.author.role === 'visitor') return;
    const baseline = this.#baseline;
    if (baseline && baseline.id === message.conversation && message.seq <= baseline.seq) return;
    const key = `${message.conversation}:${message.seq}`;
    if (this.#announced.has(key)) return;
    this.#announced.add(key);
    const body = message.body;
    const full = body.kind === 'text' ? body.text : body.name;
    // Cut on a character boundary: half of a surrogate pair would be read as garbage.
    const cut = /[\uD800-\uDBFF]/.test(full.charAt(ANNOUNCED_CHARS - 1)) ? ANNOUNCED_CHARS - 1 : ANNOUNCED_CHARS;
    const text = full.length > ANNOUNCED_CHARS ? `${full.slice(0, cut)}…` : full;
    const announcement = this.#strings.newMessageAnnouncement(this.#authorName(message.author), text);
    this.#announcements = [...this.#announcements, { key, text: announcement }].slice(-KEPT_ANNOUNCEMENTS);
    this.requestUpdate();
  }

  #authorName(author: Author): string {
    if (author.name) return author.name;
    if (author.role === 'bot') return this.#strings.botLabel;
    if (author.role === 'system') return this.#chat.state?.site?.name ?? this.#strings.agentLabel;
    return this.#strings.agentLabel;
  }

  #handleScroll(): void {
    const log = this.#log;
    if (!log) return;
    this.#remember(log);
    if (log.scrollTop <= OLDER_PX && log.scrollHeight > log.clientHeight) {
      const first = this.#chat.state?.timeline.stored[0]?.seq;
      if (first !== this.#olderRequestedAt && this.#canLoadOlder()) {
        this.#olderRequestedAt = first;
        this.#chat.client?.loadOlder();
      }
    }
    this.#markRead();
  }

  #canLoadOlder(): boolean {
    const state = this.#chat.state;
    return !!state && (state.hasOlder || (state.timeline.stored[0]?.seq ?? 1) > 1);
  }

  #handleLoadOlder(): void {
    this.#chat.client?.loadOlder();
  }

  #handleQuickReply(reply: string): void {
    // A refused send shows up in the client's state; nothing to add here.
    this.#chat.client?.send(reply).catch(() => undefined);
    this.#focusLog();
  }

  #handleRetry(id: string): void {
    this.#chat.client?.retry(id).catch(() => undefined);
    this.#focusLog();
  }

  #handleDiscard(id: string): void {
    this.#chat.client?.discard(id).catch(() => undefined);
    this.#focusLog();
  }

  /** The button that had focus is about to disappear: keep keyboard users in the conversation, not on the page. */
  #focusLog(): void {
    void this.updateComplete.then(() => this.#log?.focus({ preventScroll: true }));
  }

  override render(): TemplateResult {
    const state = this.#chat.state;
    const items = state?.items ?? [];
    return html`
      <div
        class="log"
        part="messages"
        role="log"
        aria-live="off"
        tabindex="0"
        dir=${this.settings?.dir ?? nothing}
        @scroll=${this.#handleScroll}
      >
        <div class="stream">
          ${
            this.#canLoadOlder()
              ? html`<button class="action older" part="load-older" @click=${this.#handleLoadOlder}>
                  ${this.#strings.loadOlder}
                </button>`
              : nothing
          }
          ${this.#renderGreeting(state)}
          ${repeat(
            layout(items),
            (day) => day.key,
            (day) => html`
              <div class="day" part="day">${formatDay(day.at, this.#locale)}</div>
              ${repeat(
                day.groups,
                (group) => group.rows[0]?.item.id,
                (group) => this.#renderGroup(group, state),
              )}
            `,
          )}
          ${this.#renderQuickReplies(items)} ${this.#renderTyping(state)}
        </div>
      </div>
      <div class="sr-only" aria-live="polite">
        ${repeat(
          this.#announcements,
          (a) => a.key,
          (a) => html`<p>${a.text}</p>`,
        )}
      </div>
    `;
  }

  #renderGreeting(state: ChatState | undefined): TemplateResult | typeof nothing {
    const greeting = this.settings?.greeting ?? state?.site?.greeting;
    if (!greeting || (state && state.timeline.stored.length > 0)) return nothing;
    const name = state?.site?.name ?? this.#strings.botLabel;
    return html`<div class="group bot">
      <div class="meta"><span class="author" part="author">${name}</span></div>
      <div class="row"><div class="bubble" part="greeting" dir="auto">${this.#renderText(greeting)}</div></div>
    </div>`;
  }

  #renderGroup(group: Group, state: ChatState | undefined): TemplateResult {
    const { role } = group.author;
    const last = group.rows.length - 1;
    return html`<div class="group ${role}">
      <div class="meta">${this.#renderAuthor(group.author)}${this.#renderTime(group.at)}</div>
      ${repeat(
        group.rows,
        (row) => row.item.id,
        (row, index) =>
          html`<div class="row">
            <div class="bubble" part="message message-${role}" dir="auto">${this.#renderBody(row)}</div>
            ${role === 'visitor' ? this.#renderStatus(row.item, index === last, state) : nothing}
          </div>`,
      )}
    </div>`;
  }

  #renderAuthor(author: Author): TemplateResult | typeof nothing {
    if (author.role === 'visitor') return html`<span class="sr-only">${this.#strings.you}</span>`;
    if (author.role === 'system') return nothing;
    const label = author.role === 'bot' ? this.#strings.botLabel : this.#strings.agentLabel;
    const name = author.name ?? label;
    // A name that already says the role ("Agent") is not followed by the role again.
    const role = name.toLocaleLowerCase() === label.toLocaleLowerCase() ? nothing : html`<span>${label}</span>`;
    return html`<span class="author" part="author">${name}</span>${role}`;
  }

  #renderTime(at: number): TemplateResult {
    return html`<time part="time" datetime=${new Date(at).toISOString()}>${formatTime(at, this.#locale)}</time>`;
  }

  #renderText(text: string, body: object = { text }): (string | TemplateResult)[] {
    return tokensOf(body, text).map((token) =>
      token.kind === 'link'
        ? html`<a href=${token.href} target="_blank" rel=${LINK_REL}>${token.text}</a>`
        : token.text,
    );
  }

  #renderBody(row: Row): TemplateResult | (string | TemplateResult)[] {
    const { body, item } = row;
    if (body.kind === 'text') return this.#renderText(body.text, body);
    const url = webUrl(body.url);
    const image = url && body.mime.startsWith('image/') ? url : undefined;
    const file = html`${
        image ? html`<img class="thumbnail" part="thumbnail" src=${image} alt=${body.name} loading="lazy" />` : nothing
      }<span class="file-name">${body.name}</span>
      <span class="file-size">${formatBytes(body.size, this.#locale)}</span>`;
    const progress = item.kind === 'pending' && item.progress !== undefined ? Math.round(item.progress * 100) : -1;
    return html`${
      url
        ? html`<a class="attachment" part="attachment" href=${url} target="_blank" rel=${LINK_REL}>${file}</a>`
        : html`<span class="attachment">${file}</span>`
    }
    ${
      progress >= 0 && item.kind === 'pending' && item.state === 'sending'
        ? html`<progress max="100" .value=${progress} aria-label=${this.#strings.uploadProgress(progress)}></progress>`
        : nothing
    }
    ${body.caption ? html`<div class="caption">${this.#renderText(body.caption, body)}</div>` : nothing}`;
  }

  #renderStatus(item: TimelineItem, isLast: boolean, state: ChatState | undefined): TemplateResult | typeof nothing {
    const strings = this.#strings;
    if (item.kind === 'pending' && item.state === 'failed') {
      const reason = item.error?.message;
      return html`<div class="failed" part="failed">
        <span part="status">${strings.statusFailed}${reason ? html`: ${reason}` : nothing}</span>
        <button class="action retry" part="retry" @click=${() => this.#handleRetry(item.id)}>${strings.retry}</button>
        <button class="action" part="discard" @click=${() => this.#handleDiscard(item.id)}>${strings.discard}</button>
      </div>`;
    }
    if (!isLast) return nothing;
    let status = strings.statusSending;
    if (item.kind === 'stored')
      status = item.message.seq <= (state?.conversation?.agentReadSeq ?? 0) ? strings.statusRead : strings.statusSent;
    return html`<div class="status" part="status">${status}</div>`;
  }

  #renderQuickReplies(items: readonly TimelineItem[]): TemplateResult | typeof nothing {
    const last = items.at(-1);
    if (last?.kind !== 'stored' || last.message.author.role === 'visitor') return nothing;
    const replies = last.message.quickReplies;
    if (!replies?.length) return nothing;
    return html`<div
      class="quick-replies"
      part="quick-replies"
      role="group"
      aria-label=${this.#strings.quickRepliesLabel}
    >
      ${replies.map(
        (reply) =>
          html`<button class="quick-reply" part="quick-reply" @click=${() => this.#handleQuickReply(reply)}>
            ${reply}
          </button>`,
      )}
    </div>`;
  }

  #renderTyping(state: ChatState | undefined): TemplateResult | typeof nothing {
    if (!state?.typing) return nothing;
    return html`<div class="typing" part="typing">
      <span class="dots" aria-hidden="true"><span></span><span></span><span></span></span>
      <span>${this.#strings.typing(state.typing.name)}</span>
    </div>`;
  }
}
