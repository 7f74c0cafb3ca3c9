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

/** Most entries (`items` plus `gone`, each) in one `visitors` frame. */
export const VISITORS_BATCH_MAX = 50;

const shortString = (max: number) => z.string().check(z.maxLength(max));

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

/**
 * Ask for one visitor's details: identity and full context (page, attributes, cart, consent). List rows and
 * live visitors carry only a summary; a console asks for this when the agent opens a conversation or a visitor,
 * and again when a `conversation` or `visitors` frame says that visitor changed. Answered with `details`, or
 * `error forbidden` (`frame: "details"`) for a visitor of another site or none at all.
 */
export const agentDetailsFrame = z.object({ type: z.literal('details'), visitor: serverIdSchema });

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
  agentDetailsFrame,
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

/** Longest `visitor.name`, `visitor.email` and `visitor.userId` in a summary (UTF-16 units). */
export const SUMMARY_LABEL_MAX = 200;
/** Longest `page.url` in a summary. */
export const SUMMARY_URL_MAX = 300;
/** Longest `page.title` in a summary. */
export const SUMMARY_TITLE_MAX = 120;
/** Longest `lastMessage.preview`. */
export const SUMMARY_PREVIEW_MAX = 140;

/** Who the visitor is, cut to summary size. */
export const visitorSummarySchema = z.object({
  id: serverIdSchema,
  mode: z.enum(['anonymous', 'identified', 'jwt']),
  userId: z.optional(shortString(SUMMARY_LABEL_MAX)),
  name: z.optional(shortString(SUMMARY_LABEL_MAX)),
  email: z.optional(shortString(SUMMARY_LABEL_MAX)),
});

/** Where the visitor is, cut to summary size (the full page is in `details`). */
export const pageSummarySchema = z.object({
  url: shortString(SUMMARY_URL_MAX),
  title: z.optional(shortString(SUMMARY_TITLE_MAX)),
});

/**
 * One row of the agent's conversation list: a summary of bounded size. Every string in it is capped, and it
 * never carries the cart or attributes; the full context is fetched with `details`.
 */
export const conversationSummarySchema = z.object({
  id: serverIdSchema,
  site: siteIdSchema,
  status: z.enum(['waiting', 'open', 'closed']),
  visitor: visitorSummarySchema,
  lastSeq: seqSchema,
  agentReadSeq: seqSchema,
  visitorReadSeq: seqSchema,
  /** Messages from the visitor after the agents' read point. */
  unread: z.int().check(z.nonnegative()),
  lastMessage: z.optional(z.object({ role: roleSchema, preview: shortString(SUMMARY_PREVIEW_MAX), at: timeSchema })),
  createdAt: timeSchema,
  updatedAt: timeSchema,
  /** The visitor's page, when their consent allows. */
  page: z.optional(pageSummarySchema),
});

/** A visitor connected to a site right now: a summary of bounded size, like a list row. */
export const liveVisitorSchema = z.object({
  visitor: visitorSummarySchema,
  site: siteIdSchema,
  connectedAt: timeSchema,
  conversation: z.optional(serverIdSchema),
  /** The visitor's page, when their consent allows. */
  page: z.optional(pageSummarySchema),
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

/** Reply to `list`: at most 200 rows, newest activity first. */
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

/**
 * Changes to the live visitors list, coalesced: `items` are visitors to add or replace (keyed by
 * `visitor.id`), `gone` are visitors who left. With `reset: true` the list is first emptied (the first frame
 * after `welcome`, and after the server lost track). A long list arrives over several frames of at most
 * {@link VISITORS_BATCH_MAX} entries each.
 */
export const agentVisitorsFrame = z.object({
  type: z.literal('visitors'),
  reset: z.optional(z.boolean()),
  items: z.array(liveVisitorSchema).check(z.maxLength(VISITORS_BATCH_MAX)),
  gone: z.array(serverIdSchema).check(z.maxLength(VISITORS_BATCH_MAX)),
});

/** Reply to `details`: one visitor's identity and full context (only what their consent allows). */
export const agentDetailsEventFrame = z.object({
  type: z.literal('details'),
  visitor: visitorInfoSchema,
  site: siteIdSchema,
  context: z.optional(visitorContextSchema),
});

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
  agentDetailsEventFrame,
  agentPresenceEventFrame,
  errorFrame,
  pongFrame,
]);
