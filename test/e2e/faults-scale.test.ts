/**
 * Faults of the scale-out mode, in Chromium: two server processes on one PostgreSQL and one Redis, the
 * visitor's widget on one and the agent console on the other, so every message crosses processes through
 * Redis. `kill -9` the visitor's process (its client moves to the other through the proxy in front, as behind a
 * load balancer), and restart Redis while both sides write. Each case ends with every message stored once, in
 * order, and both screens showing exactly that.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { freshSchema, servicesModule, useServices } from '../../examples/server/test/services.js';
import { launchBrowser } from './support/browser.js';
import { assertExactlyOnce, numbered, openScene, untilStored, type Scene } from './support/scene.js';
import {
  FAST_LIMITS,
  startHostSite,
  startServerProcess,
  storedMessages,
  until,
  type HostSite,
  type ServerProcess,
  type ServerProcessOptions,
} from './support/servers.js';
import { startTcpProxy } from './support/tcp-proxy.js';

type Redis = Awaited<ReturnType<Awaited<ReturnType<typeof servicesModule>>['startRedis']>>;

/** The visitor and the agent take turns, `n` messages each, through their screens. */
async function takeTurns(scene: Scene, prefix: string, n: number) {
  const sent = { visitor: numbered(`${prefix} visitor`, n), agent: numbered(`${prefix} agent`, n) };
  for (let i = 0; i < n; i++) {
    await scene.widget.type(sent.visitor[i] ?? '');
    await scene.agent.reply(sent.agent[i] ?? '');
  }
  return sent;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Bursts go back to back, as fast as the page can send: that once got a drain closed as flooding (4029) at every
 * reconnect, and a message refused for rate stored behind later ones. Both are fixed; these bursts keep them so.
 */
const TYPING_MS = 0;

// PostgreSQL and Redis: those `pnpm test` started (DATABASE_URL, REDIS_URL), else private ones. In CI, failing
// to get them throws (this file then fails); elsewhere the suite is skipped with the reason.
const services = await useServices();
if (!services.ok) {
  describe('faults: scale-out on PostgreSQL and Redis', () => {
    it('needs PostgreSQL and Redis', { skip: services.reason }, () => {});
  });
} else {
  describe('faults: scale-out on PostgreSQL and Redis', { timeout: 420_000 }, () => {
    let browser: Browser;
    let host: HostSite;
    let schema: Awaited<ReturnType<typeof freshSchema>>;
    // A Redis of this file's own, so restarting it disturbs nothing else.
    let redis: Redis;
    let a: ServerProcess;
    let b: ServerProcess;
    let serverOptions: ServerProcessOptions;

    before(async () => {
      schema = await freshSchema(services.databaseUrl);
      redis = await (await servicesModule()).startRedis({ quiet: true });
      host = await startHostSite();
      serverOptions = { origins: [host.origin], limits: FAST_LIMITS, databaseUrl: schema.url, redisUrl: redis.url };
      a = await startServerProcess(serverOptions); // migrates the fresh schema first
      b = await startServerProcess(serverOptions);
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await Promise.allSettled([a?.dispose(), b?.dispose()]);
      await host?.close();
      await redis?.stop();
      await schema?.drop();
      await services.stop();
    });

    it('kill -9 the visitor’s process while both sides send: the widget moves to the other, each message once', async () => {
      // The widget reaches process A through the proxy (the load balancer); the console is on process B.
      let upstream = a.port;
      const proxy = await startTcpProxy(() => [upstream]);
      try {
        const scene = await openScene(browser, host, proxy.url, b.url, 'on process A');
        const burst = numbered('visitor', 150);
        const replies = numbered('agent', 10);
        const sending = scene.widget.sendMany(burst, TYPING_MS);
        const storedAtKill = await untilStored(b.url, scene.conversation, 30);
        await a.kill();
        const killedAt = Date.now();
        upstream = b.port; // the balancer's health check drops A
        // The agent, on B, carries on while the visitor is away.
        for (const text of replies) await scene.agent.reply(text);
        await sending;
        await until('the widget online again', async () => (await scene.widget.state()).connection === 'open', 60_000);
        const reconnectedAt = Date.now();
        const { storedAt } = await assertExactlyOnce(
          scene,
          b.url,
          { visitor: ['on process A', ...burst], agent: replies },
          120_000,
        );
        console.log(
          `# figure scale-out kill -9: ${storedAtKill} of 161 stored before the kill; the widget was on process B ${seconds(reconnectedAt - killedAt)} after it, all 161 stored ${seconds(storedAt - killedAt)} after it`,
        );
        assert.ok(storedAtKill < 151, 'the kill came before the burst was through');
        assert.ok(proxy.accepted >= 2, 'the widget opened a new connection, to B');
        assert.deepEqual(scene.problems, []);
        await scene.close();
      } finally {
        await proxy.close();
        await a.dispose();
        a = await startServerProcess(serverOptions); // for whatever runs next
      }
    });

    it('restart Redis while both sides send across processes: fan-out recovers, each message once', async () => {
      // The widget on process A, the console on process B: only Redis carries messages between them.
      const scene = await openScene(browser, host, a.url, b.url, 'before the outage');
      const before = await takeTurns(scene, 'before', 3);
      const lastAgentBefore = `agent: ${before.agent.at(-1)}`;
      await until('the widget to show the agent', async () => (await scene.widget.shown()).includes(lastAgentBefore));

      // A burst from the visitor is still going out when Redis dies; then both sides take turns while it is down.
      const burst = numbered('burst', 100);
      const sending = scene.widget.sendMany(burst, TYPING_MS);
      await untilStored(b.url, scene.conversation, 7 + 20);
      let during = { visitor: [] as string[], agent: [] as string[] };
      let storedAtKill = 0;
      let shownDuring: string[] = [];
      await redis.restart(async () => {
        storedAtKill = (await storedMessages(b.url, scene.conversation)).length;
        await sending; // the rest of the burst is in the outbox, in order, before the visitor types on
        // Both processes keep serving their own sockets: each side's messages are stored and acked.
        during = await takeTurns(scene, 'during', 5);
        await untilStored(b.url, scene.conversation, 1 + 6 + 100 + 10);
        await until('the widget to hold no pending message', async () => (await scene.widget.state()).pending === 0);
        shownDuring = await scene.widget.shown();
      });
      const upAt = Date.now();
      // The premise: with Redis down, nothing of B's reached the visitor on A.
      assert.deepEqual(
        shownDuring.filter((line) => line.startsWith('agent: during')),
        [],
        'the fan-out was really cut',
      );
      // After the restart each process replays from storage what the other stored meanwhile.
      const lastVisitor = `visitor: ${during.visitor.at(-1)}`;
      const lastAgent = `agent: ${during.agent.at(-1)}`;
      await scene.agent.loadAll();
      await until('the console to catch up', async () => (await scene.agent.shown()).includes(lastVisitor), 60_000);
      await until('the widget to catch up', async () => (await scene.widget.shown()).includes(lastAgent), 60_000);
      const caughtUpAt = Date.now();

      const afterwards = await takeTurns(scene, 'after', 3);
      await assertExactlyOnce(scene, b.url, {
        visitor: ['before the outage', ...before.visitor, ...burst, ...during.visitor, ...afterwards.visitor],
        agent: [...before.agent, ...during.agent, ...afterwards.agent],
      });
      console.log(
        `# figure scale-out Redis restart: ${storedAtKill} of 107 stored when it went down, the rest and 10 more while it was down; both screens caught up ${seconds(caughtUpAt - upAt)} after it came back`,
      );
      assert.deepEqual(scene.problems, []);
      await scene.close();
    });
  });
}
