/**
 * Scale-out against real PostgreSQL and Redis: two real server processes (`src/main.ts`, configured only
 * by DATABASE_URL and REDIS_URL), a visitor on one and the agent on the other, over real WebSockets.
 * Then the failures: one process killed with SIGKILL mid-conversation, and Redis killed and restarted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { payloadHash } from '../src/hub.js';
import { createPgStorage } from '../src/storage/pg-storage.js';
import { uuidv7, type Client } from './harness.js';
import {
  agentOn,
  messagesWithIds,
  sendFrame,
  startProcess,
  visitorOn,
  type ServerProcess,
  type WireMessage,
} from './processes.js';
import { freshSchema, servicesModule, useServices } from './services.js';

type Ack = { id: string; seq: number; conversation: string; duplicate?: boolean };

/** Sends `texts` back to back (no waiting between them) and returns their ids in sending order. */
function sendAll(client: Client, texts: string[], conversation?: string): string[] {
  return texts.map((text) => {
    const { id, frame } = sendFrame(text, conversation);
    client.send(frame);
    return id;
  });
}

/** Collects acks until every id in `ids` has one. */
async function acksFor(client: Client, ids: readonly string[]): Promise<Map<string, Ack>> {
  const acks = new Map<string, Ack>();
  while (acks.size < new Set(ids).size) {
    const ack = await client.next<Ack>('ack', 15_000);
    if (ids.includes(ack.id)) acks.set(ack.id, ack);
  }
  return acks;
}

/** The agent opens a conversation (follows it) and gets its transcript. */
async function open(agent: Client, conversation: string) {
  agent.send({ type: 'open', conversation });
  return agent.next<{ messages: WireMessage[] }>('transcript', 10_000);
}

/** Waits for a `presence` frame saying `value` (repeats of the previous value may come first). */
async function presence(client: Client, value: string) {
  for (;;) if ((await client.next<{ presence: string }>('presence', 10_000)).presence === value) return;
}

