import { z } from 'zod/mini';
import {
  attributesSchema,
  bodySchema,
  cartSchema,
  clientIdSchema,
  consentSchema,
  epochSchema,
  pageSchema,
  seqSchema,
  serverIdSchema,
  siteIdSchema,
} from './common.js';

const token = z.string().check(z.minLength(1), z.maxLength(4096));

/** No account: the server mints a visitor and returns a resume `token` in `welcome`. */
export const anonymousAuthSchema = z.object({
  mode: z.literal('anonymous'),
  /** The visitor token from an earlier `welcome`, to get the same visitor and conversation back. */
  token: z.optional(token),
});

/**
 * A logged-in user of the site, proven by `userHash` = hex HMAC-SHA256(user-hash key, userId), computed
 * by the site's own server; the key is derived from the site secret for user hashes alone (docs/auth.md).
 */
export const identifiedAuthSchema = z.object({
  mode: z.literal('identified'),
  userId: z.string().check(z.minLength(1), z.maxLength(256)),
  userHash: z.string().check(z.regex(/^[0-9a-f]{64}$/i)),
  name: z.optional(z.string().check(z.maxLength(200))),
  email: z.optional(z.string().check(z.maxLength(320))),
  /** An anonymous visitor token whose conversation should carry over to this user. */
  token: z.optional(token),
});

/** A JWT signed by the site's backend (HS256 with the JWT key derived from the site secret, or RS256/ES256 via JWKS). */
export const jwtAuthSchema = z.object({
  mode: z.literal('jwt'),
  jwt: z.string().check(z.minLength(1), z.maxLength(8192)),
  /** An anonymous visitor token whose conversation should carry over to this user. */
  token: z.optional(token),
});

/** How a visitor proves who they are. */
export const authSchema = z.discriminatedUnion('mode', [anonymousAuthSchema, identifiedAuthSchema, jwtAuthSchema]);

/** First frame on every connection. Nothing else is accepted before it. */
export const helloFrame = z.object({
  type: z.literal('hello'),
  /** Protocol version the client speaks. */
  v: z.int().check(z.positive()),
  site: siteIdSchema,
  auth: authSchema,
  /** Where the client's copy of the conversation ends, so the server can say what it missed. */
  resume: z.optional(z.object({ conversation: serverIdSchema, epoch: epochSchema, seq: seqSchema })),
  consent: z.optional(consentSchema),
  client: z.optional(z.object({ name: z.string().check(z.maxLength(50)), version: z.string().check(z.maxLength(50)) })),
});

/** Send a message. Idempotent by `id`: a repeat gets the original `ack`. */
export const sendFrame = z.object({
  type: z.literal('send'),
  /** Client id, a UUIDv7 made when the visitor pressed send, kept across retries and reloads. */
  id: clientIdSchema,
  body: bodySchema,
  /** The conversation to write to; omitted for the first message (the server creates one). */
  conversation: z.optional(serverIdSchema),
});

/** Ask for every message after `after`, e.g. after a reconnect or on a seq gap. */
export const syncFrame = z.object({
  type: z.literal('sync'),
  conversation: serverIdSchema,
  epoch: epochSchema,
  after: seqSchema,
});

/** Ask for older messages, before `before` (scrolling up). */
export const historyFrame = z.object({
  type: z.literal('history'),
  conversation: serverIdSchema,
  before: z.int().check(z.positive()),
  limit: z.optional(z.int().check(z.positive(), z.lte(200))),
});

/** The visitor started or stopped typing. Ephemeral: not stored. */
export const typingFrame = z.object({
  type: z.literal('typing'),
  conversation: serverIdSchema,
  on: z.boolean(),
});

/** The visitor has read everything up to `seq`. Stored; the agent sees it. */
export const readFrame = z.object({
  type: z.literal('read'),
  conversation: serverIdSchema,
  seq: z.int().check(z.positive()),
});

/** Where the visitor is and what they carry. Each present field replaces the stored one. */
export const contextFrame = z.object({
  type: z.literal('context'),
  page: z.optional(pageSchema),
  attributes: z.optional(attributesSchema),
  cart: z.optional(z.nullable(cartSchema)),
  consent: z.optional(consentSchema),
});

/** The visitor logged in: switch this connection to that identity; their conversation carries over. */
export const identifyFrame = z.object({
  type: z.literal('identify'),
  auth: z.discriminatedUnion('mode', [identifiedAuthSchema, jwtAuthSchema]),
});

/** The visitor logged out: this connection becomes a fresh anonymous visitor. */
export const logoutFrame = z.object({ type: z.literal('logout') });

/** Heartbeat. The server answers `pong`. */
export const pingFrame = z.object({ type: z.literal('ping'), t: z.optional(z.number()) });

/** Every frame a visitor's client may send, by `type`. */
export const clientFrameSchema = z.discriminatedUnion('type', [
  helloFrame,
  sendFrame,
  syncFrame,
  historyFrame,
  typingFrame,
  readFrame,
  contextFrame,
  identifyFrame,
  logoutFrame,
  pingFrame,
]);
