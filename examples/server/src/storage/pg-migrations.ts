/**
 * The PostgreSQL schema of the reference server, as an ordered list of migrations: the same tables,
 * columns and constraints as the SQLite schema (`migrations.ts`), so both pass one test suite.
 *
 * JSON columns use `json`, not `jsonb`: `json` keeps the text exactly as written (key order, escapes such
 * as `\u0000`, which `jsonb` refuses), and storage never looks inside it.
 *
 * Several processes may start at once against one database: every step runs in its own transaction
 * under a transaction-scoped advisory lock, and re-reads the applied version inside it, so each step is
 * applied exactly once and a failed step leaves the database at the previous version.
 */
import type { Pool } from 'pg';
import type { Migration } from './migrations.js';

/**
 * Step 3, the same in both dialects (SQLite spells the UUID test with GLOB):
 *
 * 1. A merged (spent) visitor was marked by `last_seen_at = -1`. It gets its own column, `merged_at`. The
 *    time of an old merge was not recorded: such rows get their `created_at` (the merge happened at or
 *    after it) as both `merged_at` and `last_seen_at`, so no timestamp stays negative.
 * 2. Client ids are deduplicated in lower case when UUID-shaped (`clientIdKey`), but an older server stored
 *    them as sent, so a retry of such a row in another case would be stored twice. Each such row is
 *    lower-cased unless that collides within its conversation. Rows that collide are already duplicates
 *    (one message stored twice in two cases): every copy is kept, as messages are never deleted and seqs
 *    stay gapless; the lower-case key goes to the row that already holds it (the one this server has been
 *    answering retries with) or else to the earliest copy (lowest seq), and later copies keep their case.
 *    Only mixed-case UUID rows pay for the collision checks, each within its own conversation.
 */
const MERGED_AND_CLIENT_IDS = `
  ALTER TABLE visitors ADD COLUMN merged_at BIGINT;
  UPDATE visitors SET merged_at = created_at, last_seen_at = created_at WHERE last_seen_at = -1;

  UPDATE messages AS m SET client_id = lower(m.client_id)
  WHERE m.client_id ~ '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'
    AND m.client_id <> lower(m.client_id)
    AND NOT EXISTS (
      SELECT 1 FROM messages AS other
      WHERE other.conversation_id = m.conversation_id AND other.client_id = lower(m.client_id)
    )
    AND NOT EXISTS (
      SELECT 1 FROM messages AS other
      WHERE other.conversation_id = m.conversation_id AND other.seq < m.seq
        AND lower(other.client_id) = lower(m.client_id)
    );
`;

/** Every PostgreSQL migration, oldest first. Never edit a step that has shipped: append a new one. */
export const pgMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE visitors (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('anonymous', 'identified', 'jwt')),
        user_id TEXT,
        name TEXT,
        email TEXT,
        created_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX visitors_site_user_key ON visitors (site_id, user_id) WHERE user_id IS NOT NULL;

      CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL,
        visitor_id TEXT NOT NULL REFERENCES visitors (id),
        status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
        epoch INTEGER NOT NULL CHECK (epoch >= 1),
        last_seq INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
        visitor_read_seq INTEGER NOT NULL DEFAULT 0,
        agent_read_seq INTEGER NOT NULL DEFAULT 0,
        last_agent_seq INTEGER NOT NULL DEFAULT 0,
        last_visitor_seq INTEGER NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX conversations_visitor_idx ON conversations (visitor_id, updated_at DESC);
      CREATE INDEX conversations_site_idx ON conversations (site_id, updated_at DESC);

      CREATE TABLE messages (
        conversation_id TEXT NOT NULL REFERENCES conversations (id),
        seq INTEGER NOT NULL CHECK (seq >= 1),
        client_id TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('visitor', 'agent', 'bot', 'system')),
        author_id TEXT NOT NULL,
        author_name TEXT,
        body JSON NOT NULL,
        quick_replies JSON,
        proactive BOOLEAN NOT NULL DEFAULT FALSE,
        created_at BIGINT NOT NULL,
        payload_hash TEXT NOT NULL,
        CONSTRAINT messages_pkey PRIMARY KEY (conversation_id, seq),
        CONSTRAINT messages_client_id_key UNIQUE (conversation_id, client_id)
      );

      CREATE TABLE visitor_contexts (
        visitor_id TEXT PRIMARY KEY REFERENCES visitors (id),
        page JSON,
        attributes JSON,
        cart JSON,
        consent JSON,
        updated_at BIGINT NOT NULL
      );

      CREATE TABLE uploads (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL,
        visitor_id TEXT REFERENCES visitors (id),
        agent_id TEXT,
        name TEXT NOT NULL,
        mime TEXT NOT NULL,
        size BIGINT NOT NULL CHECK (size >= 0),
        path TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );

      CREATE TABLE event_counts (
        site_id TEXT NOT NULL,
        day TEXT NOT NULL,
        name TEXT NOT NULL,
        count BIGINT NOT NULL,
        CONSTRAINT event_counts_pkey PRIMARY KEY (site_id, day, name)
      );
    `,
  },
  {
    version: 2,
    name: 'upload quotas and orphan sweep',
    // The upload a message refers to is read from the JSON text, not with ->>: that parses the whole value
    // and fails on escapes jsonb refuses (\u0000), which a message's text may hold.
    sql: `
      CREATE INDEX uploads_visitor_created ON uploads (visitor_id, created_at);
      CREATE INDEX uploads_site_created ON uploads (site_id, created_at);
      CREATE INDEX uploads_created ON uploads (created_at);
      CREATE INDEX messages_upload ON messages ((substring(body::text from '"upload":"([^"]*)"')));
    `,
  },
  {
    version: 3,
    name: 'merged visitors and lower-case client ids',
    sql: MERGED_AND_CLIENT_IDS,
  },
];

/** The advisory lock key migrations hold (any constant; "parlor" in ASCII). */
const MIGRATION_LOCK = 0x7061726c6f72;

/**
 * Brings the database behind `pool` up to the newest version in `list` and returns that version.
 * Idempotent and safe to run from several processes at once. Throws if the database was written by a
 * newer version of the server than this one knows.
 */
export async function applyPgMigrations(pool: Pool, list: readonly Migration[] = pgMigrations): Promise<number> {
  list.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration #${index} has version ${migration.version}, expected ${index + 1}`);
    }
  });
  const latest = list.length;
  const client = await pool.connect();
  try {
    for (;;) {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await client.query(`
          CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at BIGINT NOT NULL
          )`);
        const { rows } = await client.query<{ version: number | null }>(
          'SELECT MAX(version) AS version FROM schema_migrations',
        );
        const current = rows[0]?.version ?? 0;
        if (current > latest) {
          throw new Error(`database schema version ${current} is newer than this server supports (${latest})`);
        }
        const next = list[current];
        if (!next) {
          await client.query('COMMIT');
          return latest;
        }
        await client.query(next.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          next.version,
          next.name,
          Date.now(),
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    client.release();
  }
}
