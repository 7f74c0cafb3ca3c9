import { z } from 'zod/mini';
import {
  attributesSchema,
  bodySchema,
  cartSchema,
  clientIdSchema,
  consentSchema,
  messageSchema,
  pageSchema,
  quickRepliesSchema,
  roleSchema,
  seqSchema,
  serverIdSchema,
  siteIdSchema,
  timeSchema,
} from './common.js';
import { limitsSchema } from './limits.js';
import { ackFrame, errorFrame, olderFrame, pongFrame, readEventFrame, typingEventFrame } from './server-frames.js';

// ---- agent → server (endpoint /v1/agent) ----

/** First frame of an agent connection: the agent's token from the server configuration. */
export const agentHelloFrame = z.object({
  type: z.literal('hello'),
  v: z.int().check(z.positive()),
  auth: z.object({ mode: z.literal('agent'), token: z.string().check(z.minLength(1), z.maxLength(4096)) }),
});

/** List conversations in the agent's sites, newest activity first. */
export const agentListFrame = z.object({
  type: z.literal('list'),
  status: z.optional(z.enum(['waiting', 'open', 'closed'])),
  site: z.optional(siteIdSchema),
});

/** Open a conversation: receive its newest messages now and its events from then on. */
export const agentOpenFrame = z.object({ type: z.literal('open'), conversation: serverIdSchema });

/** Stop receiving a conversation's typing events (messages still update the list). */
export const agentLeaveFrame = z.object({ type: z.literal('leave'), conversation: serverIdSchema });

/** Reply in a conversation. Idempotent by `id`, like a visitor's `send`. */
export const agentSendFrame = z.object({
  type: z.literal('send'),
  id: clientIdSchema,
  conversation: serverIdSchema,
  body: bodySchema,
  quickReplies: z.optional(quickRepliesSchema),
});

/** Older messages of an open conversation. */
export const agentHistoryFrame = z.object({
  type: z.literal('history'),
  conversation: serverIdSchema,
  before: z.int().check(z.positive()),
});

/** The agent is typing in a conversation. */
export const agentTypingFrame = z.object({ type: z.literal('typing'), conversation: serverIdSchema, on: z.boolean() });

/** The agent read a conversation up to `seq`. */
export const agentReadFrame = z.object({
  type: z.literal('read'),
  conversation: serverIdSchema,
  seq: z.int().check(z.positive()),
});

/** Close or reopen a conversation. */
export const agentStatusFrame = z.object({
  type: z.literal('status'),
  conversation: serverIdSchema,
  status: z.enum(['open', 'closed']),
});

/** Set this agent's presence. */
export const agentPresenceFrame = z.object({ type: z.literal('presence'), status: z.enum(['online', 'away']) });

/** Send a proactive message to a visitor on the site now; the widget shows it as a greeting bubble. */
export const agentProactiveFrame = z.object({
  type: z.literal('proactive'),
  id: clientIdSchema,
  visitor: serverIdSchema,
  text: z.string().check(z.minLength(1), z.maxLength(2000)),
});

/** Heartbeat. */
export const agentPingFrame = z.object({ type: z.literal('ping'), t: z.optional(z.number()) });

/** Every frame the agent console may send. */
export const agentClientFrameSchema = z.discriminatedUnion('type', [
  agentHelloFrame,
  agentListFrame,
  agentOpenFrame,
  agentLeaveFrame,
  agentSendFrame,
  agentHistoryFrame,
  agentTypingFrame,
  agentReadFrame,
  agentStatusFrame,
  agentPresenceFrame,
  agentProactiveFrame,
  agentPingFrame,
]);

// ---- server → agent ----

/** Who the visitor is, as far as the server knows (identity was checked by the server). */
export const visitorInfoSchema = z.object({
  id: serverIdSchema,
  mode: z.enum(['anonymous', 'identified', 'jwt']),
  userId: z.optional(z.string()),
  name: z.optional(z.string()),
  email: z.optional(z.string()),
});

/** The visitor's context, present only where their consent allows. */
export const visitorContextSchema = z.object({
  page: z.optional(pageSchema),
  attributes: z.optional(attributesSchema),
  cart: z.optional(z.nullable(cartSchema)),
  consent: z.optional(consentSchema),
});

/** One row of the agent's conversation list. */
export const conversationSummarySchema = z.object({
  id: serverIdSchema,
  site: siteIdSchema,
  status: z.enum(['waiting', 'open', 'closed']),
  visitor: visitorInfoSchema,
  lastSeq: seqSchema,
  agentReadSeq: seqSchema,
  visitorReadSeq: seqSchema,
  /** Messages from the visitor after the agents' read point. */
  unread: z.int().check(z.nonnegative()),
  lastMessage: z.optional(z.object({ role: roleSchema, preview: z.string(), at: timeSchema })),
  createdAt: timeSchema,
  updatedAt: timeSchema,
  context: z.optional(visitorContextSchema),
});

/** A visitor connected to a site right now. */
export const liveVisitorSchema = z.object({
  visitor: visitorInfoSchema,
  site: siteIdSchema,
  connectedAt: timeSchema,
  conversation: z.optional(serverIdSchema),
  context: z.optional(visitorContextSchema),
});

/** Reply to the agent's `hello`. */
export const agentWelcomeFrame = z.object({
  type: z.literal('welcome'),
  v: z.int().check(z.positive()),
  agent: z.object({ id: z.string(), name: z.string() }),
  sites: z.array(siteIdSchema),
  limits: limitsSchema,
  serverTime: timeSchema,
});

/** Reply to `list`, and pushed again whenever a conversation in the list changes. */
export const agentConversationsFrame = z.object({
  type: z.literal('conversations'),
  items: z.array(conversationSummarySchema),
});

/** One conversation changed (new message, status, read point): replace the row. */
export const agentConversationFrame = z.object({ type: z.literal('conversation'), item: conversationSummarySchema });

/** Reply to `open`: the newest page of messages. */
export const agentTranscriptFrame = z.object({
  type: z.literal('transcript'),
  item: conversationSummarySchema,
  messages: z.array(messageSchema),
  more: z.boolean(),
});

/** A message was stored in a conversation the agent can see. */
export const agentMessageFrame = z.object({ type: z.literal('message'), message: messageSchema });

/** The visitors on the agent's sites right now; pushed when it changes. */
export const agentVisitorsFrame = z.object({ type: z.literal('visitors'), items: z.array(liveVisitorSchema) });

/** Who of the agents is online or away. */
export const agentPresenceEventFrame = z.object({
  type: z.literal('presence'),
  agents: z.array(z.object({ id: z.string(), name: z.string(), status: z.enum(['online', 'away', 'offline']) })),
});

/** Every frame the server may send to the agent console. */
export const agentServerFrameSchema = z.discriminatedUnion('type', [
  agentWelcomeFrame,
  agentConversationsFrame,
  agentConversationFrame,
  agentTranscriptFrame,
  // The same shapes as for visitors: one definition each.
  olderFrame,
  agentMessageFrame,
  ackFrame,
  typingEventFrame,
  readEventFrame,
  agentVisitorsFrame,
  agentPresenceEventFrame,
  errorFrame,
  pongFrame,
]);
