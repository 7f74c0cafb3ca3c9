import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  VISITORS_BATCH_MAX,
  agentClientFrameSchema,
  parseFrame,
  type AgentClientFrame,
  type LiveVisitor,
  type Message,
  type VisitorInfo,
} from '@parlor/core/protocol';
import type { WebSocket } from 'ws';
import { safeEqual } from './auth/index.js';
import type { AgentConfig } from './config.js';
import { ConnectionBase, type Peer } from './connection-base.js';
import { topics, type FanoutEvent } from './fanout.js';
import type { FramePeek } from './frame-peek.js';
import {
  agentStatuses,
  appendAndPublish,
  contextForAgents,
  pageSummary,
  payloadHash,
  readFrameOf,
  rebase,
  startConversation,
  summarize,
  toWireMessage,
  typingFrameOf,
  visitorSummary,
  type Hub,
  type LiveEntry,
} from './hub.js';
import { plainBody, plainLabel } from './plain-text.js';
import type { ConversationRecord } from './storage/storage.js';
import { TypingThrottle } from './typing-throttle.js';

type Frame<T extends AgentClientFrame['type']> = Extract<AgentClientFrame, { type: T }>;

/** Finds the agent whose token this is, comparing against every agent in constant time. */
export function agentByToken(agents: readonly AgentConfig[], token: string): AgentConfig | null {
  let found: AgentConfig | null = null;
  for (const agent of agents) if (safeEqual(agent.token, token) && !found) found = agent;
  return found;
}

/** The site ids an agent serves. */
export function agentSites(hub: Hub, agent: AgentConfig): string[] {
  return agent.sites.includes('*') ? [...hub.sites.keys()] : agent.sites.filter((s) => hub.sites.has(s));
}

/*
 * What an agent receives is bounded by construction, whatever visitors do or storage holds:
 * - list rows and live visitors are summaries of bounded size (`summarize`, `visitorSummary`, `pageSummary`);
 * - changed rows and live visitors are coalesced: each is sent at most once per window, in batches;
 * - a batch waits while the socket still holds more than BACKLOG_BYTES unsent, so a slow network delays
 *   the lists (which are state, not events: nothing is lost by waiting) instead of closing the socket;
 * - typing is relayed per conversation and role only on change, a few times a second at most (`TypingThrottle`).
 */
/** How long a changed conversation row waits for more changes before it is summarised and sent. */
const LIST_REFRESH_MS = 250;
/** Most conversation rows summarised and sent per window. */
const LIST_BATCH = 50;
/** How long a changed live visitor waits for more changes before it is sent. */
const VISITORS_MS = 500;
/** How soon the rest of a list longer than one batch follows (the initial live list, a burst). */
const BATCH_FOLLOW_MS = 100;
/** Pending live-visitor changes past which the list is rebuilt instead (it then holds live visitors only). */
const LIVE_DIRTY_MAX = 1000;
/** Unsent bytes on the socket above which coalesced lists wait for the network. */
const BACKLOG_BYTES = 256 * 1024;

/** Most bytes of messages in one `transcript` or `older` frame; the older rest is left to `history`. */
const PAGE_BYTES = 256 * 1024;

/**
 * The newest messages of a page (oldest first) that fit in {@link PAGE_BYTES} as JSON, at least one: a page of
 * long, escape-heavy messages (up to ~24 KB each) is cut, and the agent pages on with `history`.
 */
function newestWithin(messages: Message[]): Message[] {
  let bytes = 0;
  let from = messages.length;
  while (from > 0) {
    const size = Buffer.byteLength(JSON.stringify(messages[from - 1]));
    if (bytes + size > PAGE_BYTES && from < messages.length) break;
    bytes += size;
    from--;
  }
  return from === 0 ? messages : messages.slice(from);
}

/**
 * One agent console's WebSocket (`/v1/agent`): the conversation queue, transcripts, replies, typing,
 * read receipts, status, presence, live visitors and proactive messages — for the agent's sites only.
 */
