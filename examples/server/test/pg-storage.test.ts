/**
 * The storage contract suite on PostgreSQL, plus what only a shared database can show: migrations run
 * by several processes at once, and seqs and dedupe kept by the database across separate pools (as
 * separate server processes would hold them).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { applyPgMigrations, pgMigrations } from '../src/storage/pg-migrations.js';
import { createPgStorage } from '../src/storage/pg-storage.js';
import { storageSuite, type LegacyDatabase } from '../src/storage/storage-suite.js';
import type { NewMessage, Storage } from '../src/storage/storage.js';
import { freshSchema, useServices } from './services.js';

const services = await useServices();
if (!services.ok) {
  describe('storage: postgres', () => {
    it('needs PostgreSQL', { skip: services.reason }, () => {});
  });
} else {
  const schema = await freshSchema(services.databaseUrl);
  after(async () => {
    await schema.drop();
    await services.stop();
  });

  storageSuite(
    'postgres',
    async () => createPgStorage({ connectionString: schema.url }),
    // A schema of its own, as a server that knew only the first `version` migrations left it.
    async (version): Promise<LegacyDatabase> => {
      const fresh = await freshSchema(services.databaseUrl);
      const pool = new pg.Pool({ connectionString: fresh.url, max: 1 });
      await applyPgMigrations(pool, pgMigrations.slice(0, version));
      return {
        async exec(sql) {
          await pool.query(sql);
        },
        async open() {
          await pool.end();
          return createPgStorage({ connectionString: fresh.url });
        },
        async dispose() {
          if (!pool.ended) await pool.end();
          await fresh.drop();
        },
      };
    },
  );

  describe('postgres storage across processes', () => {
    // Four pools stand for four server processes: nothing in this process coordinates them.
    const pools: Storage[] = [];
    before(async () => {
      for (let i = 0; i < 4; i++) pools.push(createPgStorage({ connectionString: schema.url, maxConnections: 4 }));
      await Promise.all(pools.map((p) => p.migrate()));
    });
    after(() => Promise.all(pools.map((p) => p.close())));

    const conversation = async () => {
      const [first] = pools;
      assert.ok(first);
      const id = `v_${randomUUID()}`;
      await first.createVisitor({
        id,
        siteId: 'shop',
        mode: 'anonymous',
        userId: null,
        name: null,
        email: null,
        createdAt: 1,
        lastSeenAt: 1,
      });
      return first.createConversation({
        id: `c_${randomUUID()}`,
        siteId: 'shop',
        visitorId: id,
        status: 'open',
        epoch: 1,
        lastSeq: 0,
        visitorReadSeq: 0,
        agentReadSeq: 0,
        lastAgentSeq: 0,
        lastVisitorSeq: 0,
        createdAt: 1,
        updatedAt: 1,
      });
    };
    const message = (conversationId: string, clientId = randomUUID()): NewMessage => ({
      conversationId,
      clientId,
      role: 'visitor',
      authorId: 'v',
      authorName: null,
      body: { kind: 'text', text: clientId },
      quickReplies: null,
      proactive: false,
      createdAt: 2,
      payloadHash: `h-${clientId}`,
    });

    it('records each migration once when several processes migrate at the same moment', async () => {
      const fresh = await freshSchema(services.databaseUrl);
      const racers = Array.from({ length: 5 }, () =>
        createPgStorage({ connectionString: fresh.url, maxConnections: 2 }),
      );
      try {
        await Promise.all(racers.map((s) => s.migrate()));
        const client = new pg.Client({ connectionString: fresh.url });
        await client.connect();
        const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY 1');
        await client.end();
        assert.deepEqual(
          rows.map((r) => r.version),
          pgMigrations.map((m) => m.version),
        );
      } finally {
        await Promise.all(racers.map((s) => s.close()));
        await fresh.drop();
      }
    });

    it('keeps seqs gapless when four processes append 400 messages to one conversation at once', async () => {
      const c = await conversation();
      const results = await Promise.all(
        Array.from({ length: 400 }, (_, i) => pools[i % pools.length]!.appendMessage(message(c.id))),
      );
      assert.ok(results.every((r) => r.status === 'stored'));
      const seqs = results.map((r) => r.message.seq).sort((a, b) => a - b);
      assert.deepEqual(
        seqs,
        Array.from({ length: 400 }, (_, i) => i + 1),
      );
      assert.equal((await pools[0]!.getConversation(c.id))?.lastSeq, 400);
    });

    it('stores a message retried through four processes at once exactly once', async () => {
      const c = await conversation();
      for (let round = 0; round < 10; round++) {
        const input = message(c.id);
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) => pools[i % pools.length]!.appendMessage(input)),
        );
        assert.equal(results.filter((r) => r.status === 'stored').length, 1, `round ${round}`);
        assert.ok(results.every((r) => r.message.seq === round + 1));
      }
      const all = await pools[1]!.allMessages(c.id);
      assert.deepEqual(
        all.map((m) => m.seq),
        Array.from({ length: 10 }, (_, i) => i + 1),
      );
      assert.equal(new Set(all.map((m) => m.clientId)).size, 10);
    });

    it('keeps JSON text exactly, including characters jsonb would refuse', async () => {
      const c = await conversation();
      const input = message(c.id);
      input.body = { kind: 'text', text: 'nul \u0000 and lone \ud800 and "quotes"' };
      input.quickReplies = ['z', 'a'];
      const stored = await pools[2]!.appendMessage(input);
      const [read] = await pools[3]!.allMessages(c.id);
      assert.deepEqual(read, stored.message);
      assert.deepEqual(read?.body, input.body);
    });
  });
}
