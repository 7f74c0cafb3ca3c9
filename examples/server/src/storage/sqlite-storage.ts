/**
 * The embedded default {@link Storage}: one SQLite file (or `:memory:`) through better-sqlite3.
 *
 * better-sqlite3 is synchronous, so every method does its work before its promise is created; the
 * methods are async only to share the interface with PostgreSQL. A single process owns the file; other
 * processes opening it are serialised by SQLite's locks (`busy_timeout`, IMMEDIATE write transactions).
 */
import Database from 'better-sqlite3';
import type { Attributes, Body, Cart, Consent, Page, Role } from '@parlor/core/protocol';
import { MERGED_AT_COLUMN, applyMigrations } from './migrations.js';
import { clientIdKey } from './storage.js';
import type {
  AppendResult,
  ContextRecord,
  ConversationFilter,
  ConversationRecord,
  ConversationStatus,
  DailyCount,
  MessageRecord,
  NewMessage,
  Storage,
  UploadQuota,
  UploadRecord,
  UploadReservation,
  VisitorMode,
  VisitorRecord,
} from './storage.js';

interface VisitorRow {
  id: string;
  site_id: string;
  mode: string;
  user_id: string | null;
  name: string | null;
  email: string | null;
  created_at: number;
  last_seen_at: number;
  merged_at: number | null;
}

interface ConversationRow {
  id: string;
  site_id: string;
  visitor_id: string;
  status: string;
  epoch: number;
  last_seq: number;
  visitor_read_seq: number;
  agent_read_seq: number;
  last_agent_seq: number;
  last_visitor_seq: number;
  created_at: number;
  updated_at: number;
}

interface MessageRow {
  conversation_id: string;
  seq: number;
  client_id: string;
  role: string;
  author_id: string;
  author_name: string | null;
  body: string;
  quick_replies: string | null;
  proactive: number;
  created_at: number;
  payload_hash: string;
}

interface ContextRow {
  visitor_id: string;
  page: string | null;
  attributes: string | null;
  cart: string | null;
  consent: string | null;
  updated_at: number;
}

interface UploadRow {
  id: string;
  site_id: string;
  visitor_id: string | null;
  agent_id: string | null;
  name: string;
  mime: string;
  size: number;
  path: string;
  created_at: number;
}

const NEW_VISITOR_COLUMNS = 'id, site_id, mode, user_id, name, email, created_at, last_seen_at';
const VISITOR_COLUMNS = `${NEW_VISITOR_COLUMNS}, ${MERGED_AT_COLUMN}`;
const CONVERSATION_COLUMNS =
  'id, site_id, visitor_id, status, epoch, last_seq, visitor_read_seq, agent_read_seq, last_agent_seq, ' +
  'last_visitor_seq, created_at, updated_at';
const MESSAGE_COLUMNS =
  'conversation_id, seq, client_id, role, author_id, author_name, body, quick_replies, proactive, created_at, ' +
  'payload_hash';
const CONTEXT_COLUMNS = 'visitor_id, page, attributes, cart, consent, updated_at';
const UPLOAD_COLUMNS = 'id, site_id, visitor_id, agent_id, name, mime, size, path, created_at';

const DAY_MS = 86_400_000;

function toVisitor(row: VisitorRow): VisitorRecord {
  return {
    id: row.id,
    siteId: row.site_id,
    mode: row.mode as VisitorMode,
    userId: row.user_id,
    name: row.name,
    email: row.email,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    mergedAt: row.merged_at,
  };
}

