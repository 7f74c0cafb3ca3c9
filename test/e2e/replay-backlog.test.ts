/**
 * A backlog drains fast (protocol §6.2 "Replays"): 300 messages written in the widget while the server is down
 * (`kill -9`) are stored soon after it is back, under the server's default limits — each once, in order, on the
 * server, in the widget and in the console. The figure printed is the drain time; no test asserts a time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './support/browser.js';
import { assertExactlyOnce, numbered, openScene } from './support/scene.js';
import { startHostSite, startServerProcess, until, type HostSite, type ServerProcess } from './support/servers.js';

describe('replay: a backlog queued during a crash', { timeout: 300_000 }, () => {
  let browser: Browser;
  let host: HostSite;
  let server: ServerProcess | undefined;

  before(async () => {
    host = await startHostSite();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.dispose();
    await host?.close();
  });

  it('300 messages written while the server was down: stored once, in order, soon after it is back', async () => {
    server = await startServerProcess({ origins: [host.origin] }); // the default limits: 2 messages/s live
    const scene = await openScene(browser, host, server.url, server.url, 'before the crash');
    await server.kill();
    await until('the widget to see the server gone', async () => (await scene.widget.state()).connection !== 'open');
    const backlog = numbered('offline', 300);
    await scene.widget.sendMany(backlog);
    const restartedAt = Date.now();
    await server.start();
    await until('the widget back online', async () => (await scene.widget.state()).connection === 'open', 60_000, 50);
    const reconnectedAt = Date.now();
    const result = await assertExactlyOnce(
      scene,
      server.url,
      { visitor: ['before the crash', ...backlog], agent: [] },
      200_000,
    );
    console.log(
      `# figure replay backlog: 300 queued messages stored ${((result.storedAt - restartedAt) / 1000).toFixed(1)} s after the restart (reconnected after ${((reconnectedAt - restartedAt) / 1000).toFixed(1)} s)`,
    );
    assert.deepEqual(scene.problems, []);
    await scene.close();
  });
});
