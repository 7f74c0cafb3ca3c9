/**
 * The repository interface of the reference server: everything it keeps, behind one small surface, so
 * that the embedded default (SQLite) and PostgreSQL implement the same contract and pass the same test
 * suite (`storage-suite.ts`). Every method is async, even where SQLite is not, for that reason.
 *
 * Rules every implementation keeps:
 * - Ids are minted by the caller (the server) and passed in; storage never invents ids.
 * - `appendMessage` is atomic: the seq is the conversation's last seq + 1 in the same transaction as the
 *   insert, so seqs are gapless and strictly increasing even with concurrent writers; (conversation,
 *   clientId) is unique for the message's whole life, so a repeat returns the original row.
 * - Nothing is ever deleted: closing a conversation or merging a visitor keeps every message. The one
 *   exception is an upload no message refers to, once it is older than the server's orphan TTL
 *   (`deleteOrphanUploads`): bytes nobody can see are not kept.
 */
import type { Attributes, Body, Cart, Consent, Page, Role } from '@parlor/core/protocol';

/** How a visitor authenticated. */
export type VisitorMode = 'anonymous' | 'identified' | 'jwt';

/** A visitor of a site. Identified visitors are unique per (site, userId). */
export interface VisitorRecord {
  id: string;
  siteId: string;
  mode: VisitorMode;
  /** The site's user id, for identified and jwt visitors. */
  userId: string | null;
  name: string | null;
  email: string | null;
  createdAt: number;
  lastSeenAt: number;
  /**
   * When this (anonymous) visitor's conversations were carried over into a user (protocol §5.4), or null
   * while it is live. A merged visitor is spent: its tokens never resume it again. The record stays, as its
   * messages name it.
   */
  mergedAt: number | null;
}

/** What `createVisitor` stores: a visitor is never created merged. */
export type NewVisitor = Omit<VisitorRecord, 'mergedAt'>;

/** Conversation status as stored. "waiting" = open with visitor messages no agent has answered yet. */
export type ConversationStatus = 'open' | 'closed';

/** A conversation between one visitor and a site's agents. */
export interface ConversationRecord {
  id: string;
  siteId: string;
  visitorId: string;
  status: ConversationStatus;
  epoch: number;
  lastSeq: number;
  visitorReadSeq: number;
  agentReadSeq: number;
  /** Seq of the last message written by a human agent (0 = none; bots do not count): "waiting" while lastVisitorSeq > this. */
  lastAgentSeq: number;
  lastVisitorSeq: number;
  createdAt: number;
  updatedAt: number;
}

/** A stored message. */
export interface MessageRecord {
  conversationId: string;
  seq: number;
  /** The sender's client id (UUIDv7), or a server-minted id for server-written messages. */
  clientId: string;
  role: Role;
  /** Agent id, bot id, or visitor id of the author. */
  authorId: string;
  authorName: string | null;
  body: Body;
  quickReplies: string[] | null;
  proactive: boolean;
  createdAt: number;
  /** Digest of what was sent (body + quick replies), to tell a retry from a different message with the same id. */
  payloadHash: string;
}

/** A UUID, any case: the shape of a client id. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The form a client id is stored and deduplicated in: a UUID in lower case (client ids are
 * case-insensitive, protocol §3.1), any other id (the server's own, such as `bot:greeting`) as it is.
 * Every `appendMessage` applies it, so `0193A5F2-…` and `0193a5f2-…` are one message.
 *
 * @example
 * ```ts
 * clientIdKey('0193A5F2-7C1E-7D3A-9B21-5F0E8C4A2B10'); // '0193a5f2-7c1e-7d3a-9b21-5f0e8c4a2b10'
 * ```
 */
export function clientIdKey(id: string): string {
  return UUID.test(id) ? id.toLowerCase() : id;
}

/** What `appendMessage` stores. `seq` is assigned by storage; `clientId` is stored as {@link clientIdKey}. */
export type NewMessage = Omit<MessageRecord, 'seq'>;

/** The outcome of `appendMessage`. */
export type AppendResult =
  | { status: 'stored'; message: MessageRecord }
  /** The same (conversation, clientId) and the same payloadHash was stored before: the original row. */
  | { status: 'duplicate'; message: MessageRecord }
  /** The same (conversation, clientId) was stored with a different payloadHash. Nothing was written. */
  | { status: 'conflict'; message: MessageRecord };

/** The visitor's latest context. Stored only with context consent (the server decides). */
export interface ContextRecord {
  visitorId: string;
  page: Page | null;
  attributes: Attributes | null;
  cart: Cart | null;
  consent: Consent | null;
  updatedAt: number;
}

/** An uploaded file's metadata; the bytes live in the data directory under `path`. */
export interface UploadRecord {
  id: string;
  siteId: string;
  visitorId: string | null;
  agentId: string | null;
  name: string;
  mime: string;
  size: number;
  /** Path relative to the data directory's uploads folder. */
  path: string;
  createdAt: number;
}

/**
 * The upload quotas `reserveUpload` checks: bytes of uploads created at or after `since` (still stored),
 * per visitor and per site.
 */
export interface UploadQuota {
  since: number;
  visitorBytes: number;
  siteBytes: number;
}

