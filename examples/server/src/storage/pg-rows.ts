/**
 * Rows of the PostgreSQL storage: column lists, the mapping of rows to records, and the small value
 * helpers the SQLite storage has too. Internal to `pg-storage.ts`.
 */
import pg from 'pg';
import type { Attributes, Body, Cart, Consent, Page, Role } from '@parlor/core/protocol';
import { MERGED_AT_COLUMN } from './migrations.js';
import type {
  ContextRecord,
  ConversationRecord,
  ConversationStatus,
  MessageRecord,
  UploadRecord,
  VisitorMode,
  VisitorRecord,
} from './storage.js';

export type Row = Record<string, unknown>;

export const NEW_VISITOR_COLUMNS = 'id, site_id, mode, user_id, name, email, created_at, last_seen_at';
export const VISITOR_COLUMNS = `${NEW_VISITOR_COLUMNS}, ${MERGED_AT_COLUMN}`;
export const CONVERSATION_COLUMNS =
  'id, site_id, visitor_id, status, epoch, last_seq, visitor_read_seq, agent_read_seq, last_agent_seq, ' +
  'last_visitor_seq, created_at, updated_at';
export const MESSAGE_COLUMNS =
  'conversation_id, seq, client_id, role, author_id, author_name, body, quick_replies, proactive, created_at, ' +
  'payload_hash';
export const CONTEXT_COLUMNS = 'visitor_id, page, attributes, cart, consent, updated_at';
export const UPLOAD_COLUMNS = 'id, site_id, visitor_id, agent_id, name, mime, size, path, created_at';
const DAY_MS = 86_400_000;
/** SQLSTATE of a unique violation. */
export const UNIQUE_VIOLATION = '23505';

// BIGINT columns hold millisecond timestamps, sizes and counts: all well inside Number's exact range.
const INT8_OID = 20;
export const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? Number
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export const toVisitor = (r: Row): VisitorRecord => ({
  id: r.id as string,
  siteId: r.site_id as string,
  mode: r.mode as VisitorMode,
  userId: r.user_id as string | null,
  name: r.name as string | null,
  email: r.email as string | null,
  createdAt: r.created_at as number,
  lastSeenAt: r.last_seen_at as number,
  mergedAt: r.merged_at as number | null,
});

export const toConversation = (r: Row): ConversationRecord => ({
  id: r.id as string,
  siteId: r.site_id as string,
  visitorId: r.visitor_id as string,
  status: r.status as ConversationStatus,
  epoch: r.epoch as number,
  lastSeq: r.last_seq as number,
  visitorReadSeq: r.visitor_read_seq as number,
  agentReadSeq: r.agent_read_seq as number,
  lastAgentSeq: r.last_agent_seq as number,
  lastVisitorSeq: r.last_visitor_seq as number,
  createdAt: r.created_at as number,
  updatedAt: r.updated_at as number,
});

export const toMessage = (r: Row): MessageRecord => ({
  conversationId: r.conversation_id as string,
  seq: r.seq as number,
  clientId: r.client_id as string,
  role: r.role as Role,
  authorId: r.author_id as string,
  authorName: r.author_name as string | null,
  body: r.body as Body,
  quickReplies: r.quick_replies as string[] | null,
  proactive: r.proactive as boolean,
  createdAt: r.created_at as number,
  payloadHash: r.payload_hash as string,
});

export const toContext = (r: Row): ContextRecord => ({
  visitorId: r.visitor_id as string,
  page: r.page as Page | null,
  attributes: r.attributes as Attributes | null,
  cart: r.cart as Cart | null,
  consent: r.consent as Consent | null,
  updatedAt: r.updated_at as number,
});

export const toUpload = (r: Row): UploadRecord => ({
  id: r.id as string,
  siteId: r.site_id as string,
  visitorId: r.visitor_id as string | null,
  agentId: r.agent_id as string | null,
  name: r.name as string,
  mime: r.mime as string,
  size: r.size as number,
  path: r.path as string,
  createdAt: r.created_at as number,
});

/** JSON text for a `json` column (null stays SQL NULL). */
export const json = (value: unknown): string | null => (value === null ? null : JSON.stringify(value));

/** Which per-side seq a message of this role moves (as in the SQLite storage: bots and notes answer no one). */
export const sideOf = (role: Role): 'agent' | 'visitor' | 'none' =>
  role === 'agent' ? 'agent' : role === 'visitor' ? 'visitor' : 'none';

/** `day` (UTC `YYYY-MM-DD`) moved by `delta` days. */
export function shiftDay(day: string, delta: number): string {
  const time = Date.parse(`${day}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(time))
    throw new Error(`invalid day "${day}": expected YYYY-MM-DD`);
  return new Date(time + delta * DAY_MS).toISOString().slice(0, 10);
}

export const clampLimit = (limit: number): number => (Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0);
