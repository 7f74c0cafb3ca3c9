import {
  CLOSE_CODES,
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
import { JWT_CLOCK_TOLERANCE_SECONDS, authenticate, mintToken, type UserIdentity } from './auth/index.js';
import { withinBusinessHours } from './business-hours.js';
import { signingSecret, type SiteConfig } from './config.js';
import { ConnectionBase, type Peer } from './connection-base.js';
import { topics, type FanoutEvent } from './fanout.js';
import { uuidv7Time, type FramePeek } from './frame-peek.js';
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
import { plainBody, plainLabel } from './plain-text.js';
import type { ConversationRecord, MessageRecord, VisitorRecord } from './storage/storage.js';
import { TokenBucket } from './token-bucket.js';
import { TYPING_REFRESH_MS } from './typing-throttle.js';

const VISITOR_TOKEN_TTL_S = 400 * 24 * 3600;
const SESSION_TOKEN_TTL_S = 3600;
/** Longest delay a timer can hold (about 24.8 days); a JWT lives at most 24 h, so this is only a guard. */
const MAX_TIMER_MS = 2 ** 31 - 1;
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
    ...(site.userHashSecrets ? { userHashSecrets: site.userHashSecrets } : {}),
    ...(site.jwtSecrets ? { jwtSecrets: site.jwtSecrets } : {}),
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
  /** Replays on this connection (§6.2): `replayPerSecond`, a bucket of one second's worth. */
  readonly #replays: TokenBucket | null;
  /**
   * The `serverTime` of the last `welcome`: a send whose id was minted before it is a replay (§6.2). The
   * client sees the same number, so both sides draw the line in the same place whatever the clocks say.
   */
  #replayBefore = Number.NEGATIVE_INFINITY;
  /**
   * The first message refused for rate on this connection (in arrival order) and not stored since. Until
   * it is, every other message is refused too: frames handled in a bunch after a stall could otherwise see
   * a refilled bucket and be stored ahead of it. Expires, so a message the client dropped cannot block the
   * connection.
   */
  #owed: { id: string; until: number } | null = null;
  readonly #helloTimer: NodeJS.Timeout;
  /** Closes the connection with `token_expired` when its JWT expires, unless `identify` brought a new one. */
  #expiry: NodeJS.Timeout | null = null;
  /** The last typing state this connection published (see `#typing`). */
  #typingSent: { conversation: string; on: boolean; at: number } | null = null;

  constructor(ws: WebSocket, hub: Hub, peer: Peer) {
    super(ws, hub, peer, 'visitor');
    const { messagesPerSecond, messageBurst } = hub.config.limits;
    this.#messages = new TokenBucket(messagesPerSecond, messageBurst, hub.now);
    const { replayPerSecond, replayBudget } = hub.config.limits;
    this.#replays =
      replayPerSecond && replayBudget ? new TokenBucket(replayPerSecond, Math.max(1, replayPerSecond), hub.now) : null;
    this.#helloTimer = setTimeout(() => {
      if (!this.#session) this.fail('not_ready', 'no hello within the allowed time', CLOSE_CODES.helloTimeout);
    }, hub.config.helloTimeoutMs);
    this.#helloTimer.unref();
    hub.metrics.connections.visitor++;
  }

  protected override closed(): void {
    clearTimeout(this.#helloTimer);
    this.#armExpiry(undefined);
    this.hub.metrics.connections.visitor--;
    const live = this.hub.live.get(this.id);
    if (live) {
      this.hub.live.delete(this.id);
      this.hub.fanout.publish(topics.agents(live.site), { kind: 'visitors', site: live.site, visitor: live.visitorId });
    }
  }

  /**
   * Once the session is up, a `send` whose id the peek found is metered by the message limits alone, never
   * by the frame limit. Before it, a `send` is an ordinary frame (and answered `not_ready` once parsed).
   */
  protected override metersItself(peek: FramePeek): boolean {
    return this.#session !== null && peek.type === 'send' && peek.id !== undefined;
  }

  protected override async handle(text: string, peek: FramePeek): Promise<void> {
    // A send refused before it is parsed still names its id, so the client can mark or resend it.
    const sendId = peek.type === 'send' && peek.id ? peek.id : undefined;
    const about = sendId ? { id: sendId } : {};
    let admitted = false;
    if (sendId && this.#session) {
      // Rate first, on the peeked id: a refused send costs no parse, whatever its size.
      if (!(await this.#admit(this.#session, sendId))) return;
      admitted = true;
    }
    const parsed = parseFrame(clientFrameSchema, text, this.hub.config.limits.maxFrameBytes);
    if (!parsed.ok) {
      this.error(parsed.code, parsed.message, { ...about, ...(parsed.frame ? { frame: parsed.frame } : {}) });
      return;
    }
    const frame = parsed.frame;
    if (admitted && (frame.type !== 'send' || frame.id !== sendId)) {
      // Duplicate keys: what was metered must be what is handled.
      this.error('bad_frame', 'duplicate type or id keys', { ...about, frame: frame.type });
      return;
    }
    const session = this.#session;
    if (frame.type === 'hello') {
      if (session) this.error('invalid_state', 'hello was already received', { frame: 'hello' });
      else await this.#hello(frame);
      return;
    }
    if (!session) {
      const id = frame.type === 'send' ? { id: frame.id } : {};
      this.error('not_ready', 'the first frame must be hello', { frame: frame.type, ...id });
      return;
    }
    switch (frame.type) {
      case 'send':
        if (!admitted && !(await this.#admit(session, frame.id))) return;
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
        return this.#logout(session);
      case 'ping':
        this.send({ type: 'pong', ...(frame.t !== undefined ? { t: frame.t } : {}), serverTime: this.hub.now() });
        return;
    }
  }

  // ---- session ----

  async #hello(frame: HelloFrame): Promise<void> {
    if (frame.v !== PROTOCOL_VERSION)
      return this.fail(
        'unsupported_version',
        `this server speaks v${PROTOCOL_VERSION}`,
        CLOSE_CODES.unsupportedVersion,
      );
    const site = this.hub.sites.get(frame.site);
    if (!site) return this.fail('not_found', 'unknown site', CLOSE_CODES.unknownSite);
    if (!this.hub.origins.allowed(this.peer.origin, site, 'hello'))
      return this.fail('forbidden_origin', 'this page is not allowed to use this site', CLOSE_CODES.forbiddenOrigin);
    const result = await authenticate(authSite(site), frame.auth, this.hub.now());
    if (!result.ok)
      return this.fail(
        result.code,
        result.message,
        result.code === 'token_expired' ? CLOSE_CODES.tokenExpired : CLOSE_CODES.unauthorized,
      );
    const identity = result.identity;
    const visitor =
      identity.mode === 'anonymous'
        ? await this.#anonymous(site, identity.visitorId)
        : await this.#identified(site, identity, identity.carryVisitorId);
    clearTimeout(this.#helloTimer);
    this.#armExpiry(identity.mode === 'anonymous' ? undefined : identity.expiresAt);
    const session = await this.#establish(site, visitor, frame.consent ?? null);
    // No context consent in hello (withdrawn, or not given: absent is no consent, §6.1): what was kept is
    // dropped now, not at the next context frame.
    if (frame.consent?.context !== true) await this.#dropContext(session);
    if (frame.resume) await this.#sync(session, frame.resume.conversation, frame.resume.epoch, frame.resume.seq);
  }

  /**
   * Arms (or, with `undefined`, disarms) the close at a JWT's expiry. The same clock tolerance as the check at
   * hello applies, so a token accepted there is not closed the moment after.
   */
  #armExpiry(expiresAt: number | undefined): void {
    if (this.#expiry) clearTimeout(this.#expiry);
    this.#expiry = null;
    if (expiresAt === undefined) return;
    const delay = expiresAt + JWT_CLOCK_TOLERANCE_SECONDS * 1000 - this.hub.now();
    this.#expiry = setTimeout(
      () =>
        this.fail('token_expired', 'the JWT expired: identify with a fresh one or reconnect', CLOSE_CODES.tokenExpired),
      Math.min(Math.max(delay, 0), MAX_TIMER_MS),
    );
    this.#expiry.unref();
  }

  /**
   * `logout`: a fresh anonymous visitor where the site accepts them; elsewhere the connection ends (close
   * 1000, reason `logout`), since an anonymous visitor is exactly what the site refuses.
   */
  async #logout(session: Session): Promise<void> {
    this.#armExpiry(undefined);
    if (!session.site.auth.allow.includes('anonymous')) {
      return this.#end('logout');
    }
    await this.#establish(session.site, await this.#newAnonymous(session.site), session.consent);
  }

  /** Ends the session and closes normally (1000, `reason`): nothing of this identity reaches the socket again. */
  #end(reason: 'logout' | 'identity_changed'): void {
    this.#session = null;
    this.unsubscribeAll();
    this.close(CLOSE_CODES.normal, reason);
  }

  /** Keeps nothing of the visitor's page, attributes or cart, and tells agents at once. */
  async #dropContext(session: Session): Promise<void> {
    const { storage } = this.hub;
    const previous = await storage.getContext(session.visitor.id);
    if (!previous) return;
    await storage.saveContext({
      visitorId: session.visitor.id,
      page: null,
      attributes: null,
      cart: null,
      consent: session.consent,
      updatedAt: this.hub.now(),
    });
    await this.#contextChanged(session);
  }

  /** Tells the site's agents that the visitor's stored context changed: their live entry and latest row. */
  async #contextChanged(session: Session): Promise<void> {
    const agents = topics.agents(session.site.id);
    this.hub.fanout.publish(agents, { kind: 'visitors', site: session.site.id, visitor: session.visitor.id });
    const latest = await this.hub.storage.latestConversation(session.visitor.id);
    if (latest) this.hub.fanout.publish(agents, { kind: 'conversation', conversation: latest.id });
  }

  async #anonymous(site: SiteConfig, visitorId: string | null): Promise<VisitorRecord> {
    if (visitorId) {
      const known = await this.hub.storage.getVisitor(visitorId);
      // A token only brings back an anonymous visitor of this site: once merged into a user, it is spent.
      if (known && known.siteId === site.id && known.mode === 'anonymous' && known.mergedAt === null)
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

  async #identified(site: SiteConfig, identity: UserIdentity, carryVisitorId: string | null): Promise<VisitorRecord> {
    const { storage } = this.hub;
    const now = this.hub.now();
    let visitor = await storage.findVisitorByUser(site.id, identity.userId);
    // A user hash proves the user id only: name and email sent with it are the page's word. They never
    // overwrite what a signed JWT said (agents see a `jwt` visitor's name and email as verified, §8.2).
    if (visitor?.mode === 'jwt' && identity.mode === 'identified') {
      const { name: _name, email: _email, ...proven } = identity;
      identity = proven;
    }
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
      if (anon && anon.siteId === site.id && anon.mode === 'anonymous' && anon.mergedAt === null) {
        // Marked merged in the same transaction, so its tokens are spent; and every other socket of it (any
        // process) closes: none may keep following conversations that are now the user's.
        const moved = await storage.mergeVisitor(anon.id, visitor.id, now);
        this.hub.fanout.publish(topics.visitor(anon.id), { kind: 'visitor-merged', visitor: anon.id, origin: this.id });
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
    this.#replayBefore = now; // = welcome.serverTime
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
    if (!result.ok)
      return this.fail(
        result.code,
        result.message,
        result.code === 'token_expired' ? CLOSE_CODES.tokenExpired : CLOSE_CODES.unauthorized,
      );
    if (result.identity.mode === 'anonymous') return this.error('bad_frame', 'identify needs identified or jwt auth');
    const carry = visitor.mode === 'anonymous' ? visitor.id : result.identity.carryVisitorId;
    const next = await this.#identified(site, result.identity, carry);
    // A new credential: a fresh JWT re-arms the expiry (this is how a live socket refreshes), a user hash disarms it.
    this.#armExpiry(result.identity.expiresAt);
    await this.#establish(site, next, session.consent);
  }

  /** The conversation if it is this visitor's, else null. */
  async #owned(session: Session, id: string): Promise<ConversationRecord | null> {
    const conversation = await this.hub.storage.getConversation(id);
    return conversation && conversation.visitorId === session.visitor.id ? conversation : null;
  }

  // ---- messages ----

  /**
   * The message limits (§6.2, §12), checked before a send is parsed: returns true and spends the tokens
   * when `id` may be stored now; otherwise answers `rate_limited` with `id` and returns false.
   *
   * - Order: once a message is refused, every other one is refused until that first one comes back and is
   *   admitted (arrival order, not id order: ids minted in one millisecond may carry random low bits).
   * - Replay: an id minted before this session's `welcome` is a message the visitor wrote while
   *   disconnected. While the visitor's and the IP's replay budgets last it goes at `replayPerSecond`;
   *   the budgets refill at `messagesPerSecond`, so over time replays add no more than the sustained rate.
   * - Live: every other message, and a replay the replay lane cannot take now, at `messagesPerSecond` with
   *   `messageBurst`, per connection and per IP.
   */
  async #admit(session: Session, id: string): Promise<boolean> {
    const { limits } = this.hub.config;
    const now = this.hub.now();
    const key = id.toLowerCase(); // ids are case-insensitive (§3.1)
    const owed = this.#owed && this.#owed.until > now ? this.#owed : null;
    const refuse = (message: string, retryAfterMs: number) => {
      if (!owed || owed.id === key) this.#owed = { id: key, until: now + OWED_MS };
      if (!this.strike()) this.error('rate_limited', message, { id, retryAfterMs });
      return false;
    };
    if (owed && owed.id !== key)
      return refuse('an earlier message was refused and goes first', Math.ceil(1000 / limits.messagesPerSecond));
    const { ip } = this.peer;
    const { replayBudgets, ipReplays, ipMessages } = this.hub;
    let replayWait = Number.POSITIVE_INFINITY;
    // The budgets may live in Redis (shared by every process): taken one after the other, so a visitor token
    // spent while the IP's budget is empty is lost — the lane errs on the strict side, never the loose one.
    if (
      this.#replays &&
      uuidv7Time(key) < this.#replayBefore &&
      this.#replays.wait() === 0 &&
      (await replayBudgets.take(session.visitor.id)) === 0 &&
      (await ipReplays.take(ip)) === 0
    )
      replayWait = this.#replays.take();
    if (replayWait > 0) {
      // Live messages, and replays the lane cannot take now: never slower than without the lane.
      const wait = this.#messages.wait();
      if (wait > 0) return refuse('too many messages', Math.min(wait, replayWait));
      const ipWait = await ipMessages.take(ip);
      if (ipWait > 0) return refuse('too many messages', Math.min(ipWait, replayWait));
      this.#messages.take();
    }
    this.#owed = null;
    this.forgive();
    return true;
  }

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
    const conversation = await startConversation(this.hub, session.site.id, session.visitor.id, this.id);
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
    await this.#contextChanged(session);
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
        // Another tab (or an agent's proactive message) started a conversation: follow it, and say so. The
        // tab that started it follows it too, and learns of it from its ack.
        this.subscribe(topics.conversation(event.conversation));
        if (event.origin === this.id) return;
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
      case 'visitor-merged':
        if (event.visitor !== session.visitor.id || event.origin === this.id) return;
        // This anonymous visitor is now a signed-in user elsewhere: nothing more of it reaches this socket.
        // Close 1000: the client reconnects when needed, and its spent token gets it a fresh visitor.
        return this.#end('identity_changed');
      case 'visitors':
        return;
    }
  }
}
