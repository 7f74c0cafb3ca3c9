/**
 * Faults of the network, emulated in Chromium through the DevTools protocol and by a TCP proxy: a 30 s cut
 * while both sides keep sending, a slow link, and a half-open socket (the server stops answering without
 * closing), which only the heartbeat can detect. Each case ends with every message stored once, in order,
 * and both screens showing exactly that.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, network, setOffline } from './support/browser.js';
import { assertExactlyOnce, numbered, openScene } from './support/scene.js';
import {
  FAST_LIMITS,
  startHostSite,
  startServerProcess,
  type HostSite,
  type ServerProcess,
} from './support/servers.js';
import { startTcpProxy } from './support/tcp-proxy.js';

const CUT_MS = 30_000;

describe('faults: the network', { timeout: 300_000 }, () => {
  let browser: Browser;
  let host: HostSite;
  let server: ServerProcess;

  before(async () => {
    host = await startHostSite();
    browser = await launchBrowser();
    server = await startServerProcess({ origins: [host.origin], limits: FAST_LIMITS });
  });
  after(async () => {
    await browser?.close();
    await server?.dispose();
    await host?.close();
  });

  it('a 30 s network cut while both sides send: everything stored once, in order', async () => {
    const scene = await openScene(browser, host, server.url, server.url, 'before the cut');
    const visitorNet = await network(scene.visitorContext, scene.page);
    const agentNet = await network(scene.agentContext, scene.agentPage);
    await setOffline(visitorNet, true);
    await setOffline(agentNet, true);
    const cutAt = Date.now();
    const fromVisitor = numbered('offline visitor', 10);
    const fromAgent = numbered('offline agent', 10);
    for (let i = 0; i < 10; i++) {
      await scene.widget.type(fromVisitor[i] ?? '');
      await scene.agent.reply(fromAgent[i] ?? '');
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, cutAt + CUT_MS - Date.now())));
    await setOffline(visitorNet, false);
    await setOffline(agentNet, false);
    const restoredAt = Date.now();
    const { storedAt } = await assertExactlyOnce(scene, server.url, {
      visitor: ['before the cut', ...fromVisitor],
      agent: fromAgent,
    });
    console.log(
      `# figure network cut: ${CUT_MS / 1000} s offline; all 21 stored ${((storedAt - restoredAt) / 1000).toFixed(1)} s after the network came back`,
    );
    assert.deepEqual(scene.problems, []);
    await scene.close();
  });

  it('a slow link (400 ms each way, 16 KB/s): everything stored once, in order', async () => {
    const scene = await openScene(browser, host, server.url, server.url, 'on a slow link');
    const visitorNet = await network(scene.visitorContext, scene.page);
    await visitorNet.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 400,
      downloadThroughput: 16 * 1024,
      uploadThroughput: 16 * 1024,
    });
    const fromVisitor = numbered('slow visitor', 10);
    const fromAgent = numbered('slow agent', 5);
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) {
      await scene.widget.type(fromVisitor[i] ?? '');
      if (i % 2 === 0) await scene.agent.reply(fromAgent[i / 2] ?? '');
    }
    const { storedAt } = await assertExactlyOnce(scene, server.url, {
      visitor: ['on a slow link', ...fromVisitor],
      agent: fromAgent,
    });
    console.log(`# figure slow link: 16 stored ${((storedAt - t0) / 1000).toFixed(1)} s after the first send`);
    assert.deepEqual(scene.problems, []);
    await scene.close();
  });

  it('a half-open socket (the server stops answering, nothing closes): the heartbeat finds it, nothing lost', async () => {
    const proxy = await startTcpProxy(() => [server.port]);
    try {
      const scene = await openScene(browser, host, proxy.url, server.url, 'before the silence');
      const before = proxy.accepted;
      proxy.freeze();
      const frozenAt = Date.now();
      const fromVisitor = numbered('into the silence', 5);
      for (const text of fromVisitor) await scene.widget.type(text);
      const fromAgent = ['are you still there?'];
      await scene.agent.reply(fromAgent[0] ?? '');
      const { storedAt } = await assertExactlyOnce(scene, server.url, {
        visitor: ['before the silence', ...fromVisitor],
        agent: fromAgent,
      });
      assert.ok(proxy.accepted > before, 'the widget opened a new connection');
      console.log(
        `# figure half-open: all 7 stored ${((storedAt - frozenAt) / 1000).toFixed(1)} s after the socket went silent (ping every ${FAST_LIMITS.pingIntervalMs / 1000} s)`,
      );
      assert.deepEqual(scene.problems, []);
      await scene.close();
    } finally {
      await proxy.close();
    }
  });
});
