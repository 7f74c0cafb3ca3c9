import {
  PROTOCOL_VERSION,
  clientFrameSchema,
  parseFrame,
  type Body,
  type ClientFrame,
  type Consent,
  type HelloFrame,
  type Message,
  type Page,
  type Attributes,
} from '@parlor/core/protocol';
import type { WebSocket } from 'ws';
import { authenticate, mintToken } from './auth/index.js';
import { withinBusinessHours } from './business-hours.js';
import { signingSecret, type SiteConfig } from './config.js';
import { ConnectionBase, type Peer } from './connection-base.js';
import { topics, type FanoutEvent } from './fanout.js';
import {
  appendAndPublish,
  conversationState,
  payloadHash,
  rebase,
  readFrameOf,
  sitePresence,
  startConversation,
  toWireMessage,
  typingFrameOf,
  type Hub,
} from './hub.js';
import { newId } from './ids.js';
import { originAllowed } from './origin.js';
import { plainBody, plainLabel } from './plain-text.js';
import type { ConversationRecord, MessageRecord, VisitorRecord } from './storage/storage.js';
import { TokenBucket } from './token-bucket.js';
import { TYPING_REFRESH_MS } from './typing-throttle.js';

const VISITOR_TOKEN_TTL_S = 400 * 24 * 3600;
const SESSION_TOKEN_TTL_S = 3600;
/** How long a message refused for rate holds back later ones (see `#owed`). */
const OWED_MS = 10_000;

type Frame<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;

/** The verified identity a connection acts as, after `hello`. */
interface Session {
  site: SiteConfig;
  visitor: VisitorRecord;
  consent: Consent | null;
}

/** A page as stored: the title as a one-line label, the rest as sent (text, shown as text). */
function cleanPage(page: Page | undefined): Page | undefined {
  if (!page) return undefined;
  const title = page.title === undefined ? undefined : plainLabel(page.title, 300);
  return { url: page.url, ...(title ? { title } : {}), ...(page.referrer ? { referrer: page.referrer } : {}) };
}

/** Attributes as stored: string values as one-line labels (see `plainLabel`: linear, nothing removed). */
function cleanAttributes(attributes: Attributes | undefined): Attributes | undefined {
  if (!attributes) return undefined;
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes))
    out[key] = typeof value === 'string' ? plainLabel(value, 500) : value;
  return out;
}

/** The site as the auth module needs it. */
function authSite(site: SiteConfig) {
  return {
    id: site.id,
    secrets: site.secrets,
    allow: site.auth.allow,
    ...(site.auth.jwks ? { jwks: site.auth.jwks } : {}),
  };
}

/**
 * One visitor's WebSocket (`/v1/connect`): authenticates the `hello`, then serves sends, syncs,
 * typing, reads, context and identity changes for that visitor only. Every conversation id a frame
 * names is checked against the session's visitor: another visitor's conversation is `forbidden`, and
 * nothing of it is ever sent.
 */
export class VisitorConnection extends ConnectionBase {
  #session: Session | null = null;
  readonly #messages: TokenBucket;
  /**
   * The earliest message refused for rate on this connection and not stored since. Until it is, later
   * messages are refused too: frames handled in a bunch after a stall could otherwise see a refilled bucket
   * and be stored ahead of it. Expires, so a message the client dropped cannot block the connection.
   */
  #owed: { id: string; until: number } | null = null;
  readonly #helloTimer: NodeJS.Timeout;
  /** The last typing state this connection published (see `#typing`). */
  #typingSent: { conversation: string; on: boolean; at: number } | null = null;

