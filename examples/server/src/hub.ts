import { createHash } from 'node:crypto';
import {
  SUMMARY_LABEL_MAX,
  SUMMARY_PREVIEW_MAX,
  SUMMARY_TITLE_MAX,
  SUMMARY_URL_MAX,
  type Body,
  type ConversationState,
  type ConversationSummary,
  type Message,
  type PageSummary,
  type Presence,
  type VisitorContext,
  type VisitorSummary,
} from '@parlor/core/protocol';
import type { AgentConfig, ServerConfig, SiteConfig } from './config.js';
import { topics, type Fanout, type FanoutEvent } from './fanout.js';
import { newId } from './ids.js';
import { truncate } from './plain-text.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { Responder } from './responder.js';
import type { OriginGuard } from './origin.js';
import type { KeyedLimiter } from './rate-limits.js';
import type { KeyedBuckets } from './token-bucket.js';
import type {
  AppendResult,
  ContextRecord,
  ConversationRecord,
  MessageRecord,
  NewMessage,
  Storage,
  VisitorRecord,
} from './storage/storage.js';

/** A visitor connected right now (for the agents' live visitors list). */
export interface LiveEntry {
  visitorId: string;
  site: string;
  connectedAt: number;
}

/** Everything the connections of one server process share. */
export interface Hub {
  config: ServerConfig;
  sites: ReadonlyMap<string, SiteConfig>;
  storage: Storage;
  fanout: Fanout;
  metrics: Metrics;
  log: Logger;
  responder: Responder;
  /** Live visitor connections by connection id. */
  live: Map<string, LiveEntry>;
  /**
   * Messages per client IP across all its connections (a visitor opening many sockets gains nothing), and
   * with `REDIS_URL` across all processes. `take` may answer asynchronously: await it.
   */
  ipMessages: KeyedLimiter;
  /**
   * Inbound WebSocket bytes per client IP in this process (what this process spends parsing and storing is
   * its own, so the budget is too): past it, the IP's sockets are read only as fast as it refills.
   */
  ipBytes: KeyedBuckets;
  /** Origin checks that count and log refusals. */
  origins: OriginGuard;
  /** Each visitor's replay budget (§6.2): messages minted before the welcome, stored at the replay rate. */
  replayBudgets: KeyedLimiter;
  /** Replays per client IP across its visitors, so fresh visitors bring no fresh budget. */
  ipReplays: KeyedLimiter;
  /** Agent presence by agent id: status and how many consoles they have open. */
  presence: Map<string, { agent: AgentConfig; status: 'online' | 'away'; connections: number }>;
  /** Agents with a console open on other server processes (kept by the Redis fan-out; empty otherwise). */
  peerPresence: Map<string, { agent: AgentConfig; status: 'online' | 'away' }>;
  now: () => number;
}

/** Digest of what a message says, to tell an honest retry from a different message reusing an id. */
export function payloadHash(body: Body, quickReplies: string[] | null): string {
  return createHash('sha256')
    .update(JSON.stringify([body, quickReplies]))
    .digest('base64url');
}

/** A stored message as the wire carries it; attachment URLs are made absolute against `base`. */
export function toWireMessage(record: MessageRecord, base: string): Message {
  const body: Body =
    record.body.kind === 'attachment'
      ? { ...record.body, url: `${base}/v1/uploads/${record.body.upload}` }
      : record.body;
  const author: Message['author'] = { role: record.role };
  if (record.role !== 'visitor') {
    author.id = record.authorId;
    if (record.authorName) author.name = record.authorName;
  }
  const message: Message = {
    conversation: record.conversationId,
    seq: record.seq,
    id: record.clientId,
    author,
    body,
    at: record.createdAt,
  };
  if (record.quickReplies?.length) message.quickReplies = record.quickReplies;
  if (record.proactive) message.proactive = true;
  return message;
}

/** A conversation as its visitor sees it. */
export function conversationState(c: ConversationRecord): ConversationState {
  return {
    id: c.id,
    status: c.status,
    epoch: c.epoch,
    lastSeq: c.lastSeq,
    visitorReadSeq: c.visitorReadSeq,
    agentReadSeq: c.agentReadSeq,
  };
}

/** The agents' view of a visitor's context: nothing at all without context consent. */
export function contextForAgents(context: ContextRecord | null): VisitorContext | undefined {
  if (!context?.consent?.context) return context?.consent ? { consent: context.consent } : undefined;
  const out: VisitorContext = { consent: context.consent };
  if (context.page) out.page = context.page;
  if (context.attributes) out.attributes = context.attributes;
  if (context.cart !== null) out.cart = context.cart;
  return out;
}

/** A visitor's identity cut to summary size: every string capped at {@link SUMMARY_LABEL_MAX}. */
export function visitorSummary(visitor: VisitorRecord | null, id: string): VisitorSummary {
  const out: VisitorSummary = { id, mode: visitor?.mode ?? 'anonymous' };
  if (visitor?.userId) out.userId = truncate(visitor.userId, SUMMARY_LABEL_MAX);
  if (visitor?.name) out.name = truncate(visitor.name, SUMMARY_LABEL_MAX);
  if (visitor?.email) out.email = truncate(visitor.email, SUMMARY_LABEL_MAX);
  return out;
}

/** The visitor's page cut to summary size, when their consent allows agents to see it. */
export function pageSummary(context: ContextRecord | null): PageSummary | undefined {
  const page = context?.consent?.context ? context.page : null;
  if (!page) return undefined;
  const out: PageSummary = { url: truncate(page.url, SUMMARY_URL_MAX) };
  if (page.title) out.title = truncate(page.title, SUMMARY_TITLE_MAX);
  return out;
}

