/**
 * {@link Storage} on PostgreSQL (`pg`), for running several server processes on one database. Selected by
 * `DATABASE_URL`; it passes the same contract suite as the embedded SQLite default.
 *
 * Correctness across processes rests on the database, never on in-process locks:
 * - `appendMessage` is ONE statement (so one implicit transaction and one round trip): it bumps the
 *   conversation's `last_seq` with an `UPDATE … RETURNING` — which row-locks the conversation, so
 *   concurrent appends from any number of processes queue there and each sees the previous one's seq — and
 *   inserts the message with that seq. If the statement fails, the bump rolls back with it: no gaps.
 * - Dedupe is the unique constraint on (conversation, client id). Two writers that both saw no earlier
 *   copy race to insert; the loser's whole statement fails with a unique violation and is re-run, and then
 *   finds the winner's row ("duplicate" or "conflict").
 */
import pg from 'pg';
import { MERGED_AT_COLUMN } from './migrations.js';
import { applyPgMigrations } from './pg-migrations.js';
import {
  CONTEXT_COLUMNS,
  CONVERSATION_COLUMNS,
  MESSAGE_COLUMNS,
  NEW_VISITOR_COLUMNS,
  UNIQUE_VIOLATION,
  UPLOAD_COLUMNS,
  VISITOR_COLUMNS,
  clampLimit,
  json,
  shiftDay,
  sideOf,
  toContext,
  toConversation,
  toMessage,
  toUpload,
  toVisitor,
  types,
  type Row,
} from './pg-rows.js';
import {
  clientIdKey,
  type AppendResult,
  type DailyCount,
  type Storage,
  type UploadRecord,
  type UploadReservation,
} from './storage.js';

/** First key of the advisory lock upload reservations take per site (any constant; "upload" in ASCII). */
const UPLOAD_LOCK = 0x75706c6f;

/** One upload row, as `saveUpload` and `reserveUpload` insert it. */
const INSERT_UPLOAD = `INSERT INTO uploads (${UPLOAD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;
const uploadValues = (u: UploadRecord): unknown[] => [
  u.id,
  u.siteId,
  u.visitorId,
  u.agentId,
  u.name,
  u.mime,
  u.size,
  u.path,
  u.createdAt,
];

/** Options of {@link createPgStorage}. */
export interface PgStorageOptions {
  /** A `postgres://` URL, e.g. from `DATABASE_URL`. */
  connectionString: string;
  /** Connections in this process's pool (default 10). Each server process holds its own pool. */
  maxConnections?: number;
}

// One statement: see the module comment. `existing` and `inserted` never both return a row.
const APPEND_SQL = `
  WITH existing AS (
    SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND client_id = $2
  ), bumped AS (
    UPDATE conversations SET
      last_seq = last_seq + 1,
      last_agent_seq = CASE WHEN $3::text = 'agent' THEN last_seq + 1 ELSE last_agent_seq END,
      last_visitor_seq = CASE WHEN $3::text = 'visitor' THEN last_seq + 1 ELSE last_visitor_seq END,
      updated_at = $10::bigint
    WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM existing)
    RETURNING last_seq
  ), inserted AS (
    INSERT INTO messages (${MESSAGE_COLUMNS})
    SELECT $1, bumped.last_seq, $2, $4::text, $5::text, $6::text, $7::json, $8::json, $9::boolean, $10::bigint,
           $11::text
    FROM bumped
    RETURNING ${MESSAGE_COLUMNS}
  )
  SELECT TRUE AS stored, * FROM inserted
  UNION ALL
  SELECT FALSE AS stored, * FROM existing`;

const LIST_CONDITIONS = {
  all: '',
  waiting: `AND status = 'open' AND last_visitor_seq > last_agent_seq`,
  open: `AND status = 'open'`,
  closed: `AND status = 'closed'`,
} as const;

/**
 * Connects a pool to PostgreSQL. Call `migrate()` before anything else (every process may: it is safe to
 * run concurrently).
 *
 * @example
 * ```ts
 * const storage = createPgStorage({ connectionString: process.env.DATABASE_URL! });
 * await storage.migrate();
 * ```
 */
