import { authFrame } from './auth-frame.js';
import { INITIAL_STATE, failed, reduce, type ChatAction, type ChatState, type ConnectionView } from './chat-state.js';
import { Connection, connectionView, type ConnectionStatus } from './connection.js';
import { ParlorError } from './errors.js';
import {
  OptionsError,
  parseOptions,
  type AuthOption,
  type ChatClientOptions,
  type ChatEnvironment,
} from './options.js';
import {
  PROTOCOL_VERSION,
  TEXT_HARD_LIMIT,
  type Attributes,
  type Auth,
  type Body,
  type Cart,
  type ClientFrame,
  type HelloFrame,
  type Message,
  type Page,
  type ServerFrame,
} from './protocol/index.js';
import { hasSiteStore, openChatStore, wipeSite, type ChatStore, type OutboxEntry } from './storage/chat-store.js';
import { dropUnsent, keepUnsent, readUnsent } from './storage/unsent.js';
import { joinTabGroup, type TabGroup } from './tab-group.js';
import { Outbox } from './outbox.js';
import { currentPage, watchPage } from './page.js';
import { ackedMessage, firstGap, type PendingItem } from './timeline.js';
import { uploadFile } from './upload.js';
import { uuidv7 } from './uuid-v7.js';

/** Events a client emits besides state changes. */
export type ChatEvent =
  /** The snapshot changed: read `getSnapshot()`. */
  | { type: 'state' }
  /** A message from the other side (agent, bot, system) or another tab of this visitor arrived. */
  | { type: 'message'; message: Message }
  /** A sent message was stored by the server. */
  | { type: 'ack'; id: string; seq: number }
  /** Something went wrong that the UI may want to say. */
  | { type: 'error'; error: ParlorError };

/** Receives every {@link ChatEvent}. */
export type ChatListener = (event: ChatEvent) => void;

/** What tabs of one visitor tell each other. */
type TabMessage =
  | { kind: 'frame'; frame: ServerFrame }
  | { kind: 'connection'; connection: ConnectionView }
  /**
   * A tab queued `entry` (or, closing, hands over one it still held): every tab keeps a copy and the
   * leader sends it. `saved` says it is in the shared IndexedDB outbox already; when it is not, the leader
   * writes it there. The name and shape are those older builds post without `saved` (and without `entry`
   * when it is in storage), so tabs running different builds of the page still understand each other.
   */
  | { kind: 'flush'; entry?: OutboxEntry; saved?: boolean }
  /** The visitor retried (`retry`) or discarded (`discard`) a failed message in one tab: every tab follows. */
  | { kind: 'retry' | 'discard'; id: string }
  | { kind: 'need-state' }
  | { kind: 'send-frame'; frame: ClientFrame }
  /** The visitor read up to `seq` in one tab: every tab's unread count follows. */
  | { kind: 'read'; seq: number }
  | { kind: 'logout' };

const CLIENT = { name: '@parlor/core', version: '0.0.0' };
const CONTEXT_DEBOUNCE_MS = 500;
const TYPING_CLEAR_MS = 10_000;

/**
 * The Parlor chat client: auth, connection, outbox, timeline and events for one site and visitor.
 * Renders nothing. Create it with {@link createChatClient}.
 */
export class ChatClient {
  readonly #options: ReturnType<typeof parseOptions>;
  readonly #env: ChatEnvironment;
  #state: ChatState = INITIAL_STATE;
  readonly #listeners = new Set<ChatListener>();
  #auth: AuthOption;
  #jwtSubject: string | undefined;
  #store: Promise<ChatStore> | null = null;
  readonly #outbox: Outbox;
  #connection: Connection | null = null;
  #group: TabGroup<TabMessage> | null = null;
  #typingTimer: ReturnType<typeof setTimeout> | undefined;
  #contextTimer: ReturnType<typeof setTimeout> | undefined;
  #context: { page?: Page | undefined; attributes?: Attributes; cart?: Cart | null } = {};
  #session: { token: string; expiresAt: number } | null = null;
  /** The JWT last sent in a `hello` or `identify`, and the timer that refreshes it on the live socket. */
  #jwt: string | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #visitorToken: string | undefined;
  #active = false;
  #destroyed = false;
  readonly #unwatch: (() => void)[] = [];
  /** Entries on screen whose outbox write has not committed yet: what `pagehide` keeps (see storage/unsent). */
  readonly #unsaved = new Map<string, OutboxEntry>();
  #stopKeeping: (() => void) | undefined;
  /** Kept entries requeued into a memory store: forgotten from Web Storage only once acked. */
  readonly #keptUntilAck = new Set<string>();

  constructor(options: ChatClientOptions) {
    const { environment, ...rest } = options;
    try {
      this.#options = parseOptions(rest);
    } catch (error) {
      throw new ParlorError('invalid_options', error instanceof OptionsError ? error.message : String(error));
    }
    this.#env = environment ?? {};
    this.#auth = this.#options.auth ?? { mode: 'anonymous' };
    this.#outbox = new Outbox(
      () => this.#now(),
      () => this.#flush(),
    );
    if (this.#options.attributes) this.#context.attributes = this.#options.attributes;
    // Not once destroyed: `connect()` would throw from the microtask, where nobody can catch it.
    if (this.#options.connect === 'eager')
      queueMicrotask(() => {
        if (!this.#destroyed) this.connect();
      });
  }

  // ---- store: subscribe / snapshot ----

  /**
   * Listens to every event. The first subscriber brings back a returning visitor's conversation (read
   * from storage, without writing anything). Returns the unsubscribe function.
   */
  subscribe(listener: ChatListener): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) void this.#resumeIfReturning();
    return () => this.#listeners.delete(listener);
  }

