/**
 * The behavioural contract of {@link Storage}, as a node:test suite every implementation runs unchanged
 * (SQLite now, PostgreSQL later): `storageSuite('postgres', () => createPgStorage(…))`.
 *
 * Each test gets a storage from `create()`, calls `migrate()` itself and closes it afterwards. The suite
 * mints fresh random ids and site ids for everything it writes and never counts rows globally, so
 * `create()` may hand out a new empty database each time or connect to one shared, already used database.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Body } from '@parlor/core/protocol';
import type {
  ContextRecord,
  ConversationRecord,
  MessageRecord,
  NewMessage,
  NewVisitor,
  Storage,
  UploadRecord,
  VisitorRecord,
} from './storage.js';

const T0 = 1_750_000_000_000;

/** A server-style id: prefix, underscore, 22 base64url characters. */
function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}

function newSiteId(): string {
  return `site-${randomBytes(6).toString('hex')}`;
}

function sortedBy<T>(items: T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** A database left at an older schema version, as an older server wrote it: for upgrade tests. */
export interface LegacyDatabase {
  /** Runs raw SQL that both dialects accept (plain `INSERT`s) against it. */
  exec(sql: string): Promise<void>;
  /** A storage on it, not migrated yet; the suite migrates and closes it. */
  open(): Promise<Storage>;
  /** Removes the database (after the storage is closed). */
  dispose(): Promise<void>;
}

/**
 * Registers the storage contract tests under `describe(name)`.
 *
 * @param name - shown in the test report, e.g. `'sqlite (memory)'`.
 * @param create - returns a new, open storage (migrated or not); the suite migrates and closes it.
 * @param legacy - returns a new database migrated up to `version` only; without it the upgrade tests are
 *   skipped.
 */
export function storageSuite(
  name: string,
  create: () => Promise<Storage>,
  legacy?: (version: number) => Promise<LegacyDatabase>,
): void {
  describe(`storage: ${name}`, () => {
    let storage: Storage;
    let closed = false;

    beforeEach(async () => {
      storage = await create();
      closed = false;
      await storage.migrate();
    });

    afterEach(async () => {
      if (!closed) await storage.close();
    });

    const close = async (): Promise<void> => {
      closed = true;
      await storage.close();
    };

    const visitor = async (patch: Partial<NewVisitor> = {}): Promise<VisitorRecord> =>
      storage.createVisitor({
        id: newId('v'),
        siteId: newSiteId(),
        mode: 'anonymous',
        userId: null,
        name: null,
        email: null,
        createdAt: T0,
        lastSeenAt: T0,
        ...patch,
      });

    const conversation = async (
      owner: VisitorRecord,
      patch: Partial<ConversationRecord> = {},
    ): Promise<ConversationRecord> =>
      storage.createConversation({
        id: newId('c'),
        siteId: owner.siteId,
        visitorId: owner.id,
        status: 'open',
        epoch: 1,
        lastSeq: 0,
        visitorReadSeq: 0,
        agentReadSeq: 0,
        lastAgentSeq: 0,
        lastVisitorSeq: 0,
        createdAt: T0,
        updatedAt: T0,
        ...patch,
      });

    const message = (conversationId: string, patch: Partial<NewMessage> = {}): NewMessage => {
      const clientId = patch.clientId ?? randomUUID();
      return {
        conversationId,
        clientId,
        role: 'visitor',
        authorId: 'v_author',
        authorName: null,
        body: { kind: 'text', text: `message ${clientId}` },
        quickReplies: null,
        proactive: false,
        createdAt: T0 + 1000,
        payloadHash: `hash-${clientId}`,
        ...patch,
      };
    };

    /** Appends `count` visitor messages one by one and returns them as stored. */
    const appendMany = async (conversationId: string, count: number): Promise<MessageRecord[]> => {
      const stored: MessageRecord[] = [];
      for (let i = 0; i < count; i++) {
        const result = await storage.appendMessage(message(conversationId, { createdAt: T0 + 1000 + i }));
        assert.equal(result.status, 'stored');
        stored.push(result.message);
      }
      return stored;
    };

    const conversationOf = async (id: string): Promise<ConversationRecord> => {
      const found = await storage.getConversation(id);
      assert.ok(found, `conversation ${id} exists`);
      return found;
    };

    describe('migrate', () => {
      it('is harmless when run again', async () => {
        await storage.migrate();
        await storage.migrate();
        const v = await visitor();
        assert.deepEqual(await storage.getVisitor(v.id), v);
      });
    });

    describe('visitors', () => {
      it('creates a visitor and reads it back exactly', async () => {
        const input: NewVisitor = {
          id: newId('v'),
          siteId: newSiteId(),
          mode: 'identified',
          userId: 'user-1',
          name: 'Ada',
          email: 'ada@example.com',
          createdAt: T0,
          lastSeenAt: T0 + 5,
        };
        assert.deepEqual(await storage.createVisitor(input), { ...input, mergedAt: null });
        assert.deepEqual(await storage.getVisitor(input.id), { ...input, mergedAt: null });
        assert.equal(await storage.getVisitor(newId('v')), null);
      });

      it('finds identified visitors by (site, userId) only', async () => {
        const siteId = newSiteId();
        const identified = await visitor({ siteId, mode: 'jwt', userId: 'u-42' });
        await visitor({ siteId });
        assert.deepEqual(await storage.findVisitorByUser(siteId, 'u-42'), identified);
        assert.equal(await storage.findVisitorByUser(newSiteId(), 'u-42'), null);
        assert.equal(await storage.findVisitorByUser(siteId, 'u-other'), null);
      });

      it('keeps (site, userId) unique, but not across sites or for anonymous visitors', async () => {
        const siteId = newSiteId();
        await visitor({ siteId, mode: 'identified', userId: 'same' });
        await assert.rejects(visitor({ siteId, mode: 'identified', userId: 'same' }));
        await visitor({ siteId: newSiteId(), mode: 'identified', userId: 'same' });
        await visitor({ siteId });
        await visitor({ siteId });
      });

      it('updates name, email and lastSeenAt, leaving unpatched fields alone, and returns the new row', async () => {
        const v = await visitor({ name: 'Old', email: 'old@example.com' });
        const renamed = await storage.updateVisitor(v.id, { name: 'New' });
        assert.deepEqual(renamed, { ...v, name: 'New' });
        const seen = await storage.updateVisitor(v.id, { lastSeenAt: T0 + 99, email: null });
        assert.deepEqual(seen, { ...v, name: 'New', email: null, lastSeenAt: T0 + 99 });
        assert.deepEqual(await storage.getVisitor(v.id), seen);
        assert.deepEqual(await storage.updateVisitor(v.id, {}), seen);
      });

      it('rejects updating a missing visitor', async () => {
        await assert.rejects(storage.updateVisitor(newId('v'), { name: 'x' }), Error);
      });
    });

    describe('mergeVisitor', () => {
      it('moves conversations and context and returns the moved conversation ids', async () => {
        const siteId = newSiteId();
        const anonymous = await visitor({ siteId });
        const identified = await visitor({ siteId, mode: 'identified', userId: 'u-1' });
        const first = await conversation(anonymous, { createdAt: T0, updatedAt: T0 });
        const second = await conversation(anonymous, { createdAt: T0 + 1, updatedAt: T0 + 1 });
        const own = await conversation(identified, { createdAt: T0 - 10, updatedAt: T0 - 10 });
        await storage.appendMessage(message(second.id));
        const context: ContextRecord = {
          visitorId: anonymous.id,
          page: { url: 'https://shop.example/cart' },
          attributes: { plan: 'pro' },
          cart: null,
          consent: { context: true, analytics: false },
          updatedAt: T0 + 3,
        };
        await storage.saveContext(context);

        const moved = await storage.mergeVisitor(anonymous.id, identified.id, T0 + 50);
        assert.deepEqual([...moved].sort(), [first.id, second.id].sort());

        assert.equal((await conversationOf(first.id)).visitorId, identified.id);
        assert.equal((await conversationOf(second.id)).visitorId, identified.id);
        assert.equal((await conversationOf(own.id)).visitorId, identified.id);
        assert.equal((await storage.allMessages(second.id)).length, 1);
        assert.equal(await storage.latestConversation(anonymous.id), null);
        assert.equal((await storage.latestConversation(identified.id))?.id, second.id);
        assert.deepEqual(await storage.getContext(identified.id), { ...context, visitorId: identified.id });
        assert.equal(await storage.getContext(anonymous.id), null);
        assert.deepEqual(await storage.getVisitor(anonymous.id), { ...anonymous, mergedAt: T0 + 50 });
        assert.deepEqual(await storage.getVisitor(identified.id), identified);
      });

      it('marks the merged visitor spent: merging it again moves nothing, not even its later conversations', async () => {
        const siteId = newSiteId();
        const anonymous = await visitor({ siteId });
        const first = await visitor({ siteId, mode: 'identified', userId: 'u-first' });
        const second = await visitor({ siteId, mode: 'identified', userId: 'u-second' });
        const carried = await conversation(anonymous);
        assert.equal(anonymous.mergedAt, null);
        assert.deepEqual(await storage.mergeVisitor(anonymous.id, first.id, T0 + 7), [carried.id]);

        const late = await conversation(anonymous);
        assert.deepEqual(await storage.mergeVisitor(anonymous.id, second.id, T0 + 8), []);
        assert.equal((await conversationOf(carried.id)).visitorId, first.id);
        assert.equal((await conversationOf(late.id)).visitorId, anonymous.id);
        assert.equal((await storage.getVisitor(anonymous.id))?.mergedAt, T0 + 7, 'the first merge time stays');
        assert.equal((await storage.getVisitor(second.id))?.mergedAt, null);
      });

      it('merging a visitor into itself changes nothing and does not spend it', async () => {
        const v = await visitor();
        await conversation(v);
        assert.deepEqual(await storage.mergeVisitor(v.id, v.id, T0 + 9), []);
        assert.deepEqual(await storage.getVisitor(v.id), v);
      });

      it('keeps the more recent context when both visitors have one', async () => {
        const siteId = newSiteId();
        const from = await visitor({ siteId });
        const to = await visitor({ siteId, mode: 'identified', userId: 'u-2' });
        const older: ContextRecord = {
          visitorId: from.id,
          page: { url: 'https://a.example/' },
          attributes: null,
          cart: null,
          consent: null,
          updatedAt: T0,
        };
        const newer: ContextRecord = {
          ...older,
          visitorId: to.id,
          page: { url: 'https://b.example/' },
          updatedAt: T0 + 1,
        };
        await storage.saveContext(older);
        await storage.saveContext(newer);
        assert.deepEqual(await storage.mergeVisitor(from.id, to.id, T0 + 4), []);
        assert.deepEqual(await storage.getContext(to.id), newer);
        assert.equal(await storage.getContext(from.id), null);
      });

      it('rejects missing visitors and visitors of different sites, changing nothing', async () => {
        const a = await visitor();
        const c = await conversation(a);
        await assert.rejects(storage.mergeVisitor(a.id, newId('v'), T0), Error);
        await assert.rejects(storage.mergeVisitor(newId('v'), a.id, T0), Error);
        const elsewhere = await visitor();
        await assert.rejects(storage.mergeVisitor(a.id, elsewhere.id, T0), Error);
        assert.equal((await conversationOf(c.id)).visitorId, a.id);
        assert.equal((await storage.getVisitor(a.id))?.mergedAt, null);
      });
    });

    describe('conversations', () => {
      it('creates a conversation and reads it back exactly', async () => {
        const v = await visitor();
        const input: ConversationRecord = {
          id: newId('c'),
          siteId: v.siteId,
          visitorId: v.id,
          status: 'open',
          epoch: 2,
          lastSeq: 0,
          visitorReadSeq: 0,
          agentReadSeq: 0,
          lastAgentSeq: 0,
          lastVisitorSeq: 0,
          createdAt: T0,
          updatedAt: T0 + 1,
        };
        assert.deepEqual(await storage.createConversation(input), input);
        assert.deepEqual(await storage.getConversation(input.id), input);
        assert.equal(await storage.getConversation(newId('c')), null);
      });

      it('latestConversation is the most recently updated one, open or closed', async () => {
        const v = await visitor();
        assert.equal(await storage.latestConversation(v.id), null);
        const a = await conversation(v, { createdAt: T0, updatedAt: T0 });
        const b = await conversation(v, { createdAt: T0 + 10, updatedAt: T0 + 10 });
        assert.equal((await storage.latestConversation(v.id))?.id, b.id);
        await storage.appendMessage(message(a.id, { createdAt: T0 + 20 }));
        assert.equal((await storage.latestConversation(v.id))?.id, a.id);
        await storage.setStatus(b.id, 'closed', T0 + 30);
        const latest = await storage.latestConversation(v.id);
        assert.ok(latest);
        assert.equal(latest.id, b.id);
        assert.equal(latest.status, 'closed');
      });

      it('setStatus changes status and updatedAt and returns the new row', async () => {
        const c = await conversation(await visitor());
        const closedRow = await storage.setStatus(c.id, 'closed', T0 + 50);
        assert.deepEqual(closedRow, { ...c, status: 'closed', updatedAt: T0 + 50 });
        assert.deepEqual(await storage.getConversation(c.id), closedRow);
        const reopened = await storage.setStatus(c.id, 'open', T0 + 60);
        assert.deepEqual(reopened, { ...c, status: 'open', updatedAt: T0 + 60 });
        await assert.rejects(storage.setStatus(newId('c'), 'closed', T0), Error);
      });

      it('markRead raises each side independently and never lowers a read point', async () => {
        const c = await conversation(await visitor());
        await appendMany(c.id, 5);
        const agentRead = await storage.markRead(c.id, 'agent', 4);
        assert.equal(agentRead.agentReadSeq, 4);
        assert.equal(agentRead.visitorReadSeq, 0);
        assert.equal((await storage.markRead(c.id, 'agent', 2)).agentReadSeq, 4);
        assert.equal((await storage.markRead(c.id, 'agent', 4)).agentReadSeq, 4);
        const visitorRead = await storage.markRead(c.id, 'visitor', 3);
        assert.equal(visitorRead.visitorReadSeq, 3);
        assert.equal(visitorRead.agentReadSeq, 4);
        assert.equal((await storage.markRead(c.id, 'visitor', 1)).visitorReadSeq, 3);
        assert.equal((await storage.markRead(c.id, 'visitor', 5)).visitorReadSeq, 5);
        assert.deepEqual(await storage.getConversation(c.id), await storage.markRead(c.id, 'agent', 0));
        await assert.rejects(storage.markRead(newId('c'), 'agent', 1), Error);
      });

      it('listConversations filters by site and status, newest update first, up to limit', async () => {
        const siteA = newSiteId();
        const siteB = newSiteId();
        const va = await visitor({ siteId: siteA });
        const vb = await visitor({ siteId: siteB });
        const otherSite = await conversation(await visitor(), { updatedAt: T0 + 100 });

        // waiting: open, the visitor wrote last
        const waiting = await conversation(va, { updatedAt: T0 });
        await storage.appendMessage(message(waiting.id, { role: 'visitor', createdAt: T0 + 10 }));
        // answered: open, an agent replied after the visitor
        const answered = await conversation(va, { updatedAt: T0 });
        await storage.appendMessage(message(answered.id, { role: 'visitor', createdAt: T0 + 5 }));
        await storage.appendMessage(message(answered.id, { role: 'agent', createdAt: T0 + 20 }));
        // empty: open, nothing written
        const empty = await conversation(vb, { updatedAt: T0 + 30 });
        // closed while the visitor was waiting
        const closedOne = await conversation(vb, { updatedAt: T0 });
        await storage.appendMessage(message(closedOne.id, { role: 'visitor', createdAt: T0 + 1 }));
        await storage.setStatus(closedOne.id, 'closed', T0 + 40);

        const ids = async (filter: Parameters<Storage['listConversations']>[0]) =>
          (await storage.listConversations(filter)).map((c) => c.id);
        const both = [siteA, siteB];

        assert.deepEqual(await ids({ siteIds: both, limit: 100 }), [closedOne.id, empty.id, answered.id, waiting.id]);
        assert.deepEqual(await ids({ siteIds: both, status: 'waiting', limit: 100 }), [waiting.id]);
        assert.deepEqual(await ids({ siteIds: both, status: 'open', limit: 100 }), [empty.id, answered.id, waiting.id]);
        assert.deepEqual(await ids({ siteIds: both, status: 'closed', limit: 100 }), [closedOne.id]);
        assert.deepEqual(await ids({ siteIds: [siteA], limit: 100 }), [answered.id, waiting.id]);
        assert.deepEqual(await ids({ siteIds: [siteB], status: 'open', limit: 100 }), [empty.id]);
        assert.deepEqual(await ids({ siteIds: both, limit: 2 }), [closedOne.id, empty.id]);
        assert.deepEqual(await ids({ siteIds: both, limit: 0 }), []);
        assert.deepEqual(await ids({ siteIds: [], limit: 100 }), []);
        assert.deepEqual(await ids({ siteIds: [otherSite.siteId], limit: 100 }), [otherSite.id]);

        const [row] = await storage.listConversations({ siteIds: [siteA], status: 'waiting', limit: 1 });
        assert.deepEqual(row, await storage.getConversation(waiting.id));
      });
    });

    describe('appendMessage', () => {
      it('assigns seqs 1, 2, 3… and stores the message as given', async () => {
        const c = await conversation(await visitor());
        const input = message(c.id, {
          role: 'agent',
          authorId: 'agent-1',
          authorName: 'Grace',
          quickReplies: ['Yes', 'No'],
          proactive: true,
          createdAt: T0 + 7,
        });
        const first = await storage.appendMessage(input);
        assert.deepEqual(first, { status: 'stored', message: { ...input, seq: 1 } });
        const rest = await appendMany(c.id, 2);
        assert.deepEqual(
          rest.map((m) => m.seq),
          [2, 3],
        );
        assert.equal((await conversationOf(c.id)).lastSeq, 3);
        assert.deepEqual(await storage.allMessages(c.id), [{ ...input, seq: 1 }, ...rest]);
      });

      it('stores a retry once and answers "duplicate" with the original row', async () => {
        const c = await conversation(await visitor());
        await appendMany(c.id, 1);
        const input = message(c.id, { createdAt: T0 + 100 });
        const first = await storage.appendMessage(input);
        assert.equal(first.status, 'stored');
        assert.equal(first.message.seq, 2);
        for (let i = 0; i < 2; i++) {
          const again = await storage.appendMessage({ ...input, createdAt: T0 + 200 + i });
          assert.deepEqual(again, { status: 'duplicate', message: first.message });
        }
        const after = await conversationOf(c.id);
        assert.equal(after.lastSeq, 2);
        assert.equal(after.updatedAt, T0 + 100);
        assert.equal((await storage.allMessages(c.id)).length, 2);
        assert.equal((await storage.appendMessage(message(c.id))).message.seq, 3);
      });

      it('answers "conflict" for the same clientId with another payload and writes nothing', async () => {
        const c = await conversation(await visitor());
        const input = message(c.id);
        const first = await storage.appendMessage(input);
        const before = await conversationOf(c.id);
        const other = await storage.appendMessage({
          ...input,
          body: { kind: 'text', text: 'something else' },
          payloadHash: 'another-hash',
          createdAt: T0 + 5000,
        });
        assert.deepEqual(other, { status: 'conflict', message: first.message });
        assert.deepEqual(await conversationOf(c.id), before);
        assert.deepEqual(await storage.allMessages(c.id), [first.message]);
      });

      it('deduplicates client ids case-insensitively, keeping server ids as they are', async () => {
        const c = await conversation(await visitor());
        const id = randomUUID();
        const first = await storage.appendMessage(message(c.id, { clientId: id.toUpperCase(), payloadHash: 'h' }));
        assert.equal(first.message.clientId, id, 'stored in lower case');
        const again = await storage.appendMessage(message(c.id, { clientId: id, payloadHash: 'h' }));
        assert.deepEqual(again, { status: 'duplicate', message: first.message });
        const bot = await storage.appendMessage(message(c.id, { clientId: 'm_AbCdEfGhIjKlMnOpQrStUv', role: 'bot' }));
        assert.equal(bot.message.clientId, 'm_AbCdEfGhIjKlMnOpQrStUv');
        assert.equal((await storage.allMessages(c.id)).length, 2);
      });

      it('allows the same clientId in two conversations', async () => {
        const v = await visitor();
        const a = await conversation(v);
        const b = await conversation(v);
        const clientId = randomUUID();
        const inA = await storage.appendMessage(message(a.id, { clientId }));
        const inB = await storage.appendMessage(message(b.id, { clientId }));
        assert.equal(inA.status, 'stored');
        assert.equal(inB.status, 'stored');
        assert.equal(inA.message.seq, 1);
        assert.equal(inB.message.seq, 1);
      });

      it('keeps seqs gapless under 200 concurrent appends', async () => {
        const c = await conversation(await visitor());
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => storage.appendMessage(message(c.id, { createdAt: T0 + i }))),
        );
        assert.ok(results.every((r) => r.status === 'stored'));
        const seqs = results.map((r) => r.message.seq).sort((a, b) => a - b);
        assert.deepEqual(
          seqs,
          Array.from({ length: 200 }, (_, i) => i + 1),
        );
        assert.deepEqual(
          (await storage.allMessages(c.id)).map((m) => m.seq),
          seqs,
        );
        assert.equal((await conversationOf(c.id)).lastSeq, 200);
      });

      it('stores concurrent retries of one message once', async () => {
        const c = await conversation(await visitor());
        const input = message(c.id);
        const results = await Promise.all(Array.from({ length: 20 }, () => storage.appendMessage(input)));
        assert.equal(results.filter((r) => r.status === 'stored').length, 1);
        assert.equal(results.filter((r) => r.status === 'duplicate').length, 19);
        assert.ok(results.every((r) => r.message.seq === 1));
        assert.equal((await storage.allMessages(c.id)).length, 1);
      });

      it('maintains lastAgentSeq, lastVisitorSeq and updatedAt by role', async () => {
        const c = await conversation(await visitor());
        const append = async (role: NewMessage['role'], createdAt: number) =>
          storage.appendMessage(message(c.id, { role, createdAt }));
        const sides = async () => {
          const row = await conversationOf(c.id);
          return [row.lastSeq, row.lastVisitorSeq, row.lastAgentSeq, row.updatedAt];
        };

        await append('visitor', T0 + 1);
        assert.deepEqual(await sides(), [1, 1, 0, T0 + 1]);
        await append('system', T0 + 2);
        assert.deepEqual(await sides(), [2, 1, 0, T0 + 2]);
        await append('agent', T0 + 3);
        assert.deepEqual(await sides(), [3, 1, 3, T0 + 3]);
        await append('visitor', T0 + 4);
        assert.deepEqual(await sides(), [4, 4, 3, T0 + 4]);
        await append('bot', T0 + 5);
        assert.deepEqual(await sides(), [5, 4, 3, T0 + 5], 'a bot reply does not answer the visitor');
        await append('system', T0 + 6);
        assert.deepEqual(await sides(), [6, 4, 3, T0 + 6]);
      });

      it('rejects a message for a missing conversation', async () => {
        await assert.rejects(storage.appendMessage(message(newId('c'))), Error);
      });

      it('keeps text exactly as sent: markup is data, not something storage escapes or strips', async () => {
        const c = await conversation(await visitor());
        const texts = [
          '<img src=x onerror=alert(1)>',
          '</script><script>alert("x")</script>',
          "'; DROP TABLE messages; --",
          '  leading and trailing spaces  ',
          'line 1\nline 2\r\n\ttabbed',
          'emoji 👩🏽‍💻 and accents é ñ and RTL \u202Eevil',
          '{"kind":"text","text":"json in text"}',
          '&lt;already&gt; &amp; escaped',
        ];
        for (const text of texts) {
          const input = message(c.id, {
            body: { kind: 'text', text },
            authorName: text,
            quickReplies: [text.slice(0, 80)],
          });
          const result = await storage.appendMessage(input);
          assert.equal(result.status, 'stored');
          assert.deepEqual(result.message, { ...input, seq: result.message.seq });
        }
        const attachment: Body = {
          kind: 'attachment',
          upload: newId('up'),
          name: '<img src=x onerror=alert(1)>.png',
          mime: 'image/png',
          size: 1234,
          caption: '<b>bold?</b>',
        };
        const withFile = message(c.id, { body: attachment, quickReplies: [] });
        await storage.appendMessage(withFile);
        const all = await storage.allMessages(c.id);
        assert.deepEqual(
          all.map((m) => m.body),
          [...texts.map((text): Body => ({ kind: 'text', text })), attachment],
        );
        assert.deepEqual(all.at(-1)?.quickReplies, []);
      });
    });

    describe('reading messages', () => {
      it('messagesAfter pages forward, oldest first', async () => {
        const c = await conversation(await visitor());
        const stored = await appendMany(c.id, 10);
        assert.deepEqual(await storage.messagesAfter(c.id, 0, 3), stored.slice(0, 3));
        assert.deepEqual(await storage.messagesAfter(c.id, 3, 3), stored.slice(3, 6));
        assert.deepEqual(await storage.messagesAfter(c.id, 8, 5), stored.slice(8));
        assert.deepEqual(await storage.messagesAfter(c.id, 10, 5), []);
        assert.deepEqual(await storage.messagesAfter(c.id, 0, 0), []);
        assert.deepEqual(await storage.messagesAfter(newId('c'), 0, 5), []);
      });

      it('messagesBefore returns the newest `limit` before a seq, oldest first', async () => {
        const c = await conversation(await visitor());
        const stored = await appendMany(c.id, 10);
        assert.deepEqual(await storage.messagesBefore(c.id, 11, 3), stored.slice(7, 10));
        assert.deepEqual(await storage.messagesBefore(c.id, 8, 3), stored.slice(4, 7));
        assert.deepEqual(await storage.messagesBefore(c.id, 3, 5), stored.slice(0, 2));
        assert.deepEqual(await storage.messagesBefore(c.id, 1, 5), []);
        assert.deepEqual(await storage.messagesBefore(c.id, 11, 0), []);
        assert.deepEqual(await storage.messagesBefore(c.id, Number.MAX_SAFE_INTEGER, 100), stored);
      });

      it('allMessages returns the whole conversation, oldest first, and nothing of other conversations', async () => {
        const v = await visitor();
        const a = await conversation(v);
        const b = await conversation(v);
        const stored = await appendMany(a.id, 7);
        await appendMany(b.id, 3);
        assert.deepEqual(await storage.allMessages(a.id), stored);
        assert.deepEqual(await storage.allMessages(newId('c')), []);
      });

      it('countUnread counts visitor messages after the agents’ read point', async () => {
        const c = await conversation(await visitor());
        assert.equal(await storage.countUnread(c.id), 0);
        await storage.appendMessage(message(c.id, { role: 'visitor' }));
        await storage.appendMessage(message(c.id, { role: 'visitor' }));
        await storage.appendMessage(message(c.id, { role: 'agent' }));
        await storage.appendMessage(message(c.id, { role: 'system' }));
        await storage.appendMessage(message(c.id, { role: 'visitor' }));
        await storage.appendMessage(message(c.id, { role: 'bot' }));
        assert.equal(await storage.countUnread(c.id), 3);
        await storage.markRead(c.id, 'agent', 2);
        assert.equal(await storage.countUnread(c.id), 1);
        await storage.markRead(c.id, 'visitor', 6);
        assert.equal(await storage.countUnread(c.id), 1);
        await storage.markRead(c.id, 'agent', 6);
        assert.equal(await storage.countUnread(c.id), 0);
      });
    });

    describe('context', () => {
      it('saves, replaces and reads the visitor context', async () => {
        const v = await visitor();
        assert.equal(await storage.getContext(v.id), null);
        const full: ContextRecord = {
          visitorId: v.id,
          page: { url: 'https://shop.example/p/1?q=<x>', title: 'Shoes <b>', referrer: 'https://search.example/' },
          attributes: { plan: 'pro', seats: 3, trial: false, note: null },
          cart: {
            currency: 'EUR',
            total: 4990,
            itemCount: 2,
            items: [{ id: 'sku-1', title: 'Shoe', quantity: 2, price: 2495 }],
          },
          consent: { context: true, analytics: true },
          updatedAt: T0,
        };
        await storage.saveContext(full);
        assert.deepEqual(await storage.getContext(v.id), full);
        const replaced: ContextRecord = {
          visitorId: v.id,
          page: null,
          attributes: null,
          cart: null,
          consent: { context: false, analytics: false },
          updatedAt: T0 + 1,
        };
        await storage.saveContext(replaced);
        assert.deepEqual(await storage.getContext(v.id), replaced);
      });
    });

    describe('uploads', () => {
      it('saves and reads upload metadata', async () => {
        const v = await visitor();
        const fromVisitor: UploadRecord = {
          id: newId('up'),
          siteId: v.siteId,
          visitorId: v.id,
          agentId: null,
          name: 'photo <1>.png',
          mime: 'image/png',
          size: 123_456,
          path: 'ab/cd/file.png',
          createdAt: T0,
        };
        const fromAgent: UploadRecord = {
          ...fromVisitor,
          id: newId('up'),
          visitorId: null,
          agentId: 'agent-1',
          name: 'invoice.pdf',
          mime: 'application/pdf',
          size: 0,
          path: 'ef/gh/invoice.pdf',
        };
        await storage.saveUpload(fromVisitor);
        await storage.saveUpload(fromAgent);
        assert.deepEqual(await storage.getUpload(fromVisitor.id), fromVisitor);
        assert.deepEqual(await storage.getUpload(fromAgent.id), fromAgent);
        assert.equal(await storage.getUpload(newId('up')), null);
      });

      const upload = (v: VisitorRecord, size: number, createdAt = T0): UploadRecord => ({
        id: newId('u'),
        siteId: v.siteId,
        visitorId: v.id,
        agentId: null,
        name: 'a.txt',
        mime: 'text/plain',
        size,
        path: 'a',
        createdAt,
      });

      it('reserveUpload inserts within the visitor and site quotas and refuses past either, writing nothing', async () => {
        const a = await visitor();
        const b = await visitor({ siteId: a.siteId });
        const quota = { since: T0 - 1000, visitorBytes: 1000, siteBytes: 1500 };
        assert.deepEqual(await storage.reserveUpload(upload(a, 600), quota), { ok: true, visitorUsedBytes: 0 });
        const over = upload(a, 500, T0 + 5);
        assert.deepEqual(await storage.reserveUpload(over, quota), {
          ok: false,
          scope: 'visitor',
          usedBytes: 600,
          limitBytes: 1000,
          freesAt: T0,
        });
        assert.equal(await storage.getUpload(over.id), null);
        assert.deepEqual(await storage.reserveUpload(upload(a, 400), quota), { ok: true, visitorUsedBytes: 600 });
        // b has its own 1,000 bytes, but the site only 500 left.
        const siteOver = await storage.reserveUpload(upload(b, 501), quota);
        assert.equal(siteOver.ok || siteOver.scope, 'site');
        assert.equal((await storage.reserveUpload(upload(b, 500), quota)).ok, true);
        // Uploads before the window no longer count.
        const later = { ...quota, since: T0 + 1 };
        assert.equal((await storage.reserveUpload(upload(a, 1000, T0 + 2), later)).ok, true);
      });

      it('reserveUpload holds a quota against concurrent reservations', async () => {
        const v = await visitor();
        const quota = { since: 0, visitorBytes: 1000, siteBytes: 10_000 };
        const results = await Promise.all(
          Array.from({ length: 20 }, () => storage.reserveUpload(upload(v, 100), quota)),
        );
        assert.equal(results.filter((r) => r.ok).length, 10);
      });

      it('finishUpload sets the real size; deleteUpload removes the row', async () => {
        const v = await visitor();
        const u = upload(v, 1000);
        await storage.reserveUpload(u, { since: 0, visitorBytes: 1000, siteBytes: 1000 });
        await storage.finishUpload(u.id, 10);
        assert.equal((await storage.getUpload(u.id))?.size, 10);
        await storage.deleteUpload(u.id);
        assert.equal(await storage.getUpload(u.id), null);
      });

      it('deleteOrphanUploads deletes old uploads no message refers to, and returns them', async () => {
        const v = await visitor();
        const c = await conversation(v);
        const orphan = upload(v, 1, T0 - 10_000);
        const sent = upload(v, 1, T0 - 10_000);
        const recent = upload(v, 1, T0);
        for (const u of [orphan, sent, recent]) await storage.saveUpload(u);
        await storage.appendMessage(
          message(c.id, { body: { kind: 'attachment', upload: sent.id, name: 'a.txt', mime: 'text/plain', size: 1 } }),
        );
        const gone = await storage.deleteOrphanUploads(T0 - 1, 10_000);
        assert.ok(gone.some((u) => u.id === orphan.id));
        assert.deepEqual(
          gone.find((u) => u.id === orphan.id),
          orphan,
        );
        assert.ok(!gone.some((u) => u.id === sent.id || u.id === recent.id));
        assert.equal(await storage.getUpload(orphan.id), null);
        assert.deepEqual(await storage.getUpload(sent.id), sent);
        assert.deepEqual(await storage.getUpload(recent.id), recent);
      });
    });

    describe('analytics', () => {
      it('sums counts per (site, day, name) and lists a day range, inclusive, oldest first', async () => {
        const site = newSiteId();
        const other = newSiteId();
        await storage.countEvent(site, '2025-02-26', 'open', 1);
        await storage.countEvent(site, '2025-02-27', 'open', 2);
        await storage.countEvent(site, '2025-02-28', 'open', 1);
        await storage.countEvent(site, '2025-02-28', 'open', 4);
        await storage.countEvent(site, '2025-02-28', 'message', 3);
        await storage.countEvent(site, '2025-03-01', 'open', 5);
        await storage.countEvent(site, '2025-03-02', 'open', 100);
        await storage.countEvent(other, '2025-03-01', 'open', 1000);

        const counts = await storage.dailyCounts(site, '2025-03-01', 3);
        assert.deepEqual(
          sortedBy(counts, (c) => `${c.day} ${c.name}`),
          [
            { day: '2025-02-27', name: 'open', count: 2 },
            { day: '2025-02-28', name: 'message', count: 3 },
            { day: '2025-02-28', name: 'open', count: 5 },
            { day: '2025-03-01', name: 'open', count: 5 },
          ],
        );
        const days = counts.map((c) => c.day);
        assert.deepEqual(days, [...days].sort(), 'oldest first');

        assert.deepEqual(await storage.dailyCounts(site, '2025-03-01', 1), [
          { day: '2025-03-01', name: 'open', count: 5 },
        ]);
        assert.deepEqual(await storage.dailyCounts(site, '2025-03-01', 0), []);
        assert.deepEqual(await storage.dailyCounts(other, '2025-03-01', 30), [
          { day: '2025-03-01', name: 'open', count: 1000 },
        ]);
        assert.deepEqual(await storage.dailyCounts(newSiteId(), '2025-03-01', 30), []);
      });

      it('countEvents adds a whole batch, or nothing of it when one entry is bad', async () => {
        const site = newSiteId();
        await storage.countEvents(site, [
          { day: '2025-03-01', name: 'open', count: 2 },
          { day: '2025-03-01', name: 'load', count: 3 },
        ]);
        await assert.rejects(
          storage.countEvents(site, [
            { day: '2025-03-01', name: 'open', count: 1 },
            { day: '+275760-09-13', name: 'open', count: 1 },
          ]),
        );
        assert.deepEqual(
          sortedBy(await storage.dailyCounts(site, '2025-03-01', 1), (c) => c.name),
          [
            { day: '2025-03-01', name: 'load', count: 3 },
            { day: '2025-03-01', name: 'open', count: 2 },
          ],
        );
      });
    });

    describe('upgrade from schema version 2', { skip: legacy ? false : 'no legacy database for this storage' }, () => {
      // Upper-case UUIDs as an older server stored them, as sent; the ids differ in their last digits only.
      const uuid = (n: number) => `0193A5F2-7C1E-7D3A-9B21-5F0E8C4A2B${String(n).padStart(2, '0')}`;
      const row = (conversationId: string, seq: number, clientId: string) =>
        `('${conversationId}', ${seq}, '${clientId}', 'visitor', 'v_live', NULL, ` +
        `'{"kind":"text","text":"m${seq}"}', NULL, FALSE, ${T0 + seq}, 'h${seq}')`;

      it('turns the -1 merge marker into mergedAt and lower-cases client ids where that collides with nothing', async () => {
        assert.ok(legacy);
        const old = await legacy(2);
        let upgraded: Storage | null = null;
        try {
          await old.exec(`
            INSERT INTO visitors (id, site_id, mode, user_id, name, email, created_at, last_seen_at) VALUES
              ('v_live', 'shop', 'anonymous', NULL, NULL, NULL, ${T0}, ${T0 + 5}),
              ('v_spent', 'shop', 'anonymous', NULL, NULL, NULL, ${T0 + 1}, -1),
              ('v_user', 'shop', 'identified', 'u-1', NULL, NULL, ${T0 + 2}, ${T0 + 6});
            INSERT INTO conversations (id, site_id, visitor_id, status, epoch, last_seq, created_at, updated_at) VALUES
              ('c_one', 'shop', 'v_user', 'open', 1, 7, ${T0}, ${T0}),
              ('c_two', 'shop', 'v_live', 'open', 1, 1, ${T0}, ${T0});
            INSERT INTO messages (conversation_id, seq, client_id, role, author_id, author_name, body,
                                  quick_replies, proactive, created_at, payload_hash) VALUES
              ${[
                row('c_one', 1, uuid(1)),
                row('c_one', 2, uuid(2)),
                row('c_one', 3, uuid(2).toLowerCase()),
                row('c_one', 4, uuid(3)),
                row('c_one', 5, uuid(3).replace('A', 'a')),
                row('c_one', 6, 'bot:greeting'),
                row('c_one', 7, uuid(4).toLowerCase()),
                row('c_two', 1, uuid(4)),
              ].join(',\n')};
          `);
          upgraded = await old.open();
          await upgraded.migrate();
          const store = upgraded;

          // The spent visitor stays spent, now by its own column; no timestamp is left negative.
          const spent = await store.getVisitor('v_spent');
          assert.deepEqual([spent?.mergedAt, spent?.lastSeenAt], [T0 + 1, T0 + 1]);
          const live = await store.getVisitor('v_live');
          assert.deepEqual([live?.mergedAt, live?.lastSeenAt], [null, T0 + 5]);
          assert.deepEqual(await store.mergeVisitor('v_spent', 'v_user', T0 + 9), [], 'a spent visitor moves nothing');

          assert.deepEqual(
            (await store.allMessages('c_one')).map((m) => m.clientId),
            [
              uuid(1).toLowerCase(), // alone: lower-cased
              uuid(2), // its lower-case twin already holds the key: both kept, this one as stored
              uuid(2).toLowerCase(),
              uuid(3).toLowerCase(), // two copies in two cases, neither lower-case: the earliest gets the key
              uuid(3).replace('A', 'a'),
              'bot:greeting', // not a UUID: as it is
              uuid(4).toLowerCase(),
            ],
          );
          // Another conversation's identical id is no collision.
          assert.deepEqual(
            (await store.allMessages('c_two')).map((m) => m.clientId),
            [uuid(4).toLowerCase()],
          );

          // A retry of an old mixed-case row, in any case, is now the stored message, not a second copy.
          const retry = async (conversationId: string, clientId: string, payloadHash: string) =>
            store.appendMessage(message(conversationId, { clientId, payloadHash }));
          const again = await retry('c_one', uuid(1).toLowerCase(), 'h1');
          assert.deepEqual([again.status, again.message.seq], ['duplicate', 1]);
          const mixed = await retry('c_one', uuid(3).replace('A', 'a'), 'h4');
          assert.deepEqual([mixed.status, mixed.message.seq], ['duplicate', 4]);
          const other = await retry('c_two', uuid(4), 'h1');
          assert.deepEqual([other.status, other.message.seq], ['duplicate', 1]);
          assert.equal((await store.getConversation('c_one'))?.lastSeq, 7, 'nothing was stored twice');
        } finally {
          await upgraded?.close();
          await old.dispose();
        }
      });
    });

    describe(
      'beside a server from before migration 3',
      { skip: legacy ? false : 'no legacy database for this storage' },
      () => {
        it('counts its -1 merge mark as merged, so a spent token stays spent during a rolling upgrade', async () => {
          assert.ok(legacy);
          const db = await legacy(3);
          let current: Storage | null = null;
          try {
            // What an older process does to a visitor it merged, in a database already migrated.
            await db.exec(`
            INSERT INTO visitors (id, site_id, mode, user_id, name, email, created_at, last_seen_at) VALUES
              ('v_old_mark', 'shop', 'anonymous', NULL, NULL, NULL, ${T0}, ${T0 + 5}),
              ('v_user', 'shop', 'identified', 'u-1', NULL, NULL, ${T0}, ${T0});
            INSERT INTO conversations (id, site_id, visitor_id, status, epoch, last_seq, created_at, updated_at) VALUES
              ('c_late', 'shop', 'v_old_mark', 'open', 1, 0, ${T0}, ${T0});
            UPDATE visitors SET last_seen_at = -1 WHERE id = 'v_old_mark';
          `);
            current = await db.open();
            await current.migrate();
            assert.equal((await current.getVisitor('v_old_mark'))?.mergedAt, T0);
            assert.equal((await current.getVisitor('v_user'))?.mergedAt, null);
            assert.deepEqual(await current.mergeVisitor('v_old_mark', 'v_user', T0 + 9), []);
            assert.equal((await current.getConversation('c_late'))?.visitorId, 'v_old_mark');
          } finally {
            await current?.close();
            await db.dispose();
          }
        });
      },
    );

    describe('close', () => {
      it('lets a write already issued finish, then refuses further calls without hanging', async () => {
        const c = await conversation(await visitor());
        const pending = storage.appendMessage(message(c.id));
        await close();
        assert.equal((await pending).status, 'stored');
        await assert.rejects(storage.getConversation(c.id), Error);
      });
    });
  });
}