export class AgentConnection extends ConnectionBase {
  #agent: AgentConfig | null = null;
  #sites = new Set<string>();
  #visitorsTimer: NodeJS.Timeout | undefined;
  /** Live visitors (by visitor id) to send again: added, changed or gone since the last batch. */
  readonly #liveDirty = new Set<string>();
  /** The next `visitors` frame starts the list afresh. */
  #liveReset = false;
  /** A `visitors` batch is being assembled (batches never overlap, so a newer state is never overtaken). */
  #liveBusy = false;
  /** Conversations whose list row is due for a refresh, sent together once per {@link LIST_REFRESH_MS}. */
  readonly #stale = new Set<string>();
  #staleTimer: NodeJS.Timeout | undefined;
  /** Typing relayed to this agent: changes only, a few a second at most per conversation. */
  readonly #typingOut = new TypingThrottle(
    () => this.hub.now(),
    (event) => this.send(typingFrameOf(event)),
  );
  readonly #helloTimer: NodeJS.Timeout;
  /**
   * Until the first `visitors` is out, presence changes wait: the first frames are `welcome`, `presence`,
   * `visitors`, in that order (§8.2), whatever the fan-out delivers meanwhile.
   */
  #greeted = false;
  /** The last `presence` frame sent (JSON): an unchanged one is not sent again. */
  #lastPresence = '';

  constructor(ws: WebSocket, hub: Hub, peer: Peer) {
    super(ws, hub, peer, 'agent');
    this.#helloTimer = setTimeout(() => {
      if (!this.#agent) this.fail('not_ready', 'no hello within the allowed time', CLOSE_CODES.helloTimeout);
    }, hub.config.helloTimeoutMs);
    this.#helloTimer.unref();
    hub.metrics.connections.agent++;
  }

  protected override closed(): void {
    clearTimeout(this.#helloTimer);
    clearTimeout(this.#visitorsTimer);
    clearTimeout(this.#staleTimer);
    this.#typingOut.clear();
    this.hub.metrics.connections.agent--;
    const agent = this.#agent;
    if (!agent) return;
    const entry = this.hub.presence.get(agent.id);
    if (entry && --entry.connections <= 0) {
      this.hub.presence.delete(agent.id);
      this.#publishPresence();
    }
  }

  protected override async handle(text: string, peek: FramePeek): Promise<void> {
    const parsed = parseFrame(agentClientFrameSchema, text, this.hub.config.limits.maxFrameBytes);
    if (!parsed.ok) {
      // A refused send or proactive names its id (read before parsing), so the console can mark it failed.
      const about = { ...this.idOf(peek), ...(parsed.frame ? { frame: parsed.frame } : {}) };
      return this.error(parsed.code, parsed.message, about);
    }
    const frame = parsed.frame;
    if (frame.type === 'hello') {
      if (this.#agent) return this.error('invalid_state', 'hello was already received', { frame: 'hello' });
      return this.#hello(frame);
    }
    const agent = this.#agent;
    if (!agent) return this.error('not_ready', 'the first frame must be hello', { frame: frame.type });
    switch (frame.type) {
      case 'list':
        return this.#list(frame);
      case 'open':
        return this.#open(frame.conversation);
      case 'leave':
        this.unsubscribe(topics.conversation(frame.conversation));
        this.#typingOut.forget(frame.conversation);
        return;
      case 'send':
        return this.#send(agent, frame);
      case 'history':
        return this.#history(frame);
      case 'typing':
        return this.#typing(agent, frame);
      case 'read':
        return this.#read(frame);
      case 'status':
        return this.#status(frame);
      case 'presence':
        {
          const entry = this.hub.presence.get(agent.id);
          if (entry) entry.status = frame.status;
        }
        this.#publishPresence();
        return;
      case 'proactive':
        return this.#proactive(agent, frame);
      case 'details':
        return this.#details(frame.visitor);
      case 'ping':
        this.send({ type: 'pong', ...(frame.t !== undefined ? { t: frame.t } : {}), serverTime: this.hub.now() });
        return;
    }
  }

  async #hello(frame: Frame<'hello'>): Promise<void> {
    if (frame.v !== PROTOCOL_VERSION)
      return this.fail(
        'unsupported_version',
        `this server speaks v${PROTOCOL_VERSION}`,
        CLOSE_CODES.unsupportedVersion,
      );
    const agent = agentByToken(this.hub.config.agents, frame.auth.token);
    if (!agent) return this.fail('unauthorized', 'unknown agent token', CLOSE_CODES.unauthorized);
    clearTimeout(this.#helloTimer);
    this.#agent = agent;
    this.#sites = new Set(agentSites(this.hub, agent));
    for (const site of this.#sites) this.subscribe(topics.agents(site));
    const entry = this.hub.presence.get(agent.id);
    this.hub.presence.set(agent.id, {
      agent,
      status: entry?.status ?? 'online',
      connections: (entry?.connections ?? 0) + 1,
    });
    this.send({
      type: 'welcome',
      v: PROTOCOL_VERSION,
      agent: { id: agent.id, name: agent.name },
      sites: [...this.#sites],
      limits: this.hub.config.limits,
      serverTime: this.hub.now(),
    });
    this.#sendPresence(true);
    this.#publishPresence();
    this.#markAllLive();
    await this.#sendVisitors();
    this.#greeted = true;
    this.#sendPresence(); // any change that came in meanwhile
  }

  /** Sends the presence of the agents sharing a site with this one, unless unchanged or before `visitors`. */
  #sendPresence(first = false): void {
    if (!first && !this.#greeted) return;
    const frame = {
      type: 'presence',
      agents: agentStatuses(this.hub)
        .filter(({ agent }) => agentSites(this.hub, agent).some((s) => this.#sites.has(s)))
        .map(({ agent, status }) => ({ id: agent.id, name: agent.name, status })),
    } as const;
    const json = JSON.stringify(frame);
    if (json === this.#lastPresence) return;
    this.#lastPresence = json;
    this.send(frame);
  }

  /** The conversation if it belongs to one of the agent's sites, else null. */
  async #accessible(id: string): Promise<ConversationRecord | null> {
    const conversation = await this.hub.storage.getConversation(id);
    return conversation && this.#sites.has(conversation.siteId) ? conversation : null;
  }

  async #list(frame: Frame<'list'>): Promise<void> {
    const siteIds = frame.site ? [frame.site].filter((s) => this.#sites.has(s)) : [...this.#sites];
    const rows = await this.hub.storage.listConversations({
      siteIds,
      limit: 200,
      ...(frame.status ? { status: frame.status } : {}),
    });
    const items = await Promise.all(rows.map((c) => summarize(this.hub, c)));
    this.send({ type: 'conversations', items });
  }

  async #open(id: string): Promise<void> {
    const conversation = await this.#accessible(id);
    if (!conversation) return this.error('forbidden', 'not a conversation of your sites', { frame: 'open' });
    this.subscribe(topics.conversation(id));
    const page = await this.hub.storage.messagesBefore(id, conversation.lastSeq + 1, this.hub.config.limits.pageSize);
    const messages = newestWithin(page.map((m) => toWireMessage(m, this.peer.base)));
    this.send({
      type: 'transcript',
      item: await summarize(this.hub, conversation),
      messages,
      more: (messages[0]?.seq ?? 1) > 1,
    });
  }

  async #history(frame: Frame<'history'>): Promise<void> {
    const conversation = await this.#accessible(frame.conversation);
    if (!conversation) return this.error('forbidden', 'not a conversation of your sites', { frame: 'history' });
    const page = await this.hub.storage.messagesBefore(conversation.id, frame.before, this.hub.config.limits.pageSize);
    const messages = newestWithin(page.map((m) => toWireMessage(m, this.peer.base)));
    this.send({
      type: 'older',
      conversation: conversation.id,
      messages,
      more: (messages[0]?.seq ?? 1) > 1,
    });
  }

  async #send(agent: AgentConfig, frame: Frame<'send'>): Promise<void> {
    const { id } = frame;
    const conversation = await this.#accessible(frame.conversation);
    if (!conversation) return this.error('forbidden', 'not a conversation of your sites', { id });
    const max = this.hub.config.limits.maxTextLength;
    const text = frame.body.kind === 'text' ? frame.body.text : frame.body.caption;
    if ((text?.length ?? 0) > max) return this.error('too_large', `text is over ${max} characters`, { id });
    let body = plainBody(frame.body);
    if (!body) return this.error('bad_frame', 'the message shows nothing (only white space)', { id });
    if (body.kind === 'attachment') {
      const upload = await this.hub.storage.getUpload(body.upload);
      if (!upload || upload.siteId !== conversation.siteId) return this.error('forbidden', 'unknown upload', { id });
      // As for visitors: name, type and size are what was really uploaded, never what the frame claims.
      const { caption } = body;
      body = { kind: 'attachment', upload: upload.id, name: upload.name, mime: upload.mime, size: upload.size };
      if (caption) body.caption = caption;
    }
    const receivedAt = this.hub.now();
    if (conversation.status === 'closed') {
      await this.hub.storage.setStatus(conversation.id, 'open', receivedAt);
      this.hub.fanout.publish(topics.conversation(conversation.id), {
        kind: 'conversation',
        conversation: conversation.id,
      });
    }
    const replies = frame.quickReplies?.map((r) => plainLabel(r, 80)).filter(Boolean);
    const quickReplies = replies?.length ? replies : null;
    const result = await appendAndPublish(
      this.hub,
      conversation.siteId,
      {
        conversationId: conversation.id,
        clientId: id,
        role: 'agent',
        authorId: agent.id,
        authorName: agent.name,
        body,
        quickReplies,
        proactive: false,
        createdAt: receivedAt,
        payloadHash: payloadHash(body, quickReplies),
      },
      this.id,
      receivedAt,
    );
    if (result.status === 'conflict')
      return this.error('conflict', 'this id was already used for a different message', { id });
    this.send({
      type: 'ack',
      id,
      conversation: conversation.id,
      seq: result.message.seq,
      at: result.message.createdAt,
      ...(result.status === 'duplicate' ? { duplicate: true } : {}),
    });
  }

  async #typing(agent: AgentConfig, frame: Frame<'typing'>): Promise<void> {
    const conversation = await this.#accessible(frame.conversation);
    if (!conversation) return this.error('forbidden', 'not a conversation of your sites', { frame: 'typing' });
    this.hub.fanout.publish(topics.conversation(conversation.id), {
      kind: 'typing',
      conversation: conversation.id,
      role: 'agent',
      name: agent.name,
      on: frame.on,
      origin: this.id,
    });
  }

  async #read(frame: Frame<'read'>): Promise<void> {
    const conversation = await this.#accessible(frame.conversation);
    if (!conversation) return this.error('forbidden', 'not a conversation of your sites', { frame: 'read' });
    const seq = Math.min(frame.seq, conversation.lastSeq);
    if (seq <= conversation.agentReadSeq) return;
    await this.hub.storage.markRead(conversation.id, 'agent', seq);
    this.hub.fanout.publish(topics.conversation(conversation.id), {
      kind: 'read',
      conversation: conversation.id,
      role: 'agent',
      seq,
      origin: this.id,
    });
    this.hub.fanout.publish(topics.agents(conversation.siteId), {
      kind: 'conversation',
      conversation: conversation.id,
    });
  }

  async #status(frame: Frame<'status'>): Promise<void> {
    const conversation = await this.#accessible(frame.conversation);
    if (!conversation) return this.error('forbidden', 'not a conversation of your sites', { frame: 'status' });
    await this.hub.storage.setStatus(conversation.id, frame.status, this.hub.now());
    this.hub.fanout.publish(topics.conversation(conversation.id), {
      kind: 'conversation',
      conversation: conversation.id,
    });
    this.hub.fanout.publish(topics.agents(conversation.siteId), {
      kind: 'conversation',
      conversation: conversation.id,
    });
  }

  async #proactive(agent: AgentConfig, frame: Frame<'proactive'>): Promise<void> {
    const { storage } = this.hub;
    const visitor = await storage.getVisitor(frame.visitor);
    if (!visitor || !this.#sites.has(visitor.siteId))
      return this.error('forbidden', 'not a visitor of your sites', { id: frame.id });
    const now = this.hub.now();
    let conversation = await storage.latestConversation(visitor.id);
    if (!conversation) {
      conversation = await startConversation(this.hub, visitor.siteId, visitor.id);
    } else if (conversation.status === 'closed') {
      await storage.setStatus(conversation.id, 'open', now);
      this.hub.fanout.publish(topics.conversation(conversation.id), {
        kind: 'conversation',
        conversation: conversation.id,
      });
    }
    const body = plainBody({ kind: 'text', text: frame.text });
    if (!body) return this.error('bad_frame', 'the message shows nothing (only white space)', { id: frame.id });
    const result = await appendAndPublish(
      this.hub,
      visitor.siteId,
      {
        conversationId: conversation.id,
        clientId: frame.id,
        role: 'agent',
        authorId: agent.id,
        authorName: agent.name,
        body,
        quickReplies: null,
        proactive: true,
        createdAt: now,
        payloadHash: payloadHash(body, null),
      },
      this.id,
      now,
    );
    if (result.status === 'conflict')
      return this.error('conflict', 'this id was already used for a different message', { id: frame.id });
    this.send({
      type: 'ack',
      id: frame.id,
      conversation: conversation.id,
      seq: result.message.seq,
      at: result.message.createdAt,
      ...(result.status === 'duplicate' ? { duplicate: true } : {}),
    });
  }

  #publishPresence(): void {
    const sites = this.#agent ? agentSites(this.hub, this.#agent) : [];
    for (const site of sites) {
      this.hub.fanout.publish(topics.site(site), { kind: 'presence', site });
      this.hub.fanout.publish(topics.agents(site), { kind: 'presence', site });
    }
  }

  /** `details`: one visitor's identity and full context, for a visitor of the agent's sites only. */
  async #details(visitorId: string): Promise<void> {
    const visitor = await this.hub.storage.getVisitor(visitorId);
    if (!visitor || !this.#sites.has(visitor.siteId))
      return this.error('forbidden', 'not a visitor of your sites', { frame: 'details' });
    const context = contextForAgents(await this.hub.storage.getContext(visitor.id));
    const info: VisitorInfo = { id: visitor.id, mode: visitor.mode };
    if (visitor.userId) info.userId = visitor.userId;
    if (visitor.name) info.name = visitor.name;
    if (visitor.email) info.email = visitor.email;
    this.send({ type: 'details', visitor: info, site: visitor.siteId, ...(context ? { context } : {}) });
  }

  /** Every live visitor of the agent's sites is due, and the next batch starts the list afresh. */
  #markAllLive(): void {
    for (const entry of this.hub.live.values()) if (this.#sites.has(entry.site)) this.#liveDirty.add(entry.visitorId);
    this.#liveReset = true;
  }

  #scheduleVisitors(delay: number): void {
    this.#visitorsTimer ??= setTimeout(() => {
      this.#visitorsTimer = undefined;
      void this.#sendVisitors();
    }, delay);
  }

  /**
   * Sends one batch of live-visitor changes: at most {@link VISITORS_BATCH_MAX} visitors, each a bounded summary
   * or a "gone". The rest follows in later batches, and nothing is sent while the socket is backed up.
   */
  async #sendVisitors(): Promise<void> {
    if (this.isClosed) return;
    if (this.#liveBusy || this.buffered > BACKLOG_BYTES) return this.#scheduleVisitors(BATCH_FOLLOW_MS);
    const reset = this.#liveReset;
    const batch: string[] = [];
    for (const id of this.#liveDirty) {
      if (batch.length >= VISITORS_BATCH_MAX) break;
      batch.push(id);
    }
    if (!batch.length && !reset) return;
    for (const id of batch) this.#liveDirty.delete(id);
    this.#liveReset = false;
    this.#liveBusy = true;
    try {
      // One pass over the live connections per batch: the earliest connection of each wanted visitor.
      const wanted = new Set(batch);
      const live = new Map<string, LiveEntry>();
      for (const entry of this.hub.live.values()) {
        if (!wanted.has(entry.visitorId) || !this.#sites.has(entry.site)) continue;
        const seen = live.get(entry.visitorId);
        if (!seen || entry.connectedAt < seen.connectedAt) live.set(entry.visitorId, entry);
      }
      const rows = await Promise.all(batch.map((id) => this.#liveVisitor(live.get(id))));
      const items = rows.filter((row): row is LiveVisitor => row !== null);
      const gone = batch.filter((id) => !items.some((row) => row.visitor.id === id));
      this.send({ type: 'visitors', ...(reset ? { reset: true } : {}), items, gone: reset ? [] : gone });
    } catch (error) {
      // Put the batch back: it goes out with the next one.
      for (const id of batch) this.#liveDirty.add(id);
      if (reset) this.#liveReset = true;
      this.log.warn('live list failed', { error: (error as Error).message });
    } finally {
      this.#liveBusy = false;
    }
    if (this.#liveDirty.size) this.#scheduleVisitors(BATCH_FOLLOW_MS);
  }

  /** A live visitor's summary, or null when they are no longer connected. */
  async #liveVisitor(entry: LiveEntry | undefined): Promise<LiveVisitor | null> {
    if (!entry) return null;
    const [visitor, context, conversation] = await Promise.all([
      this.hub.storage.getVisitor(entry.visitorId),
      this.hub.storage.getContext(entry.visitorId),
      this.hub.storage.latestConversation(entry.visitorId),
    ]);
    if (!visitor) return null;
    const item: LiveVisitor = {
      visitor: visitorSummary(visitor, visitor.id),
      site: entry.site,
      connectedAt: entry.connectedAt,
    };
    if (conversation) item.conversation = conversation.id;
    const page = pageSummary(context);
    if (page) item.page = page;
    return item;
  }

  #scheduleStale(delay: number): void {
    this.#staleTimer ??= setTimeout(() => this.#refreshStale(), delay);
  }

  /** Sends up to {@link LIST_BATCH} changed rows, each with its state at the end of the window. */
  #refreshStale(): void {
    this.#staleTimer = undefined;
    if (this.isClosed) return;
    if (this.buffered > BACKLOG_BYTES) return this.#scheduleStale(BATCH_FOLLOW_MS);
    const ids: string[] = [];
    for (const id of this.#stale) {
      if (ids.length >= LIST_BATCH) break;
      ids.push(id);
    }
    for (const id of ids) this.#stale.delete(id);
    for (const id of ids) {
      this.#accessible(id)
        .then(async (c) => {
          if (c) this.send({ type: 'conversation', item: await summarize(this.hub, c) });
        })
        .catch((error: unknown) => this.log.warn('list refresh failed', { error: (error as Error).message }));
    }
    if (this.#stale.size) this.#scheduleStale(BATCH_FOLLOW_MS);
  }

  protected override onEvent(event: FanoutEvent): void {
    switch (event.kind) {
      case 'message':
        if (event.origin === this.id) return;
        this.send({ type: 'message', message: rebase(event.message, this.peer.base) });
        if (event.message.author.role === 'visitor') this.hub.metrics.relayed(this.hub.now() - event.receivedAt);
        return;
      case 'typing':
        if (event.origin !== this.id) this.#typingOut.relay(event);
        return;
      case 'read':
        if (event.origin !== this.id) this.send(readFrameOf(event));
        return;
      case 'conversation':
        // A message and its reply, or a burst, change a row many times in a few milliseconds; the row costs
        // five queries, so each conversation is summarised once per window, with its state at the end of it.
        this.#stale.add(event.conversation);
        this.#scheduleStale(LIST_REFRESH_MS);
        return;
      case 'visitors':
        if (!this.#sites.has(event.site)) return;
        // Coalesced: a visitor who changes many times in a window is sent once, with their state at its end.
        if (event.visitor) this.#liveDirty.add(event.visitor);
        else this.#markAllLive();
        // Visitors who came and went faster than batches leave: past a bound, start afresh from who is here now,
        // so what is pending never outgrows the live list.
        if (this.#liveDirty.size > Math.max(LIVE_DIRTY_MAX, 2 * this.hub.live.size)) {
          this.#liveDirty.clear();
          this.#markAllLive();
        }
        this.#scheduleVisitors(VISITORS_MS);
        return;
      case 'presence':
        this.#sendPresence();
        return;
      case 'visitor-conversation':
        return;
    }
  }
}
