/**
 * Faults of the server and of the page: `kill -9` during a burst of 500 visitor messages, and a visitor who
 * reloads with messages still in the outbox, then closes the tab and comes back later. Each case ends with
 * every message stored once, in order, and both screens showing exactly that.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { Widget, launchBrowser, watchProblems } from './support/browser.js';
import { assertExactlyOnce, numbered, openScene } from './support/scene.js';
import {
  FAST_LIMITS,
  startHostSite,
  startServerProcess,
  storedMessages,
  storedText,
  until,
  type HostSite,
  type ServerProcess,
} from './support/servers.js';

describe('faults: server crash and page lifecycle', { timeout: 420_000 }, () => {
  let browser: Browser;
  let host: HostSite;
  let server: ServerProcess;

  before(async () => {
    host = await startHostSite();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.dispose();
    await host?.close();
  });

  it('kill -9 during a burst of 500 visitor messages, restart: all 501 stored once, in order', async () => {
    server = await startServerProcess({ origins: [host.origin], limits: FAST_LIMITS });
    const scene = await openScene(browser, host, server.url, server.url, 'burst start');
    const burst = numbered('burst', 500);
    const sending = scene.widget.sendMany(burst);
    let storedAtKill = 0;
    await until(
      'part of the burst stored',
      async () => (storedAtKill = (await storedMessages(server.url, scene.conversation)).length) >= 60,
      60_000,
      10,
    );
    await server.kill();
    await sending; // the rest goes to the outbox while the server is gone
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Counts the times the widget's connection opens from here: a drain that floods the server gets closed
    // and has to come back again and again, each time after a longer backoff.
    await scene.page.evaluate(() => {
      type Client = { subscribe(l: () => void): void; getSnapshot(): { connection: { status: string } } };
      const w = window as unknown as { Parlor: { client: Client }; parlorOpens: number };
      const client = w.Parlor.client;
      let last = client.getSnapshot().connection.status;
      w.parlorOpens = 0;
      client.subscribe(() => {
        const status = client.getSnapshot().connection.status;
        if (status === 'open' && last !== 'open') w.parlorOpens++;
        last = status;
      });
    });
    const restartedAt = Date.now();
    await server.start();
    await until('the widget back online', async () => (await scene.widget.state()).connection === 'open', 60_000, 50);
    const reconnectedAt = Date.now();
    const result = await assertExactlyOnce(
      scene,
      server.url,
      { visitor: ['burst start', ...burst], agent: [] },
      120_000,
    );
    console.log(
      `# figure kill-9 burst: ${storedAtKill} of 501 stored before the kill; reconnected ${((reconnectedAt - restartedAt) / 1000).toFixed(1)} s after the restart, all 501 stored ${((result.storedAt - restartedAt) / 1000).toFixed(1)} s after it`,
    );
    assert.ok(storedAtKill < 501, 'the kill came before the burst was through');
    const opens = await scene.page.evaluate(() => (window as unknown as { parlorOpens: number }).parlorOpens);
    assert.equal(opens, 1, 'one connection after the restart carried the whole drain');
    assert.deepEqual(scene.problems, []);
    await scene.close();
    await server.dispose();
  });

  it('a first message sent as the page goes away: kept, and delivered once from the next page', async () => {
    server = await startServerProcess({ origins: [host.origin], limits: FAST_LIMITS });
    const problems: string[] = [];
    const context = await browser.newContext();
    const page = await context.newPage();
    watchProblems(page, problems);
    await page.goto(host.cdnPage(server.url));
    const widget = new Widget(page);
    await widget.open();
    await until('the client is there', async () => (await widget.state()).connection !== 'none');
    // A new visitor's first message, and a navigation in the same task — a link clicked right after
    // pressing send. Its storage was not even open yet, so its outbox write cannot have committed.
    const left = page.waitForEvent('load');
    await page
      .evaluate(() => {
        const parlor = (window as unknown as { Parlor: { client: { send(t: string): Promise<string> } } }).Parlor;
        void parlor.client.send('sent while leaving');
        location.reload();
      })
      .catch(() => undefined); // the navigation ends the evaluation's context
    await left;
    await widget.open();
    const conversation = await widget.conversation();
    await until('stored', async () => (await storedMessages(server.url, conversation)).length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 500)); // room for a double to show up
    const rows = await storedMessages(server.url, conversation);
    assert.deepEqual(
      rows.map((m) => `${m.role}: ${storedText(m)}`),
      ['visitor: sent while leaving'],
    );
    assert.deepEqual(await widget.shown(), ['visitor: sent while leaving']);
    assert.deepEqual(problems, []);
    await context.close();
    await server.dispose();
  });

  it('reload with messages in the outbox, then close the tab and come back: each stored once, in order', async () => {
    server = await startServerProcess({ origins: [host.origin], limits: FAST_LIMITS });
    const scene = await openScene(browser, host, server.url, server.url, 'before the outage');
    await server.kill();
    // `send()` resolves once the message is in the IndexedDB outbox: the moment a reload may come.
    await scene.widget.sendMany(['queued 1', 'queued 2', 'queued 3']);
    assert.equal((await scene.widget.state()).pending, 3);

    // Reload: the queued messages are still on screen, still waiting.
    await scene.page.reload();
    await scene.widget.open();
    await until('three still waiting after reload', async () => (await scene.widget.state()).pending === 3);
    const afterReload = await scene.widget.shown();
    assert.deepEqual(afterReload, [
      'visitor: before the outage',
      'visitor: queued 1',
      'visitor: queued 2',
      'visitor: queued 3',
    ]);

    // Two more, then the tab closes with five in the outbox.
    await scene.widget.sendMany(['queued 4', 'queued 5']);
    assert.equal((await scene.widget.state()).pending, 5);
    await scene.page.close();
    await server.start();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const none = await storedMessages(server.url, scene.conversation);
    assert.equal(none.length, 1, 'nothing is sent while no tab is open');

    // The visitor comes back later in a new tab: the outbox goes out, once.
    const page = await scene.visitorContext.newPage();
    watchProblems(page, scene.problems);
    await page.goto(host.cdnPage(server.url));
    scene.page = page;
    scene.widget = new Widget(page);
    await scene.widget.open();
    await assertExactlyOnce(scene, server.url, {
      visitor: ['before the outage', ...numbered('queued', 5).map((t) => t.replace(/ 00/, ' '))],
      agent: [],
    });
    assert.deepEqual(scene.problems, []);
    await scene.close();
    await server.dispose();
  });
});