  /** The current state: immutable, and the same object until something changes. */
  getSnapshot(): ChatState {
    return this.#state;
  }

  #dispatch(action: ChatAction): void {
    const next = reduce(this.#state, action);
    if (next === this.#state) return;
    this.#state = next;
    this.#emit({ type: 'state' });
  }

  #emit(event: ChatEvent): void {
    for (const listener of [...this.#listeners]) listener(event);
  }

  #now(): number {
    return (this.#env.now ?? Date.now)();
  }

  #assertAlive(): void {
    if (this.#destroyed) throw new ParlorError('destroyed', 'this chat client was destroyed');
  }

  // ---- actions ----

  /**
   * Sends a text message. It is written to the outbox before it touches the wire and leaves it only
   * when the server acknowledges it; offline, it waits. Resolves with the message's client id once it
   * is safely queued.
   *
   * @example
   * ```ts
   * const id = await client.send('Hello!');
   * ```
   */
  async send(text: string): Promise<string> {
    this.#assertAlive();
    const trimmed = text.trim();
    if (!trimmed) throw new ParlorError('bad_frame', 'a message needs some text');
    const max = this.#limits()?.maxTextLength ?? TEXT_HARD_LIMIT;
    if (text.length > max) throw new ParlorError('too_large', `a message may have at most ${max} characters`);
    return this.#enqueue({ kind: 'text', text });
  }

  /**
   * Sends a file: it is uploaded first (progress shows on its pending item), then sent like a message.
   * Size and type are checked against the server's limits before any byte leaves.
   *
   * @example
   * ```ts
   * input.addEventListener('change', () => client.sendFile(input.files[0], { caption: 'My receipt' }));
   * ```
   */
  async sendFile(file: Blob, options: { name?: string; caption?: string } = {}): Promise<string> {
    this.#assertAlive();
    const name = options.name ?? ('name' in file && typeof file.name === 'string' ? file.name : 'file');
    const mime = file.type || 'application/octet-stream';
    const session = await this.#waitForSession();
    const limits = this.#limits();
    if (limits && file.size > limits.maxAttachmentBytes)
      throw new ParlorError('too_large', `files may be at most ${limits.maxAttachmentBytes} bytes`);
    if (limits && !limits.attachmentTypes.includes(mime))
      throw new ParlorError('bad_frame', `files of type ${mime} are not accepted`);
    const id = uuidv7();
    const placeholder: PendingItem = {
      kind: 'pending',
      id,
      body: { kind: 'attachment', upload: 'u_uploading000000000000', name, mime, size: file.size },
      createdAt: this.#now(),
      state: 'sending',
      progress: 0,
    };
    this.#dispatch({ type: 'pending', item: placeholder });
    let upload: { upload: string; name: string; mime: string; size: number };
    try {
      upload = await uploadFile(
        `${this.#options.server.replace(/\/$/, '')}/v1/uploads`,
        session.token,
        file,
        name,
        mime,
        (progress) => this.#dispatch({ type: 'pending', item: { ...placeholder, progress } }),
      );
    } catch (error) {
      const parlor = error instanceof ParlorError ? error : new ParlorError('upload_failed', String(error));
      this.#dispatch({ type: 'pending', item: failed(placeholder, { code: parlor.code, message: parlor.message }) });
      throw parlor;
    }
    const body: Body = {
      kind: 'attachment',
      upload: upload.upload,
      name: upload.name,
      mime: upload.mime,
      size: upload.size,
    };
    if (options.caption) body.caption = options.caption;
    return this.#enqueue(body, id);
  }

  /** The HTTP session credential from the welcome, connecting first when needed. */
  async #waitForSession(): Promise<{ token: string; expiresAt: number }> {
    if (this.#session && this.#session.expiresAt > this.#now() + 5000) return this.#session;
    this.connect();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new ParlorError('network', 'not connected: the file can be sent once the chat is back'));
      }, 15_000);
      const off = this.subscribe(() => {
        if (!this.#session || this.#session.expiresAt <= this.#now()) return;
        clearTimeout(timer);
        off();
        resolve(this.#session);
      });
    });
  }

  /** Re-sends a failed message with the same client id (the server never stores it twice). */
  async retry(id: string): Promise<void> {
    this.#assertAlive();
    const entry = this.#outbox.retry(id);
    if (!entry) return;
    const store = await this.#openStore();
    await store.updateEntry(id, { state: 'pending' });
    this.#dispatch({ type: 'pending', item: this.#pendingItem(entry) });
    // The leader holds its own copy, still marked failed: it would never send it again otherwise.
    this.#group?.post({ kind: 'retry', id });
    this.#flush();
  }

  /** Drops a failed (or still pending) message from the outbox. */
  async discard(id: string): Promise<void> {
    this.#assertAlive();
    const store = await this.#openStore();
    this.#outbox.take(id);
    await store.remove(id);
    this.#dispatch({ type: 'discard', id });
    // Every tab holds a copy; one that leads later must not send what the visitor threw away.
    this.#group?.post({ kind: 'discard', id });
  }

  /** Marks everything up to the newest message as read (the agent sees it). */
  markRead(): void {
    const { conversation, timeline } = this.#state;
    const last = timeline.stored.at(-1)?.seq ?? 0;
    if (!conversation || last <= conversation.visitorReadSeq) return;
    this.#dispatch({ type: 'read', role: 'visitor', seq: last });
    this.#group?.post({ kind: 'read', seq: last });
    this.#sendFrame({ type: 'read', conversation: conversation.id, seq: last });
  }

  /** Tells the agent the visitor is (or stopped) typing. Ephemeral; dropped while offline. */
  setTyping(on: boolean): void {
    const conversation = this.#state.conversation;
    if (conversation) this.#sendFrame({ type: 'typing', conversation: conversation.id, on });
  }

  /**
   * Updates the visitor's context (custom attributes, cart, page). Sent when it changes, debounced,
   * and only with context consent.
   */
  setContext(context: { attributes?: Attributes; cart?: Cart | null; page?: Page }): void {
    this.#assertAlive();
    this.#context = { ...this.#context, ...context };
    this.#scheduleContext();
  }

  /** Sets the visitor's consent; without `context` consent no page, cart or attributes are sent. */
  setConsent(consent: { context: boolean; analytics: boolean }): void {
    this.#options.consent = consent;
    this.#scheduleContext();
  }

  /**
   * The visitor logged in: the connection switches to that identity and their conversation carries
   * over. Pass what your server computed (`userHash`) or a JWT.
   */
  async identify(auth: Exclude<AuthOption, { mode: 'anonymous' }>): Promise<void> {
    this.#assertAlive();
    this.#auth = auth;
    const frame = { type: 'identify', auth: await this.#authFrame(false) } as const;
    if (frame.auth.mode === 'anonymous') return;
    if (!this.#sendFrame({ type: 'identify', auth: frame.auth })) this.#connection?.reconnectNow();
  }

  /**
   * The visitor logged out: every trace of them on this browser is wiped (outbox, history, tokens, in
   * every tab) and the client starts over as a new anonymous visitor, so the next person at a shared
   * computer sees nothing.
   */
  async logout(): Promise<void> {
    this.#assertAlive();
    this.#group?.post({ kind: 'logout' });
    await this.#forget();
  }

  /**
   * Drops the socket and every local trace of the visitor. The next interaction starts a new anonymous
   * session; until then nothing is stored (a logged-out page must not recreate what it just wiped).
   */
  async #forget(): Promise<void> {
    this.disconnect();
    this.#group?.close();
    this.#group = null;
    this.#lastWelcome = null;
    clearTimeout(this.#saveCacheTimer);
    this.#auth = { mode: 'anonymous' };
    this.#visitorToken = undefined;
    this.#session = null;
    this.#outbox.clear();
    const store = this.#store;
    this.#store = null;
    await store?.then((s) => s.wipe()).catch(() => undefined);
    await wipeSite(this.#options.siteId, this.#indexedDB());
    this.#unsaved.clear();
    this.#dispatch({ type: 'reset' });
  }

  /** Loads the page of messages before the oldest one held (scrolling up). */
  loadOlder(): void {
    const { conversation, timeline, hasOlder } = this.#state;
    const first = timeline.stored[0]?.seq;
    if (!conversation || !first || (!hasOlder && first <= 1)) return;
    this.#sendFrame({ type: 'history', conversation: conversation.id, before: first });
  }

  /** Opens the connection (e.g. when the visitor opens the widget). */
  connect(): void {
    this.#assertAlive();
    void this.#activate();
  }

  /** Closes the connection; queued messages wait for the next `connect()`. */
  disconnect(): void {
    clearTimeout(this.#refreshTimer);
    this.#connection?.stop();
    this.#connection = null;
    this.#active = false;
  }

  /** Stops everything and releases every listener, timer, socket and tab; the client cannot be used again. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    // Their writes still commit while the page lives; kept and handed over too in case the page goes first.
    this.#handOver();
    this.#stopKeeping?.();
    this.disconnect();
    this.#group?.close();
    this.#group = null;
    for (const off of this.#unwatch.splice(0)) off();
    clearTimeout(this.#typingTimer);
    clearTimeout(this.#contextTimer);
    // A destroyed client writes nothing more: a late cache write could resurrect wiped history.
    clearTimeout(this.#saveCacheTimer);
    this.#outbox.clear(); // stops its timer; storage keeps the queue for the next page
    this.#listeners.clear();
  }

  // ---- activation, storage, tabs ----

  #indexedDB(): IDBFactory | null {
    if (this.#options.storage === 'memory') return null;
    if (this.#env.indexedDB !== undefined) return this.#env.indexedDB;
    return typeof indexedDB === 'undefined' ? null : indexedDB;
  }

  #identityKey(): string {
    const auth = this.#auth;
    if (auth.mode === 'identified') return `user:${auth.userId}`;
    return auth.mode === 'jwt' ? `jwt:${this.#jwtSubject ?? ''}` : 'anonymous';
  }

  /**
   * Reads the subject of a JWT identity, so each signed-in user gets storage of their own: two people signing in
   * on one browser never see each other's cached history. Read, not verified (the server verifies); a token
   * function is asked once more for it.
   */
  async #readJwtSubject(): Promise<void> {
    // A failing provider leaves no token (the connection reports the failure).
    await this.#authFrame(false).catch(() => (this.#jwt = undefined));
    this.#jwtSubject = jwtClaims(this.#jwt).sub;
  }

  #openStore(): Promise<ChatStore> {
    this.#store ??= openChatStore({
      siteId: this.#options.siteId,
      identity: this.#identityKey(),
      indexedDB: this.#indexedDB(),
    }).then(async (store) => {
      this.#dispatch({ type: 'storage', kind: store.kind });
      const [outbox, cache, session] = await Promise.all([store.outbox(), store.readCache(), store.readSession()]);
      this.#outbox.merge(outbox);
      await this.#requeueUnsent(store, outbox);
      this.#visitorToken ??= session?.visitorToken;
      this.#dispatch({
        type: 'restore',
        conversation: cache?.conversation ?? null,
        messages: cache?.messages ?? [],
        pending: this.#outbox.entries.map((e) => this.#pendingItem(e)),
      });
      return store;
    });
    return this.#store;
  }

  /** A returning visitor (with a conversation or queued messages) reconnects without waiting for a click. */
  async #resumeIfReturning(): Promise<void> {
    if (this.#active || this.#destroyed) return;
    // Looking is not writing: only open storage if a store for this site already exists.
    if (!(await hasSiteStore(this.#options.siteId, this.#indexedDB()))) return;
    const store = await this.#openStore();
    const session = await store.readSession();
    if (session || this.#outbox.entries.length) await this.#activate();
  }

  async #activate(): Promise<void> {
    if (this.#active || this.#destroyed) return;
    this.#active = true;
    this.#trackPage();
    this.#watchPageHide(); // a tab may hold others' queued messages without having sent one itself
    await this.#readJwtSubject();
    await this.#openStore();
    // Destroyed while storage opened: joining now would take the tab lock for a client nobody will release.
    if (this.#destroyed) return;
    if (this.#options.shareTabs !== false) this.#joinTabs();
    else this.#becomeLeader('solo');
  }

  #joinTabs(): void {
    if (this.#group || this.#destroyed) return;
    const group = joinTabGroup<TabMessage>(`parlor:${this.#options.siteId}:${this.#identityKey()}`, {
      ...(this.#env.locks !== undefined ? { locks: this.#env.locks } : {}),
      ...(this.#env.BroadcastChannel !== undefined ? { BroadcastChannel: this.#env.BroadcastChannel } : {}),
    });
    this.#group = group;
    group.onMessage((message) => this.#onTabMessage(message));
    group.onLeaderChange((leader) => {
      if (leader) this.#becomeLeader(group.coordinated ? 'leader' : 'solo');
      else this.#stepDown();
    });
    if (!group.coordinated || group.isLeader) this.#becomeLeader(group.coordinated ? 'leader' : 'solo');
    else {
      this.#dispatch({ type: 'tab', tab: 'follower' });
      group.post({ kind: 'need-state' });
    }
  }

  #isLeader(): boolean {
    return this.#state.tab !== 'follower';
  }

  #becomeLeader(tab: 'leader' | 'solo'): void {
    if (this.#destroyed || this.#connection) return;
    this.#dispatch({ type: 'tab', tab });
    // Nothing goes out before the outbox holds what the previous leader left: sending one tab's queue
    // ahead of an older entry in storage would store them out of order. A tab alone (no tab group) read
    // the outbox when its storage opened, and other tabs, each alone too, send their own.
    if (tab === 'leader') this.#adopt();
    const env = this.#env;
    this.#connection = new Connection({
      url: `${this.#options.server.replace(/^http/, 'ws').replace(/\/$/, '')}/v1/connect`,
      hello: () => this.#hello(),
      onFrame: (frame) => this.#onServerFrame(frame, true),
      onStatus: (status) => this.#onStatus(status),
      refresh: async () => {
        // Nothing to do for a static token; a token provider is asked again on the next hello.
      },
      ...(env.WebSocket ? { WebSocket: env.WebSocket } : {}),
      ...(env.window !== undefined ? { window: env.window } : {}),
      ...(env.now ? { now: env.now } : {}),
    });
    this.#connection.start();
  }

  /** Starts {@link ChatClient.#adoptOutbox}; the first flush waits for it. */
  #adopt(): void {
    const adopting = this.#adoptOutbox()
      .catch(() => undefined) // storage failing now leaves what this tab holds, which still goes out
      .then(() => {
        if (this.#adopting !== adopting) return;
        this.#adopting = null;
        this.#flush();
      });
    this.#adopting = adopting;
  }

  /**
   * Another tab took the lock (this page is being hidden, or someone stole it): the socket goes, before
   * the lock passes on, so only one tab ever sends the shared outbox. Nothing queued is lost: the next
   * leader sends it, and this tab keeps its copies until the acks come through the channel.
   */
  #stepDown(): void {
    if (this.#destroyed || !this.#connection) return;
    this.#adopting = null;
    clearTimeout(this.#refreshTimer);
    this.#connection.stop();
    this.#connection = null;
    this.#outbox.socketChanged();
    this.#dispatch({ type: 'tab', tab: 'follower' });
  }

  /** Set while a new leader reads the shared outbox; {@link ChatClient.#flush} waits for it. */
  #adopting: Promise<void> | null = null;

  /**
   * Takes over what the tabs before this one left in the shared outbox: the previous leader's queue, the
   * sends of followers it never got to, and what closing pages kept in Web Storage. Copies this tab holds
   * only in memory (handed over by a closing tab, or from tabs without IndexedDB) are written to storage,
   * so they outlive this tab too. Entries known to be acked are dropped from storage instead: the previous
   * leader removes acked entries in batches and may have died before its last one.
   */
  async #adoptOutbox(): Promise<void> {
    const store = await this.#openStore();
    const stored = await store.outbox();
    if (this.#destroyed) return;
    const added = this.#outbox.merge(stored);
    await this.#requeueUnsent(store, stored);
    const inStorage = new Set(stored.map((e) => e.id));
    for (const entry of this.#outbox.entries) if (!inStorage.has(entry.id)) await store.enqueue(entry);
    const done = stored.filter((e) => this.#outbox.isDone(e.id)).map((e) => e.id);
    if (done.length) await store.remove(...done);
    // They are the visitor's own messages, now on their way from this tab: show them as such.
    for (const entry of added) this.#dispatch({ type: 'pending', item: this.#pendingItem(entry) });
  }

  /**
   * Entries another tab queued or handed over: kept here too, so that whichever tab leads next has them
   * even if the tab that queued them is gone. The leader writes the ones not in shared storage yet, then
   * sends. A message without an entry (from an older build) means "read the shared outbox again".
   */
  async #receiveQueued(entry: OutboxEntry | undefined, saved: boolean): Promise<void> {
    if (!entry && !this.#isLeader()) return;
    const store = await this.#openStore();
    const added = this.#outbox.merge(entry ? [entry] : await store.outbox());
    // Written before it is sent, so the removal on its ack comes after and cannot be undone by it.
    if (this.#isLeader() && !saved) for (const e of added) await store.enqueue(e);
    this.#flush();
  }

  #onTabMessage(message: TabMessage): void {
    switch (message.kind) {
      case 'frame':
        if (!this.#isLeader()) this.#onServerFrame(message.frame, false);
        return;
      case 'connection':
        if (!this.#isLeader()) this.#dispatch({ type: 'connection', connection: message.connection });
        return;
      case 'flush':
        // Older builds post an entry only when they have no IndexedDB, and never say `saved`.
        void this.#receiveQueued(message.entry, message.saved ?? message.entry === undefined);
        return;
      case 'retry': {
        const entry = this.#outbox.retry(message.id);
        if (!entry) return;
        if (this.#state.timeline.pending.some((p) => p.id === entry.id))
          this.#dispatch({ type: 'pending', item: this.#pendingItem(entry) });
        this.#flush();
        return;
      }
      case 'discard':
        this.#outbox.take(message.id);
        this.#dispatch({ type: 'discard', id: message.id });
        if (this.#state.storage === 'memory') void this.#openStore().then((s) => s.remove(message.id));
        return;
      case 'need-state':
        // Without shared storage a new tab cannot read the queue: it gets a copy of every entry.
        if (this.#isLeader() && this.#state.storage === 'memory')
          for (const entry of this.#outbox.entries) this.#group?.post({ kind: 'flush', entry, saved: false });
        if (this.#isLeader() && this.#lastWelcome) {
          this.#group?.post({ kind: 'connection', connection: this.#state.connection });
          this.#group?.post({ kind: 'frame', frame: this.#lastWelcome });
          const { conversation, timeline } = this.#state;
          if (conversation)
            this.#group?.post({
              kind: 'frame',
              frame: {
                type: 'synced',
                conversation,
                epoch: conversation.epoch,
                messages: [...timeline.stored],
                more: false,
                recovered: true,
              },
            });
        }
        return;
      case 'send-frame':
        if (this.#isLeader()) this.#connection?.send(message.frame);
        return;
      case 'read':
        this.#dispatch({ type: 'read', role: 'visitor', seq: message.seq });
        return;
      case 'logout':
        void this.#forget();
        return;
    }
  }

  // ---- the wire ----

  #lastWelcome: Extract<ServerFrame, { type: 'welcome' }> | null = null;

  #limits() {
    return this.#lastWelcome?.limits;
  }

  async #authFrame(withToken = true): Promise<Auth> {
    const auth = await authFrame(this.#auth, withToken ? this.#visitorToken : undefined);
    this.#jwt = auth.mode === 'jwt' ? auth.jwt : undefined;
    return auth;
  }

  /**
   * Refreshes a JWT from a token function on the live socket, before the server closes it at `exp` (§5.5):
   * about 60 s ahead (a quarter of the lifetime for short tokens, jittered so many visitors do not ask at
   * once), with `identify` and the provider's new token. The server answers with a fresh `welcome` for the
   * same visitor, so the conversation simply goes on. A token that is no fresher is not sent: the server then
   * closes with `token_expired` and the reconnect asks the provider again. A static token cannot be refreshed.
   */
  #scheduleRefresh(): void {
    clearTimeout(this.#refreshTimer);
    const { exp, iat = 0 } = jwtClaims(this.#jwt);
    // Not a number (no such claim): `>` is false, and nothing is scheduled.
    if (typeof (this.#auth as { token?: unknown }).token !== 'function' || !(exp > 0)) return;
    const margin = Math.min(60_000, (exp - iat) * 250) * (1 + Math.random() / 2);
    this.#refreshTimer = setTimeout(
      async () => {
        const auth = await this.#authFrame(false).catch(() => null); // failed: the reconnect asks again
        if (auth?.mode === 'jwt' && jwtClaims(auth.jwt).exp > exp) this.#connection?.send({ type: 'identify', auth });
      },
      // At least a second away (a token already due never spins), at most what a timer can hold (2^31 ms).
      Math.min(Math.max(exp * 1000 - this.#now() - margin, 1000), 2e9),
    );
  }

  async #hello(): Promise<HelloFrame> {
    const { conversation, timeline } = this.#state;
    const stored = timeline.stored;
    const held = firstGap(stored) ?? stored.at(-1)?.seq ?? 0;
    return {
      type: 'hello',
      v: PROTOCOL_VERSION,
      site: this.#options.siteId,
      auth: await this.#authFrame(),
      ...(conversation ? { resume: { conversation: conversation.id, epoch: conversation.epoch, seq: held } } : {}),
      ...(this.#options.consent ? { consent: this.#options.consent } : {}),
      client: CLIENT,
    };
  }

  #onStatus(status: ConnectionStatus): void {
    const view = connectionView(status);
    if (status.status === 'stopped') this.#emit({ type: 'error', error: status.error });
    if (view.status !== 'open') this.#outbox.socketChanged(); // unanswered sends go again on the next socket
    this.#dispatch({ type: 'connection', connection: view });
    this.#group?.post({ kind: 'connection', connection: view });
  }

  /** Sends a frame on this tab's socket, or through the leader tab. False when it could not go out now. */
  #sendFrame(frame: ClientFrame): boolean {
    if (this.#isLeader()) return this.#connection?.send(frame) ?? false;
    this.#group?.post({ kind: 'send-frame', frame });
    return true;
  }

  #onServerFrame(frame: ServerFrame, fromSocket: boolean): void {
    if (fromSocket) this.#group?.post({ kind: 'frame', frame });
    switch (frame.type) {
      case 'welcome':
        this.#lastWelcome = frame;
        this.#session = frame.session;
        if (frame.visitor.token) this.#visitorToken = frame.visitor.token;
        this.#dispatch({ type: 'welcome', frame });
        if (fromSocket) {
          void this.#openStore().then((s) =>
            s.writeSession({
              visitorId: frame.visitor.id,
              ...(this.#visitorToken ? { visitorToken: this.#visitorToken } : {}),
            }),
          );
          this.#catchUp();
          this.#sendContext();
          this.#flush();
          this.#scheduleRefresh();
        }
        return;
      case 'ack':
        return void this.#onAck(frame, fromSocket);
      case 'message':
        this.#onMessages([frame.message]);
        return;
      case 'synced':
        if (frame.recovered) this.#onMessages(frame.messages);
        else
          this.#dispatch({
            type: 'replace',
            conversation: frame.conversation,
            messages: frame.messages,
            hasOlder: frame.more,
          });
        if (frame.recovered && frame.more && frame.conversation && fromSocket) this.#catchUp();
        this.#saveCache();
        return;
      case 'older':
        this.#dispatch({ type: 'older', messages: frame.messages, more: frame.more });
        return;
      case 'typing':
        this.#dispatch({ type: 'typing', role: frame.role, on: frame.on, ...(frame.name ? { name: frame.name } : {}) });
        clearTimeout(this.#typingTimer);
        // A lost "stopped typing" must not leave the indicator on forever.
        if (frame.on)
          this.#typingTimer = setTimeout(
            () => this.#dispatch({ type: 'typing', role: frame.role, on: false }),
            TYPING_CLEAR_MS,
          );
        return;
      case 'read':
        this.#dispatch({ type: 'read', role: frame.role, seq: frame.seq });
        return;
      case 'presence':
        this.#dispatch({ type: 'presence', presence: frame.presence });
        return;
      case 'conversation':
        this.#dispatch({ type: 'conversation', conversation: frame.conversation });
        return;
      case 'error':
        return void this.#onError(frame, fromSocket);
      case 'pong':
        return;
    }
  }

  #onMessages(messages: Message[]): void {
    const before = new Set(this.#state.timeline.stored.map((m) => m.seq));
    this.#dispatch({ type: 'messages', messages });
    for (const message of messages)
      if (!before.has(message.seq) && message.author.role !== 'visitor') this.#emit({ type: 'message', message });
    // A hole between held messages: ask for what is missing.
    if (firstGap(this.#state.timeline.stored) !== undefined) this.#catchUp();
    this.#saveCache();
  }

  /**
   * Asks for everything after the last contiguous seq held. Holding nothing (a new device, a cleared cache), it
   * asks for the newest page only: older history comes a page at a time as the visitor scrolls up.
   */
  #catchUp(): void {
    const { conversation, timeline, limits } = this.#state;
    if (!conversation || !this.#isLeader()) return;
    const newestPage = Math.max(0, conversation.lastSeq - (limits?.pageSize ?? conversation.lastSeq));
    const held = firstGap(timeline.stored) ?? timeline.stored.at(-1)?.seq ?? newestPage;
    if (held < conversation.lastSeq || firstGap(timeline.stored) !== undefined)
      this.#connection?.send({ type: 'sync', conversation: conversation.id, epoch: conversation.epoch, after: held });
  }

  async #onAck(frame: Extract<ServerFrame, { type: 'ack' }>, fromSocket: boolean): Promise<void> {
    this.#unsaved.delete(frame.id);
    if (this.#keptUntilAck.delete(frame.id)) dropUnsent(this.#options.siteId, this.#identityKey(), [frame.id]);
    const entry = this.#outbox.take(frame.id);
    if (entry) this.#flush(); // room on the wire for the next queued one
    this.#dispatch({ type: 'ack', id: frame.id, conversation: frame.conversation, seq: frame.seq, at: frame.at });
    if (entry) {
      // The server does not echo a message to the socket that sent it, so when this tab sent for another
      // one, the message itself exists here only as the outbox entry: add it, and tell the other tabs.
      const message = ackedMessage(frame, entry.body);
      this.#dispatch({ type: 'messages', messages: [message] });
      if (fromSocket) this.#group?.post({ kind: 'frame', frame: { type: 'message', message } });
    }
    this.#emit({ type: 'ack', id: frame.id, seq: frame.seq });
    // The leader owns the shared outbox's writes; followers learn of the ack through the frame. Without
    // IndexedDB each tab's store is its own, and each removes the acked entry from it.
    if (fromSocket || this.#state.storage === 'memory') await this.#removeAcked(frame.id);
    this.#saveCache();
  }

  #acked: string[] = [];
  #removing: Promise<void> | null = null;

  /**
   * Removes acked entries from storage, batched: the acks of one drain arrive many per task, and one
   * write per ack rewrote the whole outbox each time (quadratic in its length). Removing late is safe:
   * an entry the page dies holding is sent again with its client id, and the server stores it once.
   */
  #removeAcked(id: string): Promise<void> {
    this.#acked.push(id);
    this.#removing ??= new Promise<void>((resolve) => setTimeout(resolve, 0))
      .then(() => this.#openStore())
      .then((store) => {
        const ids = this.#acked.splice(0);
        this.#removing = null;
        return store.remove(...ids);
      });
    return this.#removing;
  }

  async #onError(frame: Extract<ServerFrame, { type: 'error' }>, fromSocket: boolean): Promise<void> {
    const error = new ParlorError(frame.code, frame.message, frame.retryAfterMs);
    if (!frame.id || !this.#outbox.find(frame.id)) {
      if (frame.code !== 'rate_limited') {
        this.#dispatch({ type: 'error', error: { code: frame.code, message: frame.message } });
        this.#emit({ type: 'error', error });
      }
      return;
    }
    const id = frame.id;
    if (frame.code === 'rate_limited' || frame.code === 'internal') {
      // Not the message's fault: it stays queued and goes again shortly.
      this.#outbox.answered(id);
      this.#outbox.later(frame.retryAfterMs ?? 1000);
      return;
    }
    const entry = this.#outbox.fail(id, { code: frame.code, message: frame.message });
    if (!entry?.error) return;
    this.#dispatch({ type: 'pending', item: failed(this.#pendingItem(entry), entry.error) });
    this.#emit({ type: 'error', error });
    this.#flush(); // its place on the wire is free
    if (fromSocket) await (await this.#openStore()).updateEntry(id, { state: 'failed', error: entry.error });
  }

  // ---- outbox ----

  #pendingItem(entry: OutboxEntry): PendingItem {
    return {
      kind: 'pending',
      id: entry.id,
      body: entry.body,
      createdAt: entry.createdAt,
      state: entry.state === 'failed' ? 'failed' : 'sending',
      ...(entry.error ? { error: entry.error } : {}),
    };
  }

  async #enqueue(body: Body, id = uuidv7()): Promise<string> {
    // No conversation is pinned here: until the server has welcomed this visitor, the one restored from
    // the cache is only a guess. The flush names the conversation the server confirmed.
    const entry: OutboxEntry = { id, body, createdAt: this.#now(), state: 'pending' };
    this.#unsaved.set(id, entry);
    this.#watchPageHide();
    this.#dispatch({ type: 'pending', item: this.#pendingItem(entry) });
    const store = await this.#openStore();
    // The outbox write is issued before the message touches the wire, but not waited for: IndexedDB
    // runs this store's readwrite transactions in the order they were created, so the removal on ack
    // can never overtake it, and the send does not pay the commit's latency. A follower tab waits for
    // the commit, because the leader reads the entry from storage.
    const written = store.enqueue(entry);
    this.#outbox.merge([entry]);
    void this.#activate();
    if (this.#isLeader()) this.#flush();
    await written;
    this.#unsaved.delete(id);
    // Every tab keeps a copy, the leader included in the others: whichever tab leads next sends it even if
    // this one is gone by then, with or without shared storage.
    if (!this.#outbox.isDone(id)) this.#group?.post({ kind: 'flush', entry, saved: store.kind === 'indexeddb' });
    return entry.id;
  }

  /**
   * The page is going (or the client is destroyed): the entries whose IndexedDB write has not committed
   * are kept in Web Storage, synchronously, for the next page. The open tabs get them too, and without
   * IndexedDB every unacked entry this tab holds, since memory does not outlive the page: a tab still open
   * sends them. (Memory entries are not kept in Web Storage: a memory store promises nothing to the next
   * page, and a client created after this one must not find the last one's messages.)
   */
  #handOver(): void {
    if (this.#unsaved.size) keepUnsent(this.#options.siteId, this.#identityKey(), [...this.#unsaved.values()]);
    const held = new Map(this.#unsaved);
    if (this.#state.storage === 'memory') for (const e of this.#outbox.entries) held.set(e.id, e);
    for (const entry of held.values()) this.#group?.post({ kind: 'flush', entry, saved: false });
  }

  #watchPageHide(): void {
    const win = this.#env.window !== undefined ? this.#env.window : typeof window === 'undefined' ? null : window;
    if (this.#stopKeeping || !win) return;
    const keep = () => this.#handOver();
    win.addEventListener('pagehide', keep);
    this.#stopKeeping = () => win.removeEventListener('pagehide', keep);
  }

  /**
   * Puts back into the outbox what a previous page kept on its way out ({@link ChatClient.#handOver}),
   * then forgets the kept copy. Already there (the write did commit) or already delivered, it is not
   * doubled: entries are keyed by client id here, and the server stores a client id once.
   */
  async #requeueUnsent(store: ChatStore, outbox: readonly OutboxEntry[]): Promise<void> {
    const siteId = this.#options.siteId;
    const identity = this.#identityKey();
    // This page's own sends (kept by its own pagehide, e.g. before the back-forward cache) stay kept
    // until their write commits: they are not the previous page's to take.
    const kept = readUnsent(siteId, identity).filter((e) => !this.#unsaved.has(e.id));
    if (!kept.length || this.#destroyed) return;
    const known = new Set(outbox.map((e) => e.id));
    const fresh = kept.filter((e) => !known.has(e.id) && !this.#outbox.isDone(e.id));
    for (const entry of fresh) await store.enqueue(entry);
    this.#outbox.merge(fresh);
    // In memory they would not survive this page either: they stay kept until the server acks them.
    if (store.kind === 'memory') for (const e of kept) this.#keptUntilAck.add(e.id);
    else
      dropUnsent(
        siteId,
        identity,
        kept.map((e) => e.id),
      );
  }

  /** Sends what is queued, in order and paced (see {@link Outbox.flush}). Only the socket-holding tab does. */
  #flush(): void {
    const welcome = this.#lastWelcome;
    const connection = this.#connection;
    if (!this.#isLeader() || this.#adopting || !connection || !welcome || this.#state.connection.status !== 'open')
      return;
    this.#outbox.flush({ ...welcome.limits, replayBefore: welcome.serverTime }, (entry) => {
      const conversation = this.#state.conversation?.id;
      return connection.send({
        type: 'send',
        id: entry.id,
        body: entry.body,
        ...(conversation ? { conversation } : {}),
      });
    });
  }

  #saveCacheTimer: ReturnType<typeof setTimeout> | undefined;

  /** Keeps recent history on disk (debounced) so a reload renders before the socket is back. */
  #saveCache(): void {
    if (!this.#isLeader()) return;
    clearTimeout(this.#saveCacheTimer);
    this.#saveCacheTimer = setTimeout(() => {
      if (this.#destroyed) return;
      const { conversation, timeline } = this.#state;
      if (conversation)
        void this.#openStore().then((s) => s.writeCache({ conversation, messages: [...timeline.stored] }));
    }, 50);
  }

  // ---- context ----

  /** Follows single-page navigation (see {@link watchPage}); sends the new page, debounced. */
  #trackPage(): void {
    if (this.#options.trackPage === false || this.#unwatch.length) return;
    const win = this.#env.window !== undefined ? this.#env.window : typeof window === 'undefined' ? null : window;
    if (!win) return;
    this.#unwatch.push(
      watchPage(win, () => {
        this.#context.page = undefined;
        this.#scheduleContext();
      }),
    );
  }

  #scheduleContext(): void {
    clearTimeout(this.#contextTimer);
    this.#contextTimer = setTimeout(() => this.#sendContext(), CONTEXT_DEBOUNCE_MS);
  }

  #sendContext(): void {
    const consent = this.#options.consent;
    if (!consent) return; // no consent given: nothing to say, and nothing of the page leaves
    const page = this.#options.trackPage === false ? this.#context.page : (this.#context.page ?? currentPage());
    const allowed = consent?.context === true;
    this.#sendFrame({
      type: 'context',
      ...(consent ? { consent } : {}),
      ...(allowed && page ? { page } : {}),
      ...(allowed && this.#context.attributes ? { attributes: this.#context.attributes } : {}),
      ...(allowed && this.#context.cart !== undefined ? { cart: this.#context.cart } : {}),
    });
  }
}

/**
 * Creates a chat client for one site. Options are validated here: a wrong option throws a
 * {@link ParlorError} with code `invalid_options` naming it. Creating a client does nothing else — no
 * storage, no socket — until the visitor interacts, unless `connect: 'eager'`.
 *
 * @example
 * ```ts
 * const client = createChatClient({ siteId: 'my-shop', server: 'https://chat.example.com' });
 * const stop = client.subscribe(() => render(client.getSnapshot()));
 * await client.send('Hi!');
 * ```
 */
export function createChatClient(options: ChatClientOptions): ChatClient {
  return new ChatClient(options);
}

/**
 * The claims of a compact JWT, read, not verified (the server verifies); empty when the token is malformed. Typed
 * as the claims should be: a token whose claims are not is refused by the server, and until then a wrong `exp`
 * only fails the comparisons that schedule a refresh.
 */
function jwtClaims(token = ''): { sub?: string; exp: number; iat?: number } {
  try {
    const payload = token.split('.')[1] ?? '';
    // base64url to base64; atob needs no padding (it decodes the forgiving way).
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    return (JSON.parse(json) as ReturnType<typeof jwtClaims> | null) ?? ({} as ReturnType<typeof jwtClaims>);
  } catch {
    return {} as ReturnType<typeof jwtClaims>;
  }
}
