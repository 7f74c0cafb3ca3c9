import { z } from 'zod/mini';

/** A client-generated message id: a UUIDv7 (time-ordered), lower or upper case hex. */
export const clientIdSchema = z
  .string()
  .check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i));

/**
 * A server-minted id (conversation, visitor, upload, agent): a short prefix, an underscore and at least
 * 22 base64url characters (≥ 128 random bits), so ids cannot be guessed.
 */
export const serverIdSchema = z.string().check(z.regex(/^[a-z]{1,8}_[A-Za-z0-9_-]{22,64}$/));

/** A site id as configured on the server: 1–64 characters of `[A-Za-z0-9_-]`. */
export const siteIdSchema = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/));

/** A conversation sequence number. 0 means "nothing yet"; the first message is 1. */
export const seqSchema = z.int().check(z.nonnegative());

/** A conversation's history epoch: changes only when the server lost history. Starts at 1. */
export const epochSchema = z.int().check(z.positive());

/** Milliseconds since the Unix epoch. */
export const timeSchema = z.int().check(z.nonnegative());

/**
 * Hard upper bound on message text in the schema (UTF-16 units). Servers announce their real, lower
 * limit in `welcome.limits.maxTextLength` and answer `too_large` above it.
 */
export const TEXT_HARD_LIMIT = 32_768;

const shortText = (max: number) => z.string().check(z.maxLength(max));

/** Who wrote a message. */
export const roleSchema = z.enum(['visitor', 'agent', 'bot', 'system']);

/** The author of a message as shown to the other side. */
export const authorSchema = z.object({
  role: roleSchema,
  /** Display name (an agent's name, the bot's name); absent for the visitor's own messages. */
  name: z.optional(shortText(100)),
  /** Stable id of an agent or bot; never the visitor's id. */
  id: z.optional(shortText(100)),
});

/** A plain-text message body. Text is text: receivers render it as text, never as HTML. */
export const textBodySchema = z.object({
  kind: z.literal('text'),
  text: z.string().check(z.minLength(1), z.maxLength(TEXT_HARD_LIMIT)),
});

/** A message that carries a file uploaded first with `POST /v1/uploads`. */
export const attachmentBodySchema = z.object({
  kind: z.literal('attachment'),
  /** The upload id returned by `POST /v1/uploads`. */
  upload: serverIdSchema,
  /** Original file name, shown to the other side (as text). */
  name: z.string().check(z.minLength(1), z.maxLength(255)),
  /** MIME type, one of `limits.attachmentTypes`. */
  mime: shortText(100),
  /** Size in bytes. */
  size: z.int().check(z.nonnegative()),
  /** Optional caption shown under the file. */
  caption: z.optional(z.string().check(z.maxLength(TEXT_HARD_LIMIT))),
  /** Where to download it; set by the server on messages it sends, ignored on `send`. */
  url: z.optional(shortText(2048)),
});

/** What a message says: text or an attachment. */
export const bodySchema = z.discriminatedUnion('kind', [textBodySchema, attachmentBodySchema]);

/** Up to 10 short answers a visitor can pick with one tap (sent by agents and bots). */
export const quickRepliesSchema = z.array(z.string().check(z.minLength(1), z.maxLength(80))).check(z.maxLength(10));

/** A stored message, as the server sends it. */
export const messageSchema = z.object({
  /** The conversation it belongs to. */
  conversation: serverIdSchema,
  /** Position in the conversation: strictly increasing, no gaps. */
  seq: z.int().check(z.positive()),
  /** The sender's client id (UUIDv7), or an id the server chose for messages it wrote (e.g. `bot:greeting`). */
  id: z.string().check(z.minLength(1), z.maxLength(100)),
  author: authorSchema,
  body: bodySchema,
  /** When the server stored it. */
  at: timeSchema,
  quickReplies: z.optional(quickRepliesSchema),
  /** Sent by an agent to a visitor who had not written: shown as a greeting bubble. */
  proactive: z.optional(z.boolean()),
});

/** The visitor-facing state of a conversation. */
export const conversationStateSchema = z.object({
  id: serverIdSchema,
  status: z.enum(['open', 'closed']),
  epoch: epochSchema,
  /** Seq of the newest message (0 when empty). */
  lastSeq: seqSchema,
  /** Highest seq the visitor has read. */
  visitorReadSeq: seqSchema,
  /** Highest seq an agent has read. */
  agentReadSeq: seqSchema,
});

/** Where the visitor is: sent with `context` and shown to agents when consent allows. */
export const pageSchema = z.object({
  url: z.string().check(z.maxLength(2048)),
  title: z.optional(shortText(300)),
  referrer: z.optional(shortText(2048)),
});

/** Custom attributes a site attaches to a visitor: at most 50, short keys, scalar values. */
export const attributesSchema = z
  .record(
    z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/)),
    z.union([shortText(500), z.number(), z.boolean(), z.null()]),
  )
  .check(z.refine((r) => Object.keys(r).length <= 50, 'at most 50 attributes'));

/** A shopping cart, e.g. from a storefront. Prices are in minor units (cents). */
export const cartSchema = z.object({
  currency: z.string().check(z.regex(/^[A-Z]{3}$/)),
  total: z.int().check(z.nonnegative()),
  itemCount: z.int().check(z.nonnegative()),
  items: z
    .array(
      z.object({
        id: shortText(100),
        title: shortText(300),
        quantity: z.int().check(z.positive()),
        price: z.int().check(z.nonnegative()),
      }),
    )
    .check(z.maxLength(50)),
});

/** What the visitor agreed to. Without `context` consent, page, attributes and cart are not kept. */
export const consentSchema = z.object({
  /** Page, cart and attributes may be shared with agents. */
  context: z.boolean(),
  /** Widget usage may be counted in analytics. */
  analytics: z.boolean(),
});
