/**
 * Per-IP limits hold across processes: with REDIS_URL, two real server processes (`src/main.ts`) share the
 * connection cap, the message rate and the HTTP request rate of one address, so running N processes does
 * not allow N times the limit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, ORIGIN } from './harness.js';
import { sendFrame, startProcess, visitorOn, type ServerProcess } from './processes.js';
import { freshSchema, servicesModule, useServices } from './services.js';

const services = await useServices();
if (!services.ok) {
  describe('shared limits: two processes on Redis', () => {
    it('needs PostgreSQL and Redis', { skip: services.reason }, () => {});
  });
} else {
  describe('shared limits: two processes on Redis', { timeout: 120_000 }, () => {
    let schema: Awaited<ReturnType<typeof freshSchema>>;
    // A Redis of this file's own: the limits of 127.0.0.1 in it are this file's alone.
    let redis: Awaited<ReturnType<Awaited<ReturnType<typeof servicesModule>>['startRedis']>>;
    let a: ServerProcess;
    let b: ServerProcess;
    const MAX_CONNECTIONS = 6;

    before(async () => {
      schema = await freshSchema(services.databaseUrl);
      redis = await (await servicesModule()).startRedis({ quiet: true });
      const env = { DATABASE_URL: schema.url, REDIS_URL: redis.url };
      const extra = { MAX_CONNECTIONS_PER_IP: String(MAX_CONNECTIONS) };
      a = await startProcess('a', env, extra); // migrates the fresh schema first
      b = await startProcess('b', env, extra);
    });

    after(async () => {
      await Promise.allSettled([a?.stop(), b?.stop()]);
      await redis?.stop();
      await schema?.drop();
      await services.stop();
    });

    it('counts one IP’s connections on both processes against one cap', async () => {
      const open = [];
      for (let i = 0; i < MAX_CONNECTIONS; i++) open.push((await visitorOn(i % 2 ? b : a)).client);
      for (const server of [a, b]) {
        const extra = new Client(`${server.wsUrl}/v1/connect`, ORIGIN);
        await extra.opened;
        assert.equal((await extra.closed).code, 4029, `a seventh connection on ${server.name}`);
      }
      // A slot given back on one process is free on the other.
      const first = open.shift();
      first?.close();
      await first?.closed;
      let reopened: Client | null = null;
      for (let attempt = 0; !reopened && attempt < 50; attempt++) {
        const next = new Client(`${b.wsUrl}/v1/connect`, ORIGIN);
        await next.opened;
        next.send({ type: 'hello', v: 1, site: 'shop', auth: { mode: 'anonymous' } });
        const outcome = await Promise.race([next.next('welcome', 5000).then(() => 'welcome'), next.closed]);
        if (outcome === 'welcome') reopened = next;
        else await new Promise((resolve) => setTimeout(resolve, 50)); // the close is still on its way to Redis
      }
      assert.ok(reopened, 'the freed slot was taken on the other process');
      for (const c of [...open, reopened]) c.close();
      await Promise.all([...open, reopened].map((c) => c.closed));
    });

    it('spends one IP’s message bucket on both processes', async () => {
      // Three visitors per process, each sending its whole connection burst (20) at once: 120 messages.
      // Each process alone would take all of its 60 (the per-IP burst); shared, the IP gets 60 plus the
      // refill (10/s) while they are handled.
      const visitors = [];
      for (let i = 0; i < 6; i++) visitors.push((await visitorOn(i % 2 ? b : a)).client);
      const started = Date.now();
      const ids = visitors.map((client) =>
        Array.from({ length: 20 }, (_, i) => {
          const { id, frame } = sendFrame(`burst ${i}`);
          client.send(frame);
          return id;
        }),
      );
      let stored = 0;
      let refused = 0;
      await Promise.all(
        visitors.map(async (client, v) => {
          const mine = new Set(ids[v]);
          while (mine.size) {
            const frame = await client.next<{ type: string; id?: string; code?: string; retryAfterMs?: number }>(
              ['ack', 'error'],
              15_000,
            );
            if (!frame.id || !mine.delete(frame.id)) continue;
            if (frame.type === 'ack') stored++;
            else {
              assert.equal(frame.code, 'rate_limited');
              assert.ok((frame.retryAfterMs ?? 0) > 0);
              refused++;
            }
          }
        }),
      );
      const seconds = (Date.now() - started) / 1000;
      assert.equal(stored + refused, 120);
      assert.ok(stored <= 60 + Math.ceil(10 * seconds) + 1, `${stored} stored in ${seconds} s`);
      for (const c of visitors) c.close();
      await Promise.all(visitors.map((c) => c.closed));
    });

    it('spends one IP’s HTTP request bucket on both processes', async () => {
      const post = (server: ServerProcess) =>
        fetch(`http://127.0.0.1:${server.port}/v1/events`, {
          method: 'POST',
          headers: { origin: ORIGIN, 'content-type': 'application/json' },
          body: JSON.stringify({ site: 'shop', events: [{ name: 'load', at: Date.now() }] }),
        });
      const started = Date.now();
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => post(i % 2 ? b : a)));
      const seconds = (Date.now() - started) / 1000;
      const accepted = results.filter((r) => r.status === 204).length;
      const limited = results.filter((r) => r.status === 429);
      assert.equal(accepted + limited.length, 60);
      // Each process alone would accept its 30 (the burst); shared, the IP gets 30 plus 5/s.
      assert.ok(accepted <= 30 + Math.ceil(5 * seconds) + 1, `${accepted} accepted in ${seconds} s`);
      assert.ok(limited.every((r) => Number(r.headers.get('retry-after')) >= 1));
    });

    it('keeps serving, with each process enforcing the limits alone, while Redis is down', async () => {
      await redis.restart(async () => {
        const { client } = await visitorOn(a);
        const { id, frame } = sendFrame('while Redis is down');
        client.send(frame);
        const ack = await client.next<{ id: string }>('ack', 10_000);
        assert.equal(ack.id, id);
        const res = await fetch(`http://127.0.0.1:${a.port}/v1/events`, {
          method: 'POST',
          headers: { origin: ORIGIN, 'content-type': 'application/json' },
          body: JSON.stringify({ site: 'shop', events: [{ name: 'load', at: Date.now() }] }),
        });
        assert.equal(res.status, 204);
        // The cap still holds, counted by this process alone: one connection over it is refused.
        const more = [];
        for (let i = 0; i < MAX_CONNECTIONS - 1; i++) more.push((await visitorOn(a)).client);
        const over = new Client(`${a.wsUrl}/v1/connect`, ORIGIN);
        await over.opened;
        assert.equal((await over.closed).code, 4029);
        for (const c of [client, ...more]) c.close();
        await Promise.all([client, ...more].map((c) => c.closed));
      });
    });
  });
}