function toConversation(row: ConversationRow): ConversationRecord {
  return {
    id: row.id,
    siteId: row.site_id,
    visitorId: row.visitor_id,
    status: row.status as ConversationStatus,
    epoch: row.epoch,
    lastSeq: row.last_seq,
    visitorReadSeq: row.visitor_read_seq,
    agentReadSeq: row.agent_read_seq,
    lastAgentSeq: row.last_agent_seq,
    lastVisitorSeq: row.last_visitor_seq,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toMessage(row: MessageRow): MessageRecord {
  return {
    conversationId: row.conversation_id,
    seq: row.seq,
    clientId: row.client_id,
    role: row.role as Role,
    authorId: row.author_id,
    authorName: row.author_name,
    body: JSON.parse(row.body) as Body,
    quickReplies: row.quick_replies === null ? null : (JSON.parse(row.quick_replies) as string[]),
    proactive: row.proactive !== 0,
    createdAt: row.created_at,
    payloadHash: row.payload_hash,
  };
}

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function toJson(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

function toContext(row: ContextRow): ContextRecord {
  return {
    visitorId: row.visitor_id,
    page: parseJson<Page>(row.page),
    attributes: parseJson<Attributes>(row.attributes),
    cart: parseJson<Cart>(row.cart),
    consent: parseJson<Consent>(row.consent),
    updatedAt: row.updated_at,
  };
}

function toUpload(row: UploadRow): UploadRecord {
  return {
    id: row.id,
    siteId: row.site_id,
    visitorId: row.visitor_id,
    agentId: row.agent_id,
    name: row.name,
    mime: row.mime,
    size: row.size,
    path: row.path,
    createdAt: row.created_at,
  };
}

/**
 * Which per-side seq a message of this role moves. Only a human agent's reply answers a visitor: a bot's
 * greeting or away note must not take the conversation out of the agents' waiting queue. System notes
 * count for neither side.
 */
function sideOf(role: Role): 'agent' | 'visitor' | 'none' {
  switch (role) {
    case 'agent':
      return 'agent';
    case 'bot':
    case 'system':
      return 'none';
    case 'visitor':
      return 'visitor';
  }
}

/** `day` (UTC `YYYY-MM-DD`) moved by `delta` days. */
function shiftDay(day: string, delta: number): string {
  const time = Date.parse(`${day}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(time))
    throw new Error(`invalid day "${day}": expected YYYY-MM-DD`);
  return new Date(time + delta * DAY_MS).toISOString().slice(0, 10);
}

/** SQLite reads a negative LIMIT as "no limit": clamp so a bad limit can never dump a whole table. */
function clampLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
}

/** Every statement, prepared once (after the schema exists) and reused. */
function prepare(db: Database.Database) {
  const listSql = (condition: string) =>
    `SELECT ${CONVERSATION_COLUMNS} FROM conversations
     WHERE site_id IN (SELECT value FROM json_each(@siteIds)) ${condition}
     ORDER BY updated_at DESC, id DESC LIMIT @limit`;
  type ListParams = { siteIds: string; limit: number };

  const s = {
    insertVisitor: db.prepare<Omit<VisitorRow, 'merged_at'>, VisitorRow>(
      `INSERT INTO visitors (${NEW_VISITOR_COLUMNS})
       VALUES (@id, @site_id, @mode, @user_id, @name, @email, @created_at, @last_seen_at)
       RETURNING ${VISITOR_COLUMNS}`,
    ),
    getVisitor: db.prepare<[string], VisitorRow>(`SELECT ${VISITOR_COLUMNS} FROM visitors WHERE id = ?`),
    findVisitorByUser: db.prepare<[string, string], VisitorRow>(
      `SELECT ${VISITOR_COLUMNS} FROM visitors WHERE site_id = ? AND user_id = ?`,
    ),
    // One statement for every patch shape: a flag per field says whether to set it (null is a value).
    updateVisitor: db.prepare<
      {
        id: string;
        setName: number;
        name: string | null;
        setEmail: number;
        email: string | null;
        setLastSeenAt: number;
        lastSeenAt: number | null;
      },
      VisitorRow
    >(
      `UPDATE visitors SET
         name = CASE WHEN @setName = 1 THEN @name ELSE name END,
         email = CASE WHEN @setEmail = 1 THEN @email ELSE email END,
         last_seen_at = CASE WHEN @setLastSeenAt = 1 THEN @lastSeenAt ELSE last_seen_at END
       WHERE id = @id
       RETURNING ${VISITOR_COLUMNS}`,
    ),
    markMerged: db.prepare<{ id: string; now: number }>('UPDATE visitors SET merged_at = @now WHERE id = @id'),

    insertConversation: db.prepare<ConversationRow, ConversationRow>(
      `INSERT INTO conversations (${CONVERSATION_COLUMNS})
       VALUES (@id, @site_id, @visitor_id, @status, @epoch, @last_seq, @visitor_read_seq, @agent_read_seq,
               @last_agent_seq, @last_visitor_seq, @created_at, @updated_at)
       RETURNING ${CONVERSATION_COLUMNS}`,
    ),
    getConversation: db.prepare<[string], ConversationRow>(
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = ?`,
    ),
    latestConversation: db.prepare<[string], ConversationRow>(
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE visitor_id = ?
       ORDER BY updated_at DESC, created_at DESC, id DESC LIMIT 1`,
    ),
    listAll: db.prepare<ListParams, ConversationRow>(listSql('')),
    listWaiting: db.prepare<ListParams, ConversationRow>(
      listSql(`AND status = 'open' AND last_visitor_seq > last_agent_seq`),
    ),
    listOpen: db.prepare<ListParams, ConversationRow>(listSql(`AND status = 'open'`)),
    listClosed: db.prepare<ListParams, ConversationRow>(listSql(`AND status = 'closed'`)),
    setStatus: db.prepare<{ id: string; status: ConversationStatus; now: number }, ConversationRow>(
      `UPDATE conversations SET status = @status, updated_at = @now WHERE id = @id
       RETURNING ${CONVERSATION_COLUMNS}`,
    ),
    // Two-argument MAX is SQLite's GREATEST: a late or repeated read receipt never lowers the read point.
    markVisitorRead: db.prepare<{ id: string; seq: number }, ConversationRow>(
      `UPDATE conversations SET visitor_read_seq = MAX(visitor_read_seq, @seq) WHERE id = @id
       RETURNING ${CONVERSATION_COLUMNS}`,
    ),
    markAgentRead: db.prepare<{ id: string; seq: number }, ConversationRow>(
      `UPDATE conversations SET agent_read_seq = MAX(agent_read_seq, @seq) WHERE id = @id
       RETURNING ${CONVERSATION_COLUMNS}`,
    ),
    conversationIdsOfVisitor: db.prepare<[string], { id: string }>(
      'SELECT id FROM conversations WHERE visitor_id = ? ORDER BY created_at, id',
    ),
    moveConversations: db.prepare<{ fromId: string; toId: string }>(
      'UPDATE conversations SET visitor_id = @toId WHERE visitor_id = @fromId',
    ),
    bumpConversation: db.prepare<{ id: string; seq: number; side: string; updatedAt: number }>(
      `UPDATE conversations SET
         last_seq = @seq,
         last_agent_seq = CASE WHEN @side = 'agent' THEN @seq ELSE last_agent_seq END,
         last_visitor_seq = CASE WHEN @side = 'visitor' THEN @seq ELSE last_visitor_seq END,
         updated_at = @updatedAt
       WHERE id = @id`,
    ),

    insertMessage: db.prepare<MessageRow, MessageRow>(
      `INSERT INTO messages (${MESSAGE_COLUMNS})
       VALUES (@conversation_id, @seq, @client_id, @role, @author_id, @author_name, @body, @quick_replies,
               @proactive, @created_at, @payload_hash)
       RETURNING ${MESSAGE_COLUMNS}`,
    ),
    messageByClientId: db.prepare<[string, string], MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND client_id = ?`,
    ),
    messagesAfter: db.prepare<[string, number, number], MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    messagesBefore: db.prepare<[string, number, number], MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM (
         SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?
       ) AS page ORDER BY seq`,
    ),
    allMessages: db.prepare<[string], MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY seq`,
    ),
    countUnread: db.prepare<[string], { n: number }>(
      `SELECT COUNT(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.conversation_id = ? AND m.role = 'visitor' AND m.seq > c.agent_read_seq`,
    ),

    upsertContext: db.prepare<ContextRow>(
      `INSERT INTO visitor_contexts (${CONTEXT_COLUMNS})
       VALUES (@visitor_id, @page, @attributes, @cart, @consent, @updated_at)
       ON CONFLICT (visitor_id) DO UPDATE SET
         page = excluded.page, attributes = excluded.attributes, cart = excluded.cart,
         consent = excluded.consent, updated_at = excluded.updated_at`,
    ),
    getContext: db.prepare<[string], ContextRow>(
      `SELECT ${CONTEXT_COLUMNS} FROM visitor_contexts WHERE visitor_id = ?`,
    ),
    deleteContext: db.prepare<[string]>('DELETE FROM visitor_contexts WHERE visitor_id = ?'),

    insertUpload: db.prepare<UploadRow>(
      `INSERT INTO uploads (${UPLOAD_COLUMNS})
       VALUES (@id, @site_id, @visitor_id, @agent_id, @name, @mime, @size, @path, @created_at)`,
    ),
    getUpload: db.prepare<[string], UploadRow>(`SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE id = ?`),
    visitorUploadBytes: db.prepare<[string, number], { bytes: number | null; oldest: number | null }>(
      'SELECT SUM(size) AS bytes, MIN(created_at) AS oldest FROM uploads WHERE visitor_id = ? AND created_at >= ?',
    ),
    siteUploadBytes: db.prepare<[string, number], { bytes: number | null; oldest: number | null }>(
      'SELECT SUM(size) AS bytes, MIN(created_at) AS oldest FROM uploads WHERE site_id = ? AND created_at >= ?',
    ),
    finishUpload: db.prepare<[number, string]>('UPDATE uploads SET size = ? WHERE id = ?'),
    deleteUpload: db.prepare<[string]>('DELETE FROM uploads WHERE id = ?'),
    orphanUploads: db.prepare<[number, number], UploadRow>(
      `SELECT ${UPLOAD_COLUMNS} FROM uploads u WHERE created_at < ?
         AND NOT EXISTS (SELECT 1 FROM messages m WHERE json_extract(m.body, '$.upload') = u.id)
       ORDER BY created_at LIMIT ?`,
    ),

    countEvent: db.prepare<{ siteId: string; day: string; name: string; count: number }>(
      `INSERT INTO event_counts (site_id, day, name, count) VALUES (@siteId, @day, @name, @count)
       ON CONFLICT (site_id, day, name) DO UPDATE SET count = event_counts.count + excluded.count`,
    ),
    dailyCounts: db.prepare<[string, string, string], DailyCount>(
      `SELECT day, name, count FROM event_counts WHERE site_id = ? AND day >= ? AND day <= ? ORDER BY day, name`,
    ),
  };

  const append = db.transaction((sent: NewMessage): AppendResult => {
    const message = { ...sent, clientId: clientIdKey(sent.clientId) };
    const conversation = s.getConversation.get(message.conversationId);
    if (!conversation) throw new Error(`appendMessage: conversation ${message.conversationId} not found`);
    const existing = s.messageByClientId.get(message.conversationId, message.clientId);
    if (existing) {
      return {
        status: existing.payload_hash === message.payloadHash ? 'duplicate' : 'conflict',
        message: toMessage(existing),
      };
    }
    const seq = conversation.last_seq + 1;
    const row = s.insertMessage.get({
      conversation_id: message.conversationId,
      seq,
      client_id: message.clientId,
      role: message.role,
      author_id: message.authorId,
      author_name: message.authorName,
      body: JSON.stringify(message.body),
      quick_replies: toJson(message.quickReplies),
      proactive: message.proactive ? 1 : 0,
      created_at: message.createdAt,
      payload_hash: message.payloadHash,
    });
    if (!row) throw new Error('appendMessage: insert returned no row');
    s.bumpConversation.run({
      id: message.conversationId,
      seq,
      side: sideOf(message.role),
      updatedAt: message.createdAt,
    });
    return { status: 'stored', message: toMessage(row) };
  });

  const merge = db.transaction((fromId: string, toId: string, now: number): string[] => {
    const from = s.getVisitor.get(fromId);
    if (!from) throw new Error(`mergeVisitor: visitor ${fromId} not found`);
    const to = s.getVisitor.get(toId);
    if (!to) throw new Error(`mergeVisitor: visitor ${toId} not found`);
    if (from.site_id !== to.site_id)
      throw new Error(`mergeVisitor: visitors ${fromId} and ${toId} belong to different sites`);
    if (fromId === toId || from.merged_at !== null) return [];

    s.markMerged.run({ id: fromId, now });
    const moved = s.conversationIdsOfVisitor.all(fromId).map((row) => row.id);
    s.moveConversations.run({ fromId, toId });

    // The visitor has one context; when both have one, the more recent wins.
    const fromContext = s.getContext.get(fromId);
    if (fromContext) {
      const toContext = s.getContext.get(toId);
      if (!toContext || toContext.updated_at <= fromContext.updated_at) {
        s.upsertContext.run({ ...fromContext, visitor_id: toId });
      }
      s.deleteContext.run(fromId);
    }
    return moved;
  });

  /** Quota check and insert under one write lock (see `Storage.reserveUpload`). */
  const reserve = db.transaction((upload: UploadRecord, quota: UploadQuota): UploadReservation => {
    const checks = [
      [
        'visitor',
        upload.visitorId ? s.visitorUploadBytes.get(upload.visitorId, quota.since) : undefined,
        quota.visitorBytes,
      ],
      ['site', s.siteUploadBytes.get(upload.siteId, quota.since), quota.siteBytes],
    ] as const;
    for (const [scope, used, limitBytes] of checks) {
      const usedBytes = used?.bytes ?? 0;
      if (usedBytes + upload.size > limitBytes)
        return { ok: false, scope, usedBytes, limitBytes, freesAt: used?.oldest ?? quota.since };
    }
    s.insertUpload.run(uploadRow(upload));
    return { ok: true, visitorUsedBytes: checks[0][1]?.bytes ?? 0 };
  });

  const sweep = db.transaction((before: number, limit: number): UploadRecord[] => {
    const found = s.orphanUploads.all(before, limit);
    for (const row of found) s.deleteUpload.run(row.id);
    return found.map(toUpload);
  });

  return { ...s, append, merge, reserve, sweep };
}

function uploadRow(upload: UploadRecord): UploadRow {
  return {
    id: upload.id,
    site_id: upload.siteId,
    visitor_id: upload.visitorId,
    agent_id: upload.agentId,
    name: upload.name,
    mime: upload.mime,
    size: upload.size,
    path: upload.path,
    created_at: upload.createdAt,
  };
}

type Queries = ReturnType<typeof prepare>;

/**
 * Opens (creating if needed) the SQLite database at `options.file`, or an in-memory one for `':memory:'`.
 * Call `migrate()` before anything else: statements are prepared against the migrated schema.
 */
export function createSqliteStorage(options: { file: string }): Storage {
  const db = new Database(options.file);
  db.pragma('journal_mode = WAL');
  // In WAL mode, NORMAL does not fsync on every commit: a committed transaction survives a crash of this
  // process (it is in the WAL, handed to the OS), though not a power loss or OS crash. Process crashes are
  // what the server's ack guarantee covers, and skipping the fsync keeps appends fast.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');

  let queries: Queries | null = null;
  let closed = false;

  const q = (): Queries => {
    if (closed) throw new Error('storage is closed');
    if (!queries) throw new Error('storage is not migrated: call migrate() first');
    return queries;
  };

  const listStatement = (status: ConversationFilter['status']) => {
    const s = q();
    switch (status) {
      case undefined:
        return s.listAll;
      case 'waiting':
        return s.listWaiting;
      case 'open':
        return s.listOpen;
      case 'closed':
        return s.listClosed;
    }
  };

  return {
    async migrate() {
      if (closed) throw new Error('storage is closed');
      applyMigrations(db);
      queries ??= prepare(db);
    },

    async close() {
      if (closed) return;
      closed = true;
      queries = null;
      // Calls are synchronous, so nothing is pending here; optimize refreshes planner statistics cheaply.
      if (db.open) {
        db.pragma('optimize');
        db.close();
      }
    },

    async createVisitor(visitor) {
      const row = q().insertVisitor.get({
        id: visitor.id,
        site_id: visitor.siteId,
        mode: visitor.mode,
        user_id: visitor.userId,
        name: visitor.name,
        email: visitor.email,
        created_at: visitor.createdAt,
        last_seen_at: visitor.lastSeenAt,
      });
      if (!row) throw new Error(`createVisitor: insert of ${visitor.id} returned no row`);
      return toVisitor(row);
    },

    async getVisitor(id) {
      const row = q().getVisitor.get(id);
      return row ? toVisitor(row) : null;
    },

    async findVisitorByUser(siteId, userId) {
      const row = q().findVisitorByUser.get(siteId, userId);
      return row ? toVisitor(row) : null;
    },

    async updateVisitor(id, patch) {
      const row = q().updateVisitor.get({
        id,
        setName: patch.name === undefined ? 0 : 1,
        name: patch.name ?? null,
        setEmail: patch.email === undefined ? 0 : 1,
        email: patch.email ?? null,
        setLastSeenAt: patch.lastSeenAt === undefined ? 0 : 1,
        lastSeenAt: patch.lastSeenAt ?? null,
      });
      if (!row) throw new Error(`updateVisitor: visitor ${id} not found`);
      return toVisitor(row);
    },

    async mergeVisitor(fromId, toId, now) {
      return q().merge.immediate(fromId, toId, now);
    },

    async createConversation(conversation) {
      const row = q().insertConversation.get({
        id: conversation.id,
        site_id: conversation.siteId,
        visitor_id: conversation.visitorId,
        status: conversation.status,
        epoch: conversation.epoch,
        last_seq: conversation.lastSeq,
        visitor_read_seq: conversation.visitorReadSeq,
        agent_read_seq: conversation.agentReadSeq,
        last_agent_seq: conversation.lastAgentSeq,
        last_visitor_seq: conversation.lastVisitorSeq,
        created_at: conversation.createdAt,
        updated_at: conversation.updatedAt,
      });
      if (!row) throw new Error(`createConversation: insert of ${conversation.id} returned no row`);
      return toConversation(row);
    },

    async getConversation(id) {
      const row = q().getConversation.get(id);
      return row ? toConversation(row) : null;
    },

    async latestConversation(visitorId) {
      const row = q().latestConversation.get(visitorId);
      return row ? toConversation(row) : null;
    },

    async listConversations(filter) {
      const statement = listStatement(filter.status);
      const limit = clampLimit(filter.limit);
      if (filter.siteIds.length === 0 || limit === 0) return [];
      return statement.all({ siteIds: JSON.stringify(filter.siteIds), limit }).map(toConversation);
    },

    async setStatus(id, status, now) {
      const row = q().setStatus.get({ id, status, now });
      if (!row) throw new Error(`setStatus: conversation ${id} not found`);
      return toConversation(row);
    },

    async markRead(id, side, seq) {
      const s = q();
      const row = (side === 'visitor' ? s.markVisitorRead : s.markAgentRead).get({ id, seq });
      if (!row) throw new Error(`markRead: conversation ${id} not found`);
      return toConversation(row);
    },

    async appendMessage(message) {
      // IMMEDIATE: take the write lock before reading last_seq, so a second process cannot interleave.
      return q().append.immediate(message);
    },

    async messagesAfter(conversationId, after, limit) {
      const s = q();
      const n = clampLimit(limit);
      return n === 0 ? [] : s.messagesAfter.all(conversationId, after, n).map(toMessage);
    },

    async messagesBefore(conversationId, before, limit) {
      const s = q();
      const n = clampLimit(limit);
      return n === 0 ? [] : s.messagesBefore.all(conversationId, before, n).map(toMessage);
    },

    async allMessages(conversationId) {
      return q().allMessages.all(conversationId).map(toMessage);
    },

    async countUnread(conversationId) {
      return q().countUnread.get(conversationId)?.n ?? 0;
    },

    async saveContext(context) {
      q().upsertContext.run({
        visitor_id: context.visitorId,
        page: toJson(context.page),
        attributes: toJson(context.attributes),
        cart: toJson(context.cart),
        consent: toJson(context.consent),
        updated_at: context.updatedAt,
      });
    },

    async getContext(visitorId) {
      const row = q().getContext.get(visitorId);
      return row ? toContext(row) : null;
    },

    async saveUpload(upload) {
      q().insertUpload.run(uploadRow(upload));
    },

    async getUpload(id) {
      const row = q().getUpload.get(id);
      return row ? toUpload(row) : null;
    },

    async reserveUpload(upload, quota) {
      // IMMEDIATE: the write lock is taken before the sums are read, so no other reservation interleaves.
      return q().reserve.immediate(upload, quota);
    },

    async finishUpload(id, size) {
      q().finishUpload.run(size, id);
    },

    async deleteUpload(id) {
      q().deleteUpload.run(id);
    },

    async deleteOrphanUploads(before, limit) {
      const n = clampLimit(limit);
      return n === 0 ? [] : q().sweep.immediate(before, n);
    },

    async countEvent(siteId, day, name, count) {
      shiftDay(day, 0);
      q().countEvent.run({ siteId, day, name, count });
    },

    async countEvents(siteId, counts) {
      for (const c of counts) shiftDay(c.day, 0);
      const s = q();
      db.transaction(() => {
        for (const c of counts) s.countEvent.run({ siteId, day: c.day, name: c.name, count: c.count });
      })();
    },

    async dailyCounts(siteId, today, days) {
      const s = q();
      const n = clampLimit(days);
      if (n === 0) return [];
      return s.dailyCounts.all(siteId, shiftDay(today, -(n - 1)), shiftDay(today, 0));
    },
  };
}
