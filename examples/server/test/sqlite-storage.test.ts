import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { applyMigrations, migrations, type Migration } from '../src/storage/migrations.js';
import { createSqliteStorage } from '../src/storage/sqlite-storage.js';
import { storageSuite, type LegacyDatabase } from '../src/storage/storage-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'parlor-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A fresh database file in the temp directory (its -wal/-shm companions land there too). */
const newFile = (): string => join(dir, `test-${++files}.db`);

/** A database file as a server that knew only the first `version` migrations left it. */
async function legacy(version: number): Promise<LegacyDatabase> {
  const file = newFile();
  const db = new Database(file);
  applyMigrations(db, migrations.slice(0, version));
  return {
    async exec(sql) {
      db.exec(sql);
    },
    async open() {
      db.close();
      return createSqliteStorage({ file });
    },
    async dispose() {
      if (db.open) db.close();
    },
  };
}

storageSuite('sqlite (memory)', async () => createSqliteStorage({ file: ':memory:' }));
storageSuite('sqlite (file)', async () => createSqliteStorage({ file: newFile() }), legacy);

describe('sqlite storage on disk', () => {
  it('keeps data across closing and reopening the file', async () => {
    const file = newFile();
    const first = createSqliteStorage({ file });
    await first.migrate();
    const visitor = await first.createVisitor({
      id: 'v_aaaaaaaaaaaaaaaaaaaaaa',
      siteId: 'demo',
      mode: 'identified',
      userId: 'u-1',
      name: 'Ada',
      email: null,
      createdAt: 1,
      lastSeenAt: 2,
    });
    const conversation = await first.createConversation({
      id: 'c_aaaaaaaaaaaaaaaaaaaaaa',
      siteId: 'demo',
      visitorId: visitor.id,
      status: 'open',
      epoch: 1,
      lastSeq: 0,
      visitorReadSeq: 0,
      agentReadSeq: 0,
      lastAgentSeq: 0,
      lastVisitorSeq: 0,
      createdAt: 3,
      updatedAt: 3,
    });
    const written = [];
    for (let i = 0; i < 3; i++) {
      const result = await first.appendMessage({
        conversationId: conversation.id,
        clientId: `client-${i}`,
        role: 'visitor',
        authorId: visitor.id,
        authorName: null,
        body: { kind: 'text', text: `hello ${i}` },
        quickReplies: null,
        proactive: false,
        createdAt: 10 + i,
        payloadHash: `h${i}`,
      });
      written.push(result.message);
    }
    await first.saveContext({
      visitorId: visitor.id,
      page: { url: 'https://example.com/' },
      attributes: null,
      cart: null,
      consent: { context: true, analytics: true },
      updatedAt: 20,
    });
    await first.countEvent('demo', '2025-01-01', 'open', 2);
    const conversationBefore = await first.getConversation(conversation.id);
    await first.close();

    const second = createSqliteStorage({ file });
    try {
      await second.migrate();
      assert.deepEqual(await second.getVisitor(visitor.id), visitor);
      assert.deepEqual(await second.findVisitorByUser('demo', 'u-1'), visitor);
      assert.deepEqual(await second.getConversation(conversation.id), conversationBefore);
      assert.deepEqual(await second.allMessages(conversation.id), written);
      assert.equal((await second.getContext(visitor.id))?.page?.url, 'https://example.com/');
      assert.deepEqual(await second.dailyCounts('demo', '2025-01-01', 1), [
        { day: '2025-01-01', name: 'open', count: 2 },
      ]);
      const retry = await second.appendMessage({ ...written[0]!, createdAt: 99 });
      assert.equal(retry.status, 'duplicate');
      const next = await second.appendMessage({ ...written[0]!, clientId: 'client-3', payloadHash: 'h3' });
      assert.equal(next.message.seq, 4);
    } finally {
      await second.close();
    }
  });

  it('reopening an existing database applies no migration twice', async () => {
    const file = newFile();
    const first = createSqliteStorage({ file });
    await first.migrate();
    await first.close();

    const readVersions = () => {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version').all();
      } finally {
        db.close();
      }
    };
    const versions = readVersions();
    assert.deepEqual(
      versions.map((row) => row.version),
      migrations.map((m) => m.version),
    );

    for (let i = 0; i < 2; i++) {
      const again = createSqliteStorage({ file });
      await again.migrate();
      await again.migrate();
      await again.close();
    }
    assert.deepEqual(readVersions(), versions);
  });

  it('applies only the missing steps, each atomically, and refuses a newer database', () => {
    const db = new Database(':memory:');
    try {
      const extra: Migration[] = [
        ...migrations,
        { version: migrations.length + 1, name: 'add notes', sql: 'CREATE TABLE notes (id TEXT PRIMARY KEY)' },
        {
          version: migrations.length + 2,
          name: 'broken',
          sql: 'CREATE TABLE half_done (id TEXT); SELECT * FROM no_such_table',
        },
      ];
      assert.equal(applyMigrations(db), migrations.length);
      assert.throws(() => applyMigrations(db, extra), /no_such_table/);
      const tables = db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all()
        .map((row) => row.name);
      assert.ok(tables.includes('notes'), 'the good step stays applied');
      assert.ok(!tables.includes('half_done'), 'the failed step is rolled back entirely');
      const version = db.prepare<[], { v: number }>('SELECT MAX(version) AS v FROM schema_migrations').get();
      assert.equal(version?.v, migrations.length + 1);
      assert.throws(() => applyMigrations(db), /newer than this server supports/);
    } finally {
      db.close();
    }
  });
});