export function createPgStorage(options: PgStorageOptions): Storage {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10, types });
  // An idle connection the server drops (restart, failover) must not crash the process: the pool replaces it.
  pool.on('error', () => undefined);
  const pending = new Set<Promise<unknown>>();
  let closed = false;

  /** Runs `work` unless closed, tracked so `close()` lets it finish first. */
  function track<T>(work: () => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new Error('storage is closed'));
    const promise = work();
    pending.add(promise);
    const done = () => pending.delete(promise);
    promise.then(done, done);
    return promise;
  }

  // Every statement is named, so each connection parses and plans it once and then only binds values.
  const names = new Map<string, string>();
  const named = (text: string, values: unknown[]) => {
    let name = names.get(text);
    if (!name) names.set(text, (name = `parlor_${names.size + 1}`));
    return { name, text, values };
  };
  const rows = (sql: string, params: unknown[] = []) =>
    track(async () => (await pool.query<Row>(named(sql, params))).rows);
  const one = async (sql: string, params: unknown[], what: string) => {
    const [row] = await rows(sql, params);
    if (!row) throw new Error(`${what}: not found`);
    return row;
  };
  const maybe = async <T>(sql: string, params: unknown[], map: (r: Row) => T) => {
    const [row] = await rows(sql, params);
    return row ? map(row) : null;
  };

  /** Runs `work` in one transaction on one connection. */
  const transaction = <T>(work: (client: pg.PoolClient) => Promise<T>) =>
    track(async () => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    });

  async function append(message: Parameters<Storage['appendMessage']>[0]): Promise<AppendResult> {
    const params = [
      message.conversationId,
      clientIdKey(message.clientId),
      sideOf(message.role),
      message.role,
      message.authorId,
      message.authorName,
      JSON.stringify(message.body),
      json(message.quickReplies),
      message.proactive,
      message.createdAt,
      message.payloadHash,
    ];
    for (let attempt = 0; ; attempt++) {
      let result;
      try {
        result = await pool.query<Row>(named(APPEND_SQL, params));
      } catch (error) {
        // Lost the race to store this client id: run again to read the winner's row.
        if ((error as { code?: string }).code === UNIQUE_VIOLATION && attempt < 3) continue;
        throw error;
      }
      const [row] = result.rows;
      if (!row) throw new Error(`appendMessage: conversation ${message.conversationId} not found`);
      const stored = toMessage(row);
      if (row.stored) return { status: 'stored', message: stored };
      return { status: stored.payloadHash === message.payloadHash ? 'duplicate' : 'conflict', message: stored };
    }
  }

  return {
    async migrate() {
      await track(() => applyPgMigrations(pool));
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...pending]);
      await pool.end();
    },

    async createVisitor(v) {
      const row = await one(
        `INSERT INTO visitors (${NEW_VISITOR_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${VISITOR_COLUMNS}`,
        [v.id, v.siteId, v.mode, v.userId, v.name, v.email, v.createdAt, v.lastSeenAt],
        'createVisitor',
      );
      return toVisitor(row);
    },

    getVisitor: (id) => maybe(`SELECT ${VISITOR_COLUMNS} FROM visitors WHERE id = $1`, [id], toVisitor),

    findVisitorByUser: (siteId, userId) =>
      maybe(`SELECT ${VISITOR_COLUMNS} FROM visitors WHERE site_id = $1 AND user_id = $2`, [siteId, userId], toVisitor),

    async updateVisitor(id, patch) {
      const row = await one(
        `UPDATE visitors SET
           name = CASE WHEN $2 THEN $3 ELSE name END,
           email = CASE WHEN $4 THEN $5 ELSE email END,
           last_seen_at = CASE WHEN $6 THEN $7::bigint ELSE last_seen_at END
         WHERE id = $1 RETURNING ${VISITOR_COLUMNS}`,
        [
          id,
          patch.name !== undefined,
          patch.name ?? null,
          patch.email !== undefined,
          patch.email ?? null,
          patch.lastSeenAt !== undefined,
          patch.lastSeenAt ?? null,
        ],
        `updateVisitor ${id}`,
      );
      return toVisitor(row);
    },

    mergeVisitor: (fromId, toId, now) =>
      transaction(async (client) => {
        // Lock both visitors (in id order, so two merges never deadlock) before reading anything.
        const found = await client.query<Row>(
          `SELECT id, site_id, ${MERGED_AT_COLUMN} FROM visitors WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
          [[fromId, toId]],
        );
        const from = found.rows.find((r) => r.id === fromId);
        const to = found.rows.find((r) => r.id === toId);
        if (!from) throw new Error(`mergeVisitor: visitor ${fromId} not found`);
        if (!to) throw new Error(`mergeVisitor: visitor ${toId} not found`);
        if (from.site_id !== to.site_id)
          throw new Error(`mergeVisitor: visitors ${fromId} and ${toId} belong to different sites`);
        if (fromId === toId || from.merged_at !== null) return [];
        await client.query('UPDATE visitors SET merged_at = $2 WHERE id = $1', [fromId, now]);
        const moved = await client.query<{ id: string }>(
          `WITH moved AS (UPDATE conversations SET visitor_id = $2 WHERE visitor_id = $1 RETURNING id, created_at)
           SELECT id FROM moved ORDER BY created_at, id`,
          [fromId, toId],
        );
        const contexts = await client.query<Row>(
          `SELECT ${CONTEXT_COLUMNS} FROM visitor_contexts WHERE visitor_id = ANY($1::text[]) FOR UPDATE`,
          [[fromId, toId]],
        );
        const fromContext = contexts.rows.find((r) => r.visitor_id === fromId);
        const toContext = contexts.rows.find((r) => r.visitor_id === toId);
        if (fromContext) {
          // The visitor has one context; when both have one, the more recent wins.
          if (!toContext || (toContext.updated_at as number) <= (fromContext.updated_at as number)) {
            await client.query(
              `INSERT INTO visitor_contexts (${CONTEXT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (visitor_id) DO UPDATE SET page = excluded.page, attributes = excluded.attributes,
                 cart = excluded.cart, consent = excluded.consent, updated_at = excluded.updated_at`,
              [
                toId,
                json(fromContext.page ?? null),
                json(fromContext.attributes ?? null),
                json(fromContext.cart ?? null),
                json(fromContext.consent ?? null),
                fromContext.updated_at,
              ],
            );
          }
          await client.query('DELETE FROM visitor_contexts WHERE visitor_id = $1', [fromId]);
        }
        return moved.rows.map((r) => r.id);
      }),

    async createConversation(c) {
      const row = await one(
        `INSERT INTO conversations (${CONVERSATION_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${CONVERSATION_COLUMNS}`,
        [
          c.id,
          c.siteId,
          c.visitorId,
          c.status,
          c.epoch,
          c.lastSeq,
          c.visitorReadSeq,
          c.agentReadSeq,
          c.lastAgentSeq,
          c.lastVisitorSeq,
          c.createdAt,
          c.updatedAt,
        ],
        'createConversation',
      );
      return toConversation(row);
    },

    getConversation: (id) =>
      maybe(`SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = $1`, [id], toConversation),

    latestConversation: (visitorId) =>
      maybe(
        `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE visitor_id = $1
         ORDER BY updated_at DESC, created_at DESC, id DESC LIMIT 1`,
        [visitorId],
        toConversation,
      ),

    async listConversations(filter) {
      const limit = clampLimit(filter.limit);
      if (filter.siteIds.length === 0 || limit === 0) return [];
      const found = await rows(
        `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE site_id = ANY($1::text[])
         ${LIST_CONDITIONS[filter.status ?? 'all']} ORDER BY updated_at DESC, id DESC LIMIT $2`,
        [filter.siteIds, limit],
      );
      return found.map(toConversation);
    },

    async setStatus(id, status, now) {
      const row = await one(
        `UPDATE conversations SET status = $2, updated_at = $3 WHERE id = $1 RETURNING ${CONVERSATION_COLUMNS}`,
        [id, status, now],
        `setStatus ${id}`,
      );
      return toConversation(row);
    },

    async markRead(id, side, seq) {
      const column = side === 'visitor' ? 'visitor_read_seq' : 'agent_read_seq';
      const row = await one(
        `UPDATE conversations SET ${column} = GREATEST(${column}, $2) WHERE id = $1 RETURNING ${CONVERSATION_COLUMNS}`,
        [id, seq],
        `markRead ${id}`,
      );
      return toConversation(row);
    },

    appendMessage: (message) => track(() => append(message)),

    async messagesAfter(conversationId, after, limit) {
      const n = clampLimit(limit);
      if (n === 0) return [];
      const found = await rows(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND seq > $2::bigint ORDER BY seq LIMIT $3`,
        [conversationId, after, n],
      );
      return found.map(toMessage);
    },

    async messagesBefore(conversationId, before, limit) {
      const n = clampLimit(limit);
      if (n === 0) return [];
      const found = await rows(
        `SELECT * FROM (
           SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND seq < $2::bigint ORDER BY seq DESC LIMIT $3
         ) AS page ORDER BY seq`,
        [conversationId, before, n],
      );
      return found.map(toMessage);
    },

    async allMessages(conversationId) {
      const found = await rows(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 ORDER BY seq`, [
        conversationId,
      ]);
      return found.map(toMessage);
    },

    async countUnread(conversationId) {
      const [row] = await rows(
        `SELECT COUNT(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE m.conversation_id = $1 AND m.role = 'visitor' AND m.seq > c.agent_read_seq`,
        [conversationId],
      );
      return (row?.n as number | undefined) ?? 0;
    },

    async saveContext(c) {
      await rows(
        `INSERT INTO visitor_contexts (${CONTEXT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (visitor_id) DO UPDATE SET page = excluded.page, attributes = excluded.attributes,
           cart = excluded.cart, consent = excluded.consent, updated_at = excluded.updated_at`,
        [c.visitorId, json(c.page), json(c.attributes), json(c.cart), json(c.consent), c.updatedAt],
      );
    },

    getContext: (visitorId) =>
      maybe(`SELECT ${CONTEXT_COLUMNS} FROM visitor_contexts WHERE visitor_id = $1`, [visitorId], toContext),

    async saveUpload(u) {
      await rows(INSERT_UPLOAD, uploadValues(u));
    },

    getUpload: (id) => maybe(`SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE id = $1`, [id], toUpload),

    reserveUpload: (u, quota) =>
      transaction(async (client): Promise<UploadReservation> => {
        // One site's reservations take turns (a transaction-scoped lock), so parallel uploads on any
        // process cannot together pass a quota; other sites are not held up.
        await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [UPLOAD_LOCK, u.siteId]);
        const sum = async (column: 'visitor_id' | 'site_id', value: string) => {
          const { rows: found } = await client.query<{ bytes: string | null; oldest: string | null }>(
            `SELECT SUM(size) AS bytes, MIN(created_at) AS oldest FROM uploads WHERE ${column} = $1 AND created_at >= $2`,
            [value, quota.since],
          );
          return { bytes: Number(found[0]?.bytes ?? 0), oldest: Number(found[0]?.oldest ?? quota.since) };
        };
        const checks = [
          ['visitor', u.visitorId ? await sum('visitor_id', u.visitorId) : null, quota.visitorBytes],
          ['site', await sum('site_id', u.siteId), quota.siteBytes],
        ] as const;
        for (const [scope, used, limitBytes] of checks) {
          if (used && used.bytes + u.size > limitBytes)
            return { ok: false, scope, usedBytes: used.bytes, limitBytes, freesAt: used.oldest };
        }
        await client.query(INSERT_UPLOAD, uploadValues(u));
        return { ok: true, visitorUsedBytes: checks[0][1]?.bytes ?? 0 };
      }),

    async finishUpload(id, size) {
      await rows('UPDATE uploads SET size = $2 WHERE id = $1', [id, size]);
    },

    async deleteUpload(id) {
      await rows('DELETE FROM uploads WHERE id = $1', [id]);
    },

    async deleteOrphanUploads(before, limit) {
      const n = clampLimit(limit);
      if (n === 0) return [];
      // One statement: the rows chosen are the rows deleted, whatever another process sweeps meanwhile.
      const found = await rows(
        `DELETE FROM uploads WHERE id IN (
           SELECT u.id FROM uploads u WHERE u.created_at < $1
             AND NOT EXISTS (
               SELECT 1 FROM messages m WHERE substring(m.body::text from '"upload":"([^"]*)"') = u.id
             )
           ORDER BY u.created_at LIMIT $2 FOR UPDATE SKIP LOCKED
         ) RETURNING ${UPLOAD_COLUMNS}`,
        [before, n],
      );
      return found.map(toUpload);
    },

    async countEvent(siteId, day, name, count) {
      shiftDay(day, 0);
      await rows(
        `INSERT INTO event_counts (site_id, day, name, count) VALUES ($1, $2, $3, $4)
         ON CONFLICT (site_id, day, name) DO UPDATE SET count = event_counts.count + excluded.count`,
        [siteId, day, name, count],
      );
    },

    async countEvents(siteId, counts) {
      for (const c of counts) shiftDay(c.day, 0);
      await transaction(async (client) => {
        for (const c of counts)
          await client.query(
            `INSERT INTO event_counts (site_id, day, name, count) VALUES ($1, $2, $3, $4)
             ON CONFLICT (site_id, day, name) DO UPDATE SET count = event_counts.count + excluded.count`,
            [siteId, c.day, c.name, c.count],
          );
      });
    },

    async dailyCounts(siteId, today, days) {
      const n = clampLimit(days);
      if (n === 0) return [];
      const found = await rows(
        `SELECT day, name, count FROM event_counts WHERE site_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, name`,
        [siteId, shiftDay(today, -(n - 1)), shiftDay(today, 0)],
      );
      return found.map((r): DailyCount => ({ day: r.day as string, name: r.name as string, count: r.count as number }));
    },
  };
}