/**
 * One row of the agents' conversation list: a summary whose size is bounded whatever is stored (capped
 * strings, no cart, no attributes), so no number of visitors with large contexts can make a list too big
 * for an agent's socket. The full context is sent only on request (`details`).
 */
export async function summarize(hub: Hub, c: ConversationRecord): Promise<ConversationSummary> {
  const [visitor, context, unread, last] = await Promise.all([
    hub.storage.getVisitor(c.visitorId),
    hub.storage.getContext(c.visitorId),
    hub.storage.countUnread(c.id),
    c.lastSeq > 0 ? hub.storage.messagesBefore(c.id, c.lastSeq + 1, 1) : Promise.resolve([]),
  ]);
  const summary: ConversationSummary = {
    id: c.id,
    site: c.siteId,
    status: c.status === 'closed' ? 'closed' : c.lastVisitorSeq > c.lastAgentSeq ? 'waiting' : 'open',
    visitor: visitorSummary(visitor, c.visitorId),
    lastSeq: c.lastSeq,
    agentReadSeq: c.agentReadSeq,
    visitorReadSeq: c.visitorReadSeq,
    unread,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
  const lastMessage = last[0];
  if (lastMessage) {
    const preview = lastMessage.body.kind === 'text' ? lastMessage.body.text : `📎 ${lastMessage.body.name}`;
    summary.lastMessage = {
      role: lastMessage.role,
      preview: truncate(preview, SUMMARY_PREVIEW_MAX),
      at: lastMessage.createdAt,
    };
  }
  const page = pageSummary(context);
  if (page) summary.page = page;
  return summary;
}

/** Every agent with a console open on any process, with their status; online wins over away. */
export function agentStatuses(hub: Hub): { agent: AgentConfig; status: 'online' | 'away' }[] {
  const merged = new Map<string, { agent: AgentConfig; status: 'online' | 'away' }>(hub.peerPresence);
  for (const [id, { agent, status }] of hub.presence) {
    if (merged.get(id)?.status !== 'online') merged.set(id, { agent, status });
  }
  return [...merged.values()];
}

/** The presence a site's visitors see: someone online, else someone away, else offline. */
export function sitePresence(hub: Hub, site: string): Presence {
  let away = false;
  for (const { agent, status } of agentStatuses(hub)) {
    if (!agent.sites.includes('*') && !agent.sites.includes(site)) continue;
    if (status === 'online') return 'online';
    away = true;
  }
  return away ? 'away' : 'offline';
}

/**
 * Stores a message and tells everyone who should know: the conversation's listeners get the message,
 * the site's agents a list refresh. A duplicate is not broadcast again (§9.2): only the agents' list row
 * is refreshed. Nothing is published for a conflict.
 */
export async function appendAndPublish(
  hub: Hub,
  siteId: string,
  message: NewMessage,
  origin: string,
  receivedAt: number,
): Promise<AppendResult> {
  const result = await hub.storage.appendMessage(message);
  if (result.status === 'conflict') return result;
  if (result.status === 'stored') {
    hub.metrics.messagesStored++;
    hub.fanout.publish(topics.conversation(message.conversationId), {
      kind: 'message',
      message: toWireMessage(result.message, ''),
      origin,
      receivedAt,
    });
  }
  // Also for a duplicate: the process that stored it may have died between its commit and its publish.
  // The row is read from storage, so a repeat costs one coalesced refresh and tells agents nothing twice;
  // the visitor's other tabs, whose sockets died with that process, get the message when they resume.
  hub.fanout.publish(topics.agents(siteId), { kind: 'conversation', conversation: message.conversationId });
  return result;
}

/** Re-bases a fanned-out message's attachment URL for one connection. */
export function rebase(message: Message, base: string): Message {
  if (message.body.kind !== 'attachment') return message;
  return { ...message, body: { ...message.body, url: `${base}/v1/uploads/${message.body.upload}` } };
}

/**
 * Starts a conversation for a visitor (ids are minted here, never taken from clients) and tells the
 * visitor's other connections to follow it. `origin`, the connection that started it, learns the new
 * conversation from its own answer (the `ack`), so it gets no `conversation` frame for it.
 */
export async function startConversation(
  hub: Hub,
  siteId: string,
  visitorId: string,
  origin?: string,
): Promise<ConversationRecord> {
  const now = hub.now();
  const conversation = await hub.storage.createConversation({
    id: newId('c'),
    siteId,
    visitorId,
    status: 'open',
    epoch: 1,
    lastSeq: 0,
    visitorReadSeq: 0,
    agentReadSeq: 0,
    lastAgentSeq: 0,
    lastVisitorSeq: 0,
    createdAt: now,
    updatedAt: now,
  });
  hub.fanout.publish(topics.visitor(visitorId), {
    kind: 'visitor-conversation',
    visitor: visitorId,
    conversation: conversation.id,
    ...(origin ? { origin } : {}),
  });
  return conversation;
}

/** The `typing` frame for a typing event (the same shape for visitors and agents). */
export function typingFrameOf(event: Extract<FanoutEvent, { kind: 'typing' }>) {
  return {
    type: 'typing',
    conversation: event.conversation,
    role: event.role,
    on: event.on,
    ...(event.name ? { name: event.name } : {}),
  } as const;
}

/** The `read` frame for a read event. */
export function readFrameOf(event: Extract<FanoutEvent, { kind: 'read' }>) {
  return { type: 'read', conversation: event.conversation, role: event.role, seq: event.seq } as const;
}
