/**
 * The SQLite schema of the reference server, as an ordered list of migrations. A database records the
 * versions it has applied in `schema_migrations`; `applyMigrations` runs the missing ones in order, each in
 * its own transaction, so a failed step leaves the database at the previous version.
 *
 * Never edit a step that has shipped: append a new one. The SQL stays close to PostgreSQL where that costs
 * nothing (TEXT, BIGINT, BOOLEAN, named constraints, partial indexes, `ON CONFLICT`), so the PostgreSQL
 * schema can be a near copy; JSON is stored as TEXT here (JSONB there).
 */
import type Database from 'better-sqlite3';

/** One schema step. */
export interface Migration {
  /** 1, 2, 3…: applied in this order, each exactly once. */
  version: number;
  /** A short description, recorded with the version. */
  name: string;
  /** One or more SQL statements. */
  sql: string;
}

/**
 * How storage reads `merged_at`, the same in both dialects. A server from before migration 3 still marks a
 * merged visitor with `last_seen_at = -1`, and during a rolling upgrade such a process may run beside the
 * ones that migrated: its marks count as merged (at `created_at`, the merge time being unknown) so a spent
 * token never resumes a visitor, whichever process merged it (protocol §5.4).
 */
export const MERGED_AT_COLUMN = 'COALESCE(merged_at, CASE WHEN last_seen_at = -1 THEN created_at END) AS merged_at';

/** Every migration, oldest first. */
export const migrations: readonly Migration[] = [
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

      -- body and quick_replies are JSON text; storage never rewrites the text inside them.
      CREATE TABLE messages (
        conversation_id TEXT NOT NULL REFERENCES conversations (id),
        seq INTEGER NOT NULL CHECK (seq >= 1),
        client_id TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('visitor', 'agent', 'bot', 'system')),
        author_id TEXT NOT NULL,
        author_name TEXT,
        body TEXT NOT NULL,
        quick_replies TEXT,
        proactive BOOLEAN NOT NULL DEFAULT FALSE,
        created_at BIGINT NOT NULL,
        payload_hash TEXT NOT NULL,
        CONSTRAINT messages_pkey PRIMARY KEY (conversation_id, seq),
        CONSTRAINT messages_client_id_key UNIQUE (conversation_id, client_id)
      );

      CREATE TABLE visitor_contexts (
        visitor_id TEXT PRIMARY KEY REFERENCES visitors (id),
        page TEXT,
        attributes TEXT,
        cart TEXT,
        consent TEXT,
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
    sql: `
      CREATE INDEX uploads_visitor_created ON uploads (visitor_id, created_at);
      CREATE INDEX uploads_site_created ON uploads (site_id, created_at);
      CREATE INDEX uploads_created ON uploads (created_at);
      CREATE INDEX messages_upload ON messages (json_extract(body, '$.upload'));
    `,
  },
  {
    version: 3,
    name: 'merged visitors and lower-case client ids',
    // The same step as in pg-migrations.ts (`MERGED_AND_CLIENT_IDS` says why each part is there), with GLOB for
    // the UUID shape: SQLite has no regular expressions built in.
    sql: `
      ALTER TABLE visitors ADD COLUMN merged_at BIGINT;
      UPDATE visitors SET merged_at = created_at, last_seen_at = created_at WHERE last_seen_at = -1;

      UPDATE messages SET client_id = lower(client_id)
      WHERE client_id GLOB '${uuidGlob()}'
        AND client_id <> lower(client_id)
        AND NOT EXISTS (
          SELECT 1 FROM messages AS other
          WHERE other.conversation_id = messages.conversation_id AND other.client_id = lower(messages.client_id)
        )
        AND NOT EXISTS (
          SELECT 1 FROM messages AS other
          WHERE other.conversation_id = messages.conversation_id AND other.seq < messages.seq
            AND lower(other.client_id) = lower(messages.client_id)
        );
    `,
  },
];

/** A GLOB pattern for a UUID in any case: 8-4-4-4-12 hex digits. */
function uuidGlob(): string {
  return [8, 4, 4, 4, 12].map((n) => '[0-9A-Fa-f]'.repeat(n)).join('-');
}

/**
 * Brings `db` up to the newest version in `list` (default: {@link migrations}) and returns that version.
 * Idempotent. Throws if the database was written by a newer version of the server than this one knows.
 */
export function applyMigrations(db: Database.Database, list: readonly Migration[] = migrations): number {
  list.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration #${index} has version ${migration.version}, expected ${index + 1}`);
    }
  });
  const latest = list.length;

  db.exec(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at BIGINT NOT NULL
    )
  `);
  const currentVersion = db.prepare<[], { version: number | null }>(
    'SELECT MAX(version) AS version FROM schema_migrations',
  );
  const record = db.prepare<[number, string, number]>(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );

  const step = db.transaction((migration: Migration): boolean => {
    // Re-read inside the write lock: another process may have applied this step meanwhile.
    const current = currentVersion.get()?.version ?? 0;
    if (current >= migration.version) return false;
    db.exec(migration.sql);
    record.run(migration.version, migration.name, Date.now());
    return true;
  });

  const before = currentVersion.get()?.version ?? 0;
  if (before > latest) {
    throw new Error(`database schema version ${before} is newer than this server supports (${latest})`);
  }
  for (const migration of list.slice(before)) {
    // IMMEDIATE takes the write lock before the version check, so two processes never apply one step twice.
    step.immediate(migration);
  }
  return latest;
}
