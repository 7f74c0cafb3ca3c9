import { z } from 'zod/mini';
import { ERROR_CODES } from './codes.js';
import {
  conversationStateSchema,
  epochSchema,
  messageSchema,
  roleSchema,
  seqSchema,
  serverIdSchema,
  timeSchema,
} from './common.js';
import { limitsSchema } from './limits.js';

/** Whether agents are around: `online` (someone is on), `away` (signed in, away), `offline`. */
export const presenceSchema = z.enum(['online', 'away', 'offline']);

/** Reply to `hello` (and to `identify`/`logout`): the session is established. */
export const welcomeFrame = z.object({
  type: z.literal('welcome'),
  v: z.int().check(z.positive()),
  visitor: z.object({
    id: serverIdSchema,
    mode: z.enum(['anonymous', 'identified', 'jwt']),
    /** Anonymous only: keep it (e.g. in IndexedDB) and send it in the next `hello` to come back. */
    token: z.optional(z.string()),
    userId: z.optional(z.string()),
    name: z.optional(z.string()),
    email: z.optional(z.string()),
  }),
  /** Short-lived bearer credential for this session's HTTP calls (`POST /v1/uploads`). */
  session: z.object({ token: z.string(), expiresAt: timeSchema }),
  /** The visitor's current conversation, or null before their first message. */
  conversation: z.nullable(conversationStateSchema),
  limits: limitsSchema,
  serverTime: timeSchema,
  site: z.object({
    name: z.string(),
    greeting: z.optional(z.string()),
    /** Outside business hours: show `awayMessage` and offer an email field. */
    away: z.boolean(),
    awayMessage: z.optional(z.string()),
    /** How long the team typically takes to reply, in minutes, as the site states it (at most 30 days). */
    replyMinutes: z.optional(z.int().check(z.positive(), z.lte(43_200))),
    presence: presenceSchema,
  }),
});

/** A `send` was stored: `seq` is its place in the conversation. Sent only after the durable write. */
export const ackFrame = z.object({
  type: z.literal('ack'),
  /** The client id from the `send`. */
  id: z.string(),
  conversation: serverIdSchema,
  seq: z.int().check(z.positive()),
  at: timeSchema,
  /** True when this id was stored before: the original ack, repeated. */
  duplicate: z.optional(z.boolean()),
});

/** A new message in one of the visitor's conversations (including their own, from another tab). */
export const messageFrame = z.object({ type: z.literal('message'), message: messageSchema });

/**
 * Reply to `sync`: the messages after the requested seq, oldest first, one page at a time. With
 * `more`, ask again after the last one. `recovered: false` means the server could not continue from the
 * client's (epoch, seq) — history was rebuilt — so the client must drop its copy and use this page
 * (the newest messages) instead.
 */
export const syncedFrame = z.object({
  type: z.literal('synced'),
  conversation: z.nullable(conversationStateSchema),
  epoch: epochSchema,
  messages: z.array(messageSchema),
  more: z.boolean(),
  recovered: z.boolean(),
});

/** Reply to `history`: older messages, oldest first; `more` when there are older still. */
export const olderFrame = z.object({
  type: z.literal('older'),
  conversation: serverIdSchema,
  messages: z.array(messageSchema),
  more: z.boolean(),
});

/** The other side started or stopped typing. */
export const typingEventFrame = z.object({
  type: z.literal('typing'),
  conversation: serverIdSchema,
  role: roleSchema,
  name: z.optional(z.string()),
  on: z.boolean(),
});

/** Someone read up to `seq`. */
export const readEventFrame = z.object({
  type: z.literal('read'),
  conversation: serverIdSchema,
  role: roleSchema,
  seq: seqSchema,
});

/** Agent presence changed. */
export const presenceFrame = z.object({ type: z.literal('presence'), presence: presenceSchema });

/** A conversation's state changed (e.g. an agent closed or reopened it). */
export const conversationFrame = z.object({ type: z.literal('conversation'), conversation: conversationStateSchema });

/** Something the client sent was refused. The connection stays open unless a close follows. */
export const errorFrame = z.object({
  type: z.literal('error'),
  code: z.enum(ERROR_CODES),
  message: z.string(),
  /** The client id of the `send` this is about, when it is about one. */
  id: z.optional(z.string()),
  /** The `type` of the frame this is about, when known. */
  frame: z.optional(z.string()),
  /** For `rate_limited`: when to try again. */
  retryAfterMs: z.optional(z.int().check(z.nonnegative())),
});

/** Answer to `ping`. */
export const pongFrame = z.object({ type: z.literal('pong'), t: z.optional(z.number()), serverTime: timeSchema });

/** Every frame the server may send to a visitor's client, by `type`. */
export const serverFrameSchema = z.discriminatedUnion('type', [
  welcomeFrame,
  ackFrame,
  messageFrame,
  syncedFrame,
  olderFrame,
  typingEventFrame,
  readEventFrame,
  presenceFrame,
  conversationFrame,
  errorFrame,
  pongFrame,
]);