/** The outcome of `reserveUpload`. */
export type UploadReservation =
  /** Inserted; `visitorUsedBytes` is what the visitor had used in the window before this upload. */
  | { ok: true; visitorUsedBytes: number }
  /**
   * Over the `scope`'s quota: nothing was written. `freesAt` is when the oldest upload counted against it
   * leaves the window (the earliest time a retry can succeed).
   */
  | { ok: false; scope: 'visitor' | 'site'; usedBytes: number; limitBytes: number; freesAt: number };

/** Widget analytics: counted per site, day (UTC, `YYYY-MM-DD`) and event name. */
export interface DailyCount {
  day: string;
  name: string;
  count: number;
}

/** Filter of `listConversations`. */
export interface ConversationFilter {
  siteIds: string[];
  /** "waiting": open and lastVisitorSeq > lastAgentSeq. */
  status?: 'waiting' | 'open' | 'closed';
  limit: number;
}

/** The repository. */
export interface Storage {
  /** Brings the schema up to date (idempotent); called once at start-up. */
  migrate(): Promise<void>;
  /** Releases the database. Pending writes finish first. */
  close(): Promise<void>;

  // visitors
  createVisitor(visitor: NewVisitor): Promise<VisitorRecord>;
  getVisitor(id: string): Promise<VisitorRecord | null>;
  /** The identified visitor for (site, userId), or null. */
  findVisitorByUser(siteId: string, userId: string): Promise<VisitorRecord | null>;
  /** Updates name/email/lastSeenAt; returns the new row. */
  updateVisitor(
    id: string,
    patch: Partial<Pick<VisitorRecord, 'name' | 'email' | 'lastSeenAt'>>,
  ): Promise<VisitorRecord>;
  /**
   * Moves every conversation (and the context) of visitor `fromId` to visitor `toId` and marks `fromId`
   * merged (`mergedAt = now`), in one transaction: anonymous → identified carry-over. Returns the ids of
   * the conversations moved. A visitor already merged is spent: merging it again changes nothing and
   * returns `[]`, so two sign-ins racing with one anonymous token never split its conversations.
   */
  mergeVisitor(fromId: string, toId: string, now: number): Promise<string[]>;

  // conversations
  createConversation(conversation: ConversationRecord): Promise<ConversationRecord>;
  getConversation(id: string): Promise<ConversationRecord | null>;
  /** The visitor's most recently updated conversation (open or closed), or null. */
  latestConversation(visitorId: string): Promise<ConversationRecord | null>;
  listConversations(filter: ConversationFilter): Promise<ConversationRecord[]>;
  setStatus(id: string, status: ConversationStatus, now: number): Promise<ConversationRecord>;
  /** Raises the read point of one side (never lowers it). Returns the new row. */
  markRead(id: string, side: 'visitor' | 'agent', seq: number): Promise<ConversationRecord>;

  // messages
  /** Atomic append with dedupe: see the module comment. Updates lastSeq, lastAgentSeq/lastVisitorSeq, updatedAt. */
  appendMessage(message: NewMessage): Promise<AppendResult>;
  /** Messages with seq > after, oldest first, at most `limit`. */
  messagesAfter(conversationId: string, after: number, limit: number): Promise<MessageRecord[]>;
  /** Messages with seq < before, returned oldest first, the `limit` newest of them. */
  messagesBefore(conversationId: string, before: number, limit: number): Promise<MessageRecord[]>;
  /** Every message, oldest first (transcript export). */
  allMessages(conversationId: string): Promise<MessageRecord[]>;
  /** Visitor messages after the agents' read point (the unread badge in the console). */
  countUnread(conversationId: string): Promise<number>;

  // context
  saveContext(context: ContextRecord): Promise<void>;
  getContext(visitorId: string): Promise<ContextRecord | null>;

  // uploads
  saveUpload(upload: UploadRecord): Promise<void>;
  getUpload(id: string): Promise<UploadRecord | null>;
  /**
   * Inserts `upload` (its `size` the most it may grow to) only if the visitor's and the site's uploads since
   * `quota.since`, this one included, stay within their quotas; atomic against concurrent reservations,
   * so parallel uploads cannot together pass a quota. The caller then writes the file and calls
   * `finishUpload` with the real size, or `deleteUpload`.
   */
  reserveUpload(upload: UploadRecord, quota: UploadQuota): Promise<UploadReservation>;
  /** Sets the size of a reserved upload to what was really received. */
  finishUpload(id: string, size: number): Promise<void>;
  /** Removes an upload's row (the caller removes its file). */
  deleteUpload(id: string): Promise<void>;
  /**
   * Deletes the rows of at most `limit` uploads created before `before` that no message refers to, oldest
   * first, and returns them so the caller can remove their files.
   */
  deleteOrphanUploads(before: number, limit: number): Promise<UploadRecord[]>;

  // analytics
  /** Adds `count` to (site, day, name). */
  countEvent(siteId: string, day: string, name: string, count: number): Promise<void>;
  /** Adds every count of a batch in one transaction: all of them or, on any error, none. */
  countEvents(siteId: string, counts: readonly DailyCount[]): Promise<void>;
  /** Counts for the last `days` days up to and including `today`, oldest first. */
  dailyCounts(siteId: string, today: string, days: number): Promise<DailyCount[]>;
}