const waitFor = async (what: string, check: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const services = await useServices();
if (!services.ok) {
  describe('scale-out: two processes on PostgreSQL and Redis', () => {
    it('needs PostgreSQL and Redis', { skip: services.reason }, () => {});
  });
} else {
  describe('scale-out: two processes on PostgreSQL and Redis', { timeout: 120_000 }, () => {
    let schema: Awaited<ReturnType<typeof freshSchema>>;
    // A Redis of this file's own, so restarting it disturbs no other test.
    let redis: Awaited<ReturnType<Awaited<ReturnType<typeof servicesModule>>['startRedis']>>;
    let db: pg.Client;
    let a: ServerProcess;
    let b: ServerProcess;
    const env = () => ({ DATABASE_URL: schema.url, REDIS_URL: redis.url });

    /** Every stored message of a conversation, oldest first, straight from PostgreSQL. */
    const stored = async (conversation: string) =>
      (
        await db.query<{ seq: number; client_id: string; role: string }>(
          'SELECT seq, client_id, role FROM messages WHERE conversation_id = $1 ORDER BY seq',
          [conversation],
        )
      ).rows;

    before(async () => {
      schema = await freshSchema(services.databaseUrl);
      redis = await (await servicesModule()).startRedis({ quiet: true });
      db = new pg.Client({ connectionString: schema.url });
      await db.connect();
      a = await startProcess('a', env()); // migrates the fresh schema first
      b = await startProcess('b', env());
    });

    after(async () => {
      await Promise.allSettled([a?.stop(), b?.stop()]);
      await db?.end();
      await redis?.stop();
      await schema?.drop();
      await services.stop();
    });

    it('lets a visitor on one process and an agent on the other talk: messages, typing, reads, presence', async () => {
      const v = await visitorOn(a);
      assert.equal(v.welcome.site.presence, 'offline', 'no agent anywhere yet');
      const ada = await agentOn(b);
      await presence(v.client, 'online');
      const late = await visitorOn(a);
      assert.equal(
        late.welcome.site.presence,
        'online',
        'a visitor arriving later sees the agent on the other process',
      );
      late.client.close();

      const [first = ''] = sendAll(v.client, ['hello from process A']);
      const { conversation } = (await acksFor(v.client, [first])).get(first)!;
      // The greeting is stored after the ack: wait for it, or the transcript may be read before it.
      await messagesWithIds(v.client, ['bot:greeting']);
      const transcript = await open(ada, conversation);
      assert.deepEqual(
        transcript.messages.map((m) => m.body.text),
        ['hello from process A', 'Hello from the bot'],
      );

      const [second = ''] = sendAll(v.client, ['is anyone there?'], conversation);
      const relayed = (await messagesWithIds(ada, [second])).find((m) => m.id === second);
      assert.equal(relayed?.seq, 3);

      ada.send({ type: 'typing', conversation, on: true });
      assert.deepEqual(await v.client.next('typing', 10_000), {
        type: 'typing',
        conversation,
        role: 'agent',
        on: true,
        name: 'Ada',
      });
      v.client.send({ type: 'typing', conversation, on: true });
      assert.equal((await ada.next<{ role: string }>('typing', 10_000)).role, 'visitor');

      const reply = sendFrame('yes, from process B', conversation);
      ada.send(reply.frame);
      const answer = (await messagesWithIds(v.client, [reply.id])).find((m) => m.id === reply.id);
      assert.equal(answer?.seq, 4);
      assert.equal(answer?.author.role, 'agent');

      v.client.send({ type: 'read', conversation, seq: 4 });
      assert.deepEqual(await ada.next('read', 10_000), { type: 'read', conversation, role: 'visitor', seq: 4 });
      ada.send({ type: 'read', conversation, seq: 3 });
      assert.deepEqual(await v.client.next('read', 10_000), { type: 'read', conversation, role: 'agent', seq: 3 });

      ada.close();
      await presence(v.client, 'offline');
      v.client.close();
    });

    it('stores a message once when two tabs on two processes send the same ids at the same moment', async () => {
      // Two tabs of one visitor, each on its own process, both flush the same outbox (as after a reconnect
      // race): the dedupe is the database's unique constraint, not a lock in either process.
      const tabA = await visitorOn(a);
      const tabB = await visitorOn(b, tabA.welcome.visitor.token);
      assert.equal(tabB.welcome.visitor.id, tabA.welcome.visitor.id, 'one visitor, two tabs');
      const [opening = ''] = sendAll(tabA.client, ['start']);
      const { conversation } = (await acksFor(tabA.client, [opening])).get(opening)!;
      const frames = Array.from({ length: 15 }, (_, i) => sendFrame(`twice ${i}`, conversation));
      for (const { frame } of frames) {
        tabA.client.send(frame);
        tabB.client.send(frame);
      }
      const ids = frames.map((f) => f.id);
      const [onA, onB] = await Promise.all([acksFor(tabA.client, ids), acksFor(tabB.client, ids)]);
      for (const id of ids) {
        assert.equal(onA.get(id)?.seq, onB.get(id)?.seq, 'both tabs get the one seq the message has');
        assert.equal(
          Boolean(onA.get(id)?.duplicate) !== Boolean(onB.get(id)?.duplicate),
          true,
          'one of them stored it',
        );
      }
      const rows = await stored(conversation);
      const texts = rows.filter((r) => ids.includes(r.client_id)).map((r) => r.client_id);
      assert.deepEqual(texts, ids, 'each once, in the order sent');
      assert.deepEqual(
        rows.map((r) => r.seq),
        rows.map((_, i) => i + 1),
        'gapless',
      );
      tabA.client.close();
      tabB.client.close();
    });

    it('keeps seqs gapless and each message once when both processes write to one conversation at once', async () => {
      const v = await visitorOn(a);
      const [opening = ''] = sendAll(v.client, ['start']);
      const { conversation } = (await acksFor(v.client, [opening])).get(opening)!;
      const ada = await agentOn(b);
      await open(ada, conversation);

      const fromVisitor = sendAll(
        v.client,
        Array.from({ length: 15 }, (_, i) => `visitor ${i}`),
        conversation,
      );
      const fromAgent = Array.from({ length: 15 }, (_, i) => {
        const { id, frame } = sendFrame(`agent ${i}`, conversation);
        ada.send(frame);
        return id;
      });
      await Promise.all([acksFor(v.client, fromVisitor), acksFor(ada, fromAgent)]);
      await messagesWithIds(ada, fromVisitor);
      await messagesWithIds(v.client, fromAgent);

      const rows = await stored(conversation);
      assert.deepEqual(
        rows.map((r) => r.seq),
        rows.map((_, i) => i + 1),
        'gapless',
      );
      const ids = rows.map((r) => r.client_id);
      assert.equal(new Set(ids).size, ids.length, 'no client id twice');
      assert.deepEqual(
        ids.filter((id) => fromVisitor.includes(id)),
        fromVisitor,
        "the visitor's messages in the order sent",
      );
      assert.deepEqual(
        ids.filter((id) => fromAgent.includes(id)),
        fromAgent,
        "the agent's messages in the order sent",
      );
      v.client.close();
      ada.close();
    });

    it('catches up from storage after Redis restarts: nothing missed, nothing doubled', async () => {
      const v = await visitorOn(a);
      const [opening = ''] = sendAll(v.client, ['before the outage']);
      const { conversation } = (await acksFor(v.client, [opening])).get(opening)!;
      const ada = await agentOn(b);
      await open(ada, conversation);
      await v.client.next('message', 10_000); // the greeting
      v.client.frames.length = 0;

      let duringVisitor: string[] = [];
      let duringAgent: string[] = [];
      // A message that only storage knows of: stored by a process that died before it could publish.
      const orphan = uuidv7();
      let readSeq = 0;
      await redis.restart(async () => {
        // Both processes serve their own sockets while Redis is gone: everything is stored and acked.
        duringVisitor = sendAll(v.client, ['sent while redis is down 1', '2', '3'], conversation);
        duringAgent = ['reply while redis is down 1', '2'].map((text) => {
          const { id, frame } = sendFrame(text, conversation);
          ada.send(frame);
          return id;
        });
        await Promise.all([acksFor(v.client, duringVisitor), acksFor(ada, duringAgent)]);
        const body = { kind: 'text', text: 'stored, never published' } as const;
        const elsewhere = createPgStorage({ connectionString: schema.url, maxConnections: 1 });
        const written = await elsewhere.appendMessage({
          conversationId: conversation,
          clientId: orphan,
          role: 'agent',
          authorId: 'ada',
          authorName: 'Ada',
          body,
          quickReplies: null,
          proactive: false,
          createdAt: Date.now(),
          payloadHash: payloadHash(body, null),
        });
        await elsewhere.close();
        readSeq = written.message.seq;
        v.client.send({ type: 'read', conversation, seq: readSeq });
      });

      // After reconnecting, each process replays what the other published while Redis was away.
      const caughtUpByAgent = await messagesWithIds(ada, duringVisitor, 20_000);
      const caughtUpByVisitor = await messagesWithIds(v.client, [...duringAgent, orphan], 20_000);
      await waitFor('the read receipt in the agent’s list', () =>
        ada.frames.some(
          (f) =>
            f.type === 'conversation' &&
            (f.item as { id: string; visitorReadSeq: number }).id === conversation &&
            (f.item as { visitorReadSeq: number }).visitorReadSeq === readSeq,
        ),
      );

      // And live traffic flows again.
      const [after = ''] = sendAll(v.client, ['after the outage'], conversation);
      const liveAgain = await messagesWithIds(ada, [after]);

      const seqsAtAgent = [
        ...caughtUpByAgent,
        ...liveAgain,
        ...ada.seen('message').map((f) => f.message as WireMessage),
      ]
        .filter((m) => duringVisitor.includes(m.id))
        .map((m) => m.seq);
      assert.deepEqual(seqsAtAgent, [...new Set(seqsAtAgent)], 'no message delivered twice to the agent');
      assert.equal(seqsAtAgent.length, duringVisitor.length);
      assert.equal(
        [...caughtUpByVisitor, ...v.client.seen('message').map((f) => f.message as WireMessage)].filter((m) =>
          [...duringAgent, orphan].includes(m.id),
        ).length,
        duringAgent.length + 1,
        'no reply delivered twice to the visitor',
      );
      const rows = await stored(conversation);
      assert.deepEqual(
        rows.map((r) => r.seq),
        rows.map((_, i) => i + 1),
      );
      assert.equal(rows.length, 2 + duringVisitor.length + duringAgent.length + 1 + 1);
      v.client.close();
      ada.close();
    });

    it('drops the agents of a process killed without a word from presence, within the snapshot expiry', async () => {
      // A third process, so the others stay up for the next test. Its snapshot is rewritten every 5 s and counts
      // as gone after 15 s: visitors elsewhere see the agent leave by then, though no one said goodbye.
      const c = await startProcess('c', env());
      try {
        const v = await visitorOn(a);
        const ada = await agentOn(c);
        await presence(v.client, 'online');
        const killedAt = Date.now();
        await c.kill();
        for (;;) {
          const frame = await v.client.next<{ presence: string }>('presence', 30_000);
          if (frame.presence === 'offline') break;
        }
        const seconds = (Date.now() - killedAt) / 1000;
        assert.ok(seconds <= 25, `offline ${seconds.toFixed(1)} s after the kill (15 s expiry + 5 s reread, + slack)`);
        v.client.close();
        ada.close();
      } finally {
        await c.kill();
      }
    });

    it('loses and doubles nothing when the visitor’s process is killed mid-conversation', async () => {
      const v = await visitorOn(a);
      const [opening = ''] = sendAll(v.client, ['first']);
      const { conversation } = (await acksFor(v.client, [opening])).get(opening)!;
      const ada = await agentOn(b);
      await open(ada, conversation);

      // Fifteen messages back to back, and process A dies (SIGKILL) while it is still handling them.
      const texts = Array.from({ length: 15 }, (_, i) => `message ${i}`);
      const frames = texts.map((text) => sendFrame(text, conversation));
      frames.slice(0, 8).forEach(({ frame }) => v.client.send(frame));
      const killed = a.kill();
      frames.slice(8).forEach(({ frame }) => {
        if (v.client.ws.readyState === v.client.ws.OPEN) v.client.send(frame);
      });
      await killed;
      await v.client.closed;
      const ackedBeforeKill = new Set(v.client.seen('ack').map((f) => f.id as string));

      // As the client's outbox does: reconnect (to the other process) and re-send every unacked message,
      // same ids, same order.
      const again = await visitorOn(b, v.welcome.visitor.token);
      assert.equal(again.welcome.visitor.id, v.welcome.visitor.id);
      const unacked = frames.filter(({ id }) => !ackedBeforeKill.has(id));
      unacked.forEach(({ frame }) => again.client.send(frame));
      await acksFor(
        again.client,
        unacked.map((f) => f.id),
      );

      const ids = frames.map((f) => f.id);
      const rows = await stored(conversation);
      assert.deepEqual(
        rows.map((r) => r.seq),
        rows.map((_, i) => i + 1),
        'gapless',
      );
      assert.deepEqual(
        rows.map((r) => r.client_id).filter((id) => ids.includes(id)),
        ids,
        'every message stored exactly once, in the order sent',
      );
      // The agent on the surviving process saw every one of them (a re-sent duplicate is re-published).
      await messagesWithIds(ada, ids);

      a = await startProcess('a', env()); // for whatever runs next
      again.client.close();
      ada.close();
    });
  });
}