  constructor(ws: WebSocket, hub: Hub, peer: Peer) {
    super(ws, hub, peer, 'visitor');
    const { messagesPerSecond, messageBurst } = hub.config.limits;
    this.#messages = new TokenBucket(messagesPerSecond, messageBurst, hub.now);
    this.#helloTimer = setTimeout(() => {
      if (!this.#session) this.fail('not_ready', 'no hello within the allowed time', 4008);
    }, hub.config.helloTimeoutMs);
    this.#helloTimer.unref();
    hub.metrics.connections.visitor++;
  }

  protected override closed(): void {
    clearTimeout(this.#helloTimer);
    this.hub.metrics.connections.visitor--;
    const live = this.hub.live.get(this.id);
    if (live) {
      this.hub.live.delete(this.id);
      this.hub.fanout.publish(topics.agents(live.site), { kind: 'visitors', site: live.site, visitor: live.visitorId });
    }
  }

  protected override async handle(text: string): Promise<void> {
    const parsed = parseFrame(clientFrameSchema, text, this.hub.config.limits.maxFrameBytes);
    if (!parsed.ok) {
      this.error(parsed.code, parsed.message, parsed.frame ? { frame: parsed.frame } : {});
      return;
    }
    const frame = parsed.frame;
    const session = this.#session;
    if (frame.type === 'hello') {
      if (session) this.error('invalid_state', 'hello was already received', { frame: 'hello' });
      else await this.#hello(frame);
      return;
    }
    if (!session) {
      this.error('not_ready', 'the first frame must be hello', { frame: frame.type });
      return;
    }
    switch (frame.type) {
      case 'send':
        return this.#send(session, frame);
      case 'sync':
        return this.#sync(session, frame.conversation, frame.epoch, frame.after);
      case 'history':
        return this.#history(session, frame);
      case 'typing':
        return this.#typing(session, frame);
      case 'read':
        return this.#read(session, frame);
      case 'context':
        return this.#context(session, frame);
      case 'identify':
        return this.#identify(session, frame);
      case 'logout':
        await this.#establish(session.site, await this.#newAnonymous(session.site), session.consent);
        return;
      case 'ping':
        this.send({ type: 'pong', ...(frame.t !== undefined ? { t: frame.t } : {}), serverTime: this.hub.now() });
        return;
    }
  }

  // ---- session ----

  async #hello(frame: HelloFrame): Promise<void> {
    if (frame.v !== PROTOCOL_VERSION)
      return this.fail('unsupported_version', `this server speaks v${PROTOCOL_VERSION}`, 4004);
    const site = this.hub.sites.get(frame.site);
    if (!site) return this.fail('not_found', 'unknown site', 4005);
    if (!originAllowed(this.peer.origin, site.allowedOrigins))
      return this.fail('forbidden_origin', 'this page is not allowed to use this site', 4003);
    const result = await authenticate(authSite(site), frame.auth, this.hub.now());
    if (!result.ok) return this.fail(result.code, result.message, result.code === 'token_expired' ? 4002 : 4001);
    const identity = result.identity;
    const visitor =
      identity.mode === 'anonymous'
        ? await this.#anonymous(site, identity.visitorId)
        : await this.#identified(site, identity, identity.carryVisitorId);
    clearTimeout(this.#helloTimer);
    const session = await this.#establish(site, visitor, frame.consent ?? null);
    if (frame.resume) await this.#sync(session, frame.resume.conversation, frame.resume.epoch, frame.resume.seq);
  }

  async #anonymous(site: SiteConfig, visitorId: string | null): Promise<VisitorRecord> {
    if (visitorId) {
      const known = await this.hub.storage.getVisitor(visitorId);
      // A token only brings back an anonymous visitor of this site: once merged into a user, it is spent.
      if (known && known.siteId === site.id && known.mode === 'anonymous')
        return this.hub.storage.updateVisitor(known.id, { lastSeenAt: this.hub.now() });
    }
    return this.#newAnonymous(site);
  }

  #newAnonymous(site: SiteConfig): Promise<VisitorRecord> {
    const now = this.hub.now();
    return this.hub.storage.createVisitor({
      id: newId('v'),
      siteId: site.id,
      mode: 'anonymous',
      userId: null,
      name: null,
      email: null,
      createdAt: now,
      lastSeenAt: now,
    });
  }

  async #identified(
    site: SiteConfig,
    identity: { mode: 'identified' | 'jwt'; userId: string; name?: string; email?: string },
    carryVisitorId: string | null,
  ): Promise<VisitorRecord> {
    const { storage } = this.hub;
    const now = this.hub.now();
    let visitor = await storage.findVisitorByUser(site.id, identity.userId);
    if (!visitor) {
      visitor = await storage.createVisitor({
        id: newId('v'),
        siteId: site.id,
        mode: identity.mode,
        userId: identity.userId,
        name: identity.name === undefined ? null : plainLabel(identity.name, 200) || null,
        email: identity.email === undefined ? null : plainLabel(identity.email, 320) || null,
        createdAt: now,
        lastSeenAt: now,
      });
    } else {
      visitor = await storage.updateVisitor(visitor.id, {
        lastSeenAt: now,
        ...(identity.name !== undefined ? { name: plainLabel(identity.name, 200) || null } : {}),
        ...(identity.email !== undefined ? { email: plainLabel(identity.email, 320) || null } : {}),
      });
    }
    if (carryVisitorId && carryVisitorId !== visitor.id) {
      const anon = await storage.getVisitor(carryVisitorId);
      if (anon && anon.siteId === site.id && anon.mode === 'anonymous') {
        const moved = await storage.mergeVisitor(anon.id, visitor.id);
        for (const id of moved)
          this.hub.fanout.publish(topics.agents(site.id), { kind: 'conversation', conversation: id });
      }
    }
    return visitor;
  }

  /** Binds the connection to `visitor`: subscriptions rebuilt from scratch, then a fresh `welcome`. */
  async #establish(site: SiteConfig, visitor: VisitorRecord, consent: Consent | null): Promise<Session> {
    this.unsubscribeAll();
    const session: Session = { site, visitor, consent };
    this.#session = session;
    const conversation = await this.hub.storage.latestConversation(visitor.id);
    this.subscribe(topics.visitor(visitor.id));
    this.subscribe(topics.site(site.id));
    if (conversation) this.subscribe(topics.conversation(conversation.id));
    const before = this.hub.live.get(this.id);
    this.hub.live.set(this.id, {
      visitorId: visitor.id,
      site: site.id,
      connectedAt: before?.connectedAt ?? this.hub.now(),
    });
    if (before && before.visitorId !== visitor.id)
      this.hub.fanout.publish(topics.agents(before.site), {
        kind: 'visitors',
        site: before.site,
        visitor: before.visitorId,
      });
    this.hub.fanout.publish(topics.agents(site.id), { kind: 'visitors', site: site.id, visitor: visitor.id });
    const now = this.hub.now();
    const secret = signingSecret(site);
    const mint = (kind: 'visitor' | 'session', ttlSeconds: number) =>
      mintToken(secret, { kind, siteId: site.id, visitorId: visitor.id, now, ttlSeconds });
    const away = !withinBusinessHours(site, now);
    this.send({
      type: 'welcome',
      v: PROTOCOL_VERSION,
      visitor: {
        id: visitor.id,
        mode: visitor.mode,
        ...(visitor.mode === 'anonymous' ? { token: mint('visitor', VISITOR_TOKEN_TTL_S) } : {}),
        ...(visitor.userId ? { userId: visitor.userId } : {}),
        ...(visitor.name ? { name: visitor.name } : {}),
        ...(visitor.email ? { email: visitor.email } : {}),
      },
      session: { token: mint('session', SESSION_TOKEN_TTL_S), expiresAt: now + SESSION_TOKEN_TTL_S * 1000 },
      conversation: conversation ? conversationState(conversation) : null,
      limits: this.hub.config.limits,
      serverTime: now,
      site: {
        name: site.name,
        ...(site.greeting ? { greeting: site.greeting } : {}),
        away,
        ...(away && site.awayMessage ? { awayMessage: site.awayMessage } : {}),
        ...(site.replyMinutes ? { replyMinutes: site.replyMinutes } : {}),
        presence: sitePresence(this.hub, site.id),
      },
    });
    return session;
  }

  async #identify(session: Session, frame: Frame<'identify'>): Promise<void> {
    const { site, visitor } = session;
    const result = await authenticate(authSite(site), frame.auth, this.hub.now());
    if (!result.ok) return this.fail(result.code, result.message, result.code === 'token_expired' ? 4002 : 4001);
    if (result.identity.mode === 'anonymous') return this.error('bad_frame', 'identify needs identified or jwt auth');
    const carry = visitor.mode === 'anonymous' ? visitor.id : result.identity.carryVisitorId;
    const next = await this.#identified(site, result.identity, carry);
    await this.#establish(site, next, session.consent);
  }

  /** The conversation if it is this visitor's, else null. */
  async #owned(session: Session, id: string): Promise<ConversationRecord | null> {
    const conversation = await this.hub.storage.getConversation(id);
    return conversation && conversation.visitorId === session.visitor.id ? conversation : null;
  }

  // ---- messages ----

  async #send(session: Session, frame: Frame<'send'>): Promise<void> {
    const { storage, config } = this.hub;
    const receivedAt = this.hub.now();
    const { id } = frame;
    const tooLong = (s: string | undefined) => (s?.length ?? 0) > config.limits.maxTextLength;
    if (
      (frame.body.kind === 'text' && tooLong(frame.body.text)) ||
      (frame.body.kind === 'attachment' && tooLong(frame.body.caption))
    )
      return this.error('too_large', `text is over ${config.limits.maxTextLength} characters`, { id });
    const order = id.toLowerCase(); // UUIDv7: sorts in the order the client minted them
    const owed = this.#owed && this.#owed.until > receivedAt ? this.#owed : null;
    if (owed && order > owed.id)
      return this.error('rate_limited', 'an earlier message was refused and goes first', {
        id,
        retryAfterMs: Math.ceil(1000 / config.limits.messagesPerSecond),
      });
    const wait = this.#messages.take() || this.hub.ipMessages.take(this.peer.ip);
    if (wait > 0) {
      if (!owed || order < owed.id) this.#owed = { id: order, until: receivedAt + OWED_MS };
      return this.error('rate_limited', 'too many messages', { id, retryAfterMs: wait });
    }
    if (owed?.id === order || !owed) this.#owed = null;

    let body: Body | null = plainBody(frame.body);
    if (!body) return this.error('bad_frame', 'the message shows nothing (only white space)', { id });
    if (frame.body.kind === 'attachment') {
      const upload = await storage.getUpload(frame.body.upload);
      if (!upload || upload.visitorId !== session.visitor.id || upload.siteId !== session.site.id)
        return this.error('forbidden', 'that upload is not yours', { id });
      // Name, type and size come from what was really uploaded, never from the frame.
      const caption = body.kind === 'attachment' ? body.caption : undefined;
      body = { kind: 'attachment', upload: upload.id, name: upload.name, mime: upload.mime, size: upload.size };
      if (caption) body.caption = caption;
    }

    let conversation: ConversationRecord | null;
    if (frame.conversation) {
      conversation = await this.#owned(session, frame.conversation);
      if (!conversation) return this.error('forbidden', 'not a conversation of yours', { id });
    } else {
      // No conversation named: the visitor's latest one. A retried first message therefore lands in the
      // conversation its first attempt created, and dedupe finds it there.
      conversation = await storage.latestConversation(session.visitor.id);
      if (!conversation) conversation = await this.#newConversation(session);
    }
    if (conversation.status === 'closed') {
      conversation = await storage.setStatus(conversation.id, 'open', receivedAt);
      this.hub.fanout.publish(topics.conversation(conversation.id), {
        kind: 'conversation',
        conversation: conversation.id,
      });
    }

    const firstFromVisitor = conversation.lastVisitorSeq === 0;
    const result = await appendAndPublish(
      this.hub,
      session.site.id,
      {
        conversationId: conversation.id,
        clientId: id,
        role: 'visitor',
        authorId: session.visitor.id,
        authorName: session.visitor.name,
        body,
        quickReplies: null,
        proactive: false,
        createdAt: receivedAt,
        payloadHash: payloadHash(body, null),
      },
      this.id,
      receivedAt,
    );
    if (result.status === 'conflict')
      return this.error('conflict', 'this id was already used for a different message', { id });
    const stored = result.message;
    this.send({
      type: 'ack',
      id,
      conversation: stored.conversationId,
      seq: stored.seq,
      at: stored.createdAt,
      ...(result.status === 'duplicate' ? { duplicate: true } : {}),
    });
    if (result.status === 'stored') await this.#respond(session, conversation, stored.seq, firstFromVisitor);
  }

  async #newConversation(session: Session): Promise<ConversationRecord> {
    const conversation = await startConversation(this.hub, session.site.id, session.visitor.id);
    this.subscribe(topics.conversation(conversation.id));
    return conversation;
  }

  /** Runs the bot hook after a stored visitor message; its replies are ordinary `bot` messages. */
  async #respond(session: Session, conversation: ConversationRecord, seq: number, first: boolean): Promise<void> {
    const { responder } = this.hub;
    const now = this.hub.now();
    let replies;
    try {
      replies = await responder.respond({ site: session.site, conversation, seq, first, now });
    } catch (error) {
      this.log.warn('responder failed', { error: error instanceof Error ? error.message : String(error) });
      return;
    }
    for (const reply of replies) {
      const body: Body = { kind: 'text', text: reply.text };
      const quickReplies = reply.quickReplies ?? null;
      await appendAndPublish(
        this.hub,
        session.site.id,
        {
          conversationId: conversation.id,
          clientId: reply.id,
          role: 'bot',
          authorId: 'bot',
          authorName: responder.name,
          body,
          quickReplies,
          proactive: false,
          createdAt: this.hub.now(),
          payloadHash: payloadHash(body, quickReplies),
        },
        'bot',
        now,
      );
    }
  }

  async #sync(session: Session, conversationId: string, epoch: number, after: number): Promise<void> {
    const { storage, config } = this.hub;
    const pageSize = config.limits.pageSize;
    const requested = await this.#owned(session, conversationId);
    const target = requested ?? (await storage.latestConversation(session.visitor.id));
    if (!target) {
      this.send({ type: 'synced', conversation: null, epoch: 1, messages: [], more: false, recovered: false });
      return;
    }
    this.subscribe(topics.conversation(target.id));
    if (target !== requested || target.epoch !== epoch) {
      const page = await storage.messagesBefore(target.id, target.lastSeq + 1, pageSize);
      this.send({
        type: 'synced',
        conversation: conversationState(target),
        epoch: target.epoch,
        messages: page.map((m) => this.#wire(m)),
        more: (page[0]?.seq ?? 1) > 1,
        recovered: false,
      });
      return;
    }
    const page = await storage.messagesAfter(target.id, after, pageSize + 1);
    const more = page.length > pageSize;
    this.send({
      type: 'synced',
      conversation: conversationState(target),
      epoch: target.epoch,
      messages: page.slice(0, pageSize).map((m) => this.#wire(m)),
      more,
      recovered: true,
    });
  }

  #wire(record: MessageRecord): Message {
    return toWireMessage(record, this.peer.base);
  }

  async #history(session: Session, frame: Frame<'history'>): Promise<void> {
    const conversation = await this.#owned(session, frame.conversation);
    if (!conversation) return this.error('forbidden', 'not a conversation of yours', { frame: 'history' });
    const limit = Math.min(frame.limit ?? this.hub.config.limits.pageSize, this.hub.config.limits.pageSize);
    const page = await this.hub.storage.messagesBefore(conversation.id, frame.before, limit);
    this.send({
      type: 'older',
      conversation: conversation.id,
      messages: page.map((m) => this.#wire(m)),
      more: (page[0]?.seq ?? 1) > 1,
    });
  }

  async #typing(session: Session, frame: Frame<'typing'>): Promise<void> {
    // Only changes go out, and a repeated `on` no more often than a receiver needs to keep its indicator:
    // a client that sends hundreds of typing frames a second publishes a few. Checked before the lookup, so a
    // flood costs no storage work either; a frame dropped here reveals nothing.
    const now = this.hub.now();
    const last = this.#typingSent;
    if (
      last?.conversation === frame.conversation &&
      last.on === frame.on &&
      (!frame.on || now - last.at < TYPING_REFRESH_MS)
    )
      return;
    const conversation = await this.#owned(session, frame.conversation);
    if (!conversation) return this.error('forbidden', 'not a conversation of yours', { frame: 'typing' });
    this.#typingSent = { conversation: frame.conversation, on: frame.on, at: now };
    this.hub.fanout.publish(topics.conversation(conversation.id), {
      kind: 'typing',
      conversation: conversation.id,
      role: 'visitor',
      on: frame.on,
      origin: this.id,
    });
  }

  async #read(session: Session, frame: Frame<'read'>): Promise<void> {
    const conversation = await this.#owned(session, frame.conversation);
    if (!conversation) return this.error('forbidden', 'not a conversation of yours', { frame: 'read' });
    const seq = Math.min(frame.seq, conversation.lastSeq);
    if (seq <= conversation.visitorReadSeq) return;
    await this.hub.storage.markRead(conversation.id, 'visitor', seq);
    this.hub.fanout.publish(topics.conversation(conversation.id), {
      kind: 'read',
      conversation: conversation.id,
      role: 'visitor',
      seq,
      origin: this.id,
    });
    this.hub.fanout.publish(topics.agents(session.site.id), { kind: 'conversation', conversation: conversation.id });
  }

  async #context(session: Session, frame: Frame<'context'>): Promise<void> {
    const { storage } = this.hub;
    if (frame.consent) session.consent = frame.consent;
    const consent = session.consent;
    const previous = await storage.getContext(session.visitor.id);
    // Without context consent nothing of page, attributes or cart is kept — and what was kept is dropped.
    const allowed = consent?.context === true;
    const next = {
      visitorId: session.visitor.id,
      page: allowed ? (cleanPage(frame.page) ?? previous?.page ?? null) : null,
      attributes: allowed ? (cleanAttributes(frame.attributes) ?? previous?.attributes ?? null) : null,
      cart: allowed ? (frame.cart !== undefined ? frame.cart : (previous?.cart ?? null)) : null,
      consent,
    };
    await storage.saveContext({ ...next, updatedAt: this.hub.now() });
    // Agents hear of a change only: a client repeating the same context many times a second costs them nothing.
    const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    if (
      previous &&
      same(previous.page, next.page) &&
      same(previous.attributes, next.attributes) &&
      same(previous.cart, next.cart) &&
      same(previous.consent, next.consent)
    )
      return;
    this.hub.fanout.publish(topics.agents(session.site.id), {
      kind: 'visitors',
      site: session.site.id,
      visitor: session.visitor.id,
    });
    const latest = await storage.latestConversation(session.visitor.id);
    if (latest)
      this.hub.fanout.publish(topics.agents(session.site.id), { kind: 'conversation', conversation: latest.id });
  }

  // ---- events from other connections ----

  protected override onEvent(event: FanoutEvent): void {
    const session = this.#session;
    if (!session) return;
    switch (event.kind) {
      case 'message':
        if (event.origin === this.id) return; // the sender got its ack
        this.send({ type: 'message', message: rebase(event.message, this.peer.base) });
        if (event.message.author.role !== 'visitor') this.hub.metrics.relayed(this.hub.now() - event.receivedAt);
        return;
      case 'typing':
        if (event.role !== 'visitor') this.send(typingFrameOf(event));
        return;
      case 'read':
        if (event.origin !== this.id) this.send(readFrameOf(event));
        return;
      case 'conversation':
        this.hub.storage
          .getConversation(event.conversation)
          .then((c) => {
            if (c && c.visitorId === session.visitor.id)
              this.send({ type: 'conversation', conversation: conversationState(c) });
          })
          .catch((error: unknown) => this.log.warn('state refresh failed', { error: (error as Error).message }));
        return;
      case 'visitor-conversation':
        if (event.visitor !== session.visitor.id) return;
        // Another tab (or an agent's proactive message) started a conversation: follow it, and say so.
        this.subscribe(topics.conversation(event.conversation));
        this.hub.storage
          .getConversation(event.conversation)
          .then((c) => {
            if (c && c.visitorId === session.visitor.id)
              this.send({ type: 'conversation', conversation: conversationState(c) });
          })
          .catch((error: unknown) => this.log.warn('state refresh failed', { error: (error as Error).message }));
        return;
      case 'presence':
        this.send({ type: 'presence', presence: sitePresence(this.hub, session.site.id) });
        return;
      case 'visitors':
        return;
    }
  }
}
