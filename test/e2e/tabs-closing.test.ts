/**
 * A closing tab never takes messages with it. One visitor has two or three tabs open on the CDN shop page; the
 * tab holding the socket (the leader) is closed with messages still queued — its own and the other tabs' — while
 * the server is up, or while it is down and comes back afterwards. Whatever any tab queued must be stored once, in
 * the order it was sent, by a tab still open or by the next page; the server's storage, the widget of every
 * remaining tab and the agent console must show exactly that.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Widget, launchBrowser, untilShown, watchProblems } from './support/browser.js';
import { assertExactlyOnce, numbered, openSides, startConversation, type Scene } from './support/scene.js';
import {
  FAST_LIMITS,
  startHostSite,
  startServerProcess,
  storedMessages,
  until,
  type HostSite,
  type ServerProcess,
} from './support/servers.js';

/**
 * A slow message rate, so that a burst from the tabs is still queued in the leader when it closes (the client
 * paces its sends to the rate the server announces). Everything else as generous as the other fault suites.
 */
const SLOW_MESSAGES = { ...FAST_LIMITS, messagesPerSecond: 4, messageBurst: 5 };

/** One tab of the visitor: its page and widget. */
interface Tab {
  page: Page;
  widget: Widget;
}

/** The tab's place in its group (`leader`, `follower` or `solo`), from the widget's client. */
function role(page: Page): Promise<string> {
  return page.evaluate(() => {
    type Client = { getSnapshot(): { tab: string } };
    return (window as unknown as { Parlor: { client: Client } }).Parlor.client.getSnapshot().tab;
  });
}

/**
 * Waits (a minute at most: at the slow rate, 61 messages take about 15 s) until the conversation holds `expected`
 * messages, and prints how many it holds then: the figure the issue counts. The assertions follow.
 */
async function settle(server: ServerProcess, scene: Scene, expected: number, what: string): Promise<void> {
  let count = 0;
  await until(
    `${expected} stored`,
    async () => (count = (await storedMessages(server.url, scene.conversation)).length) >= expected,
    60_000,
    250,
  ).catch(() => undefined);
  console.log(`# figure ${what}: ${count} of ${expected} stored`);
}

/** How many messages the client still holds unacked (its pending items, on screen as "sending"). */
async function pending(tab: Tab): Promise<number> {
  return (await tab.widget.state()).pending;
}

describe('tabs: the leader closes with messages queued', { timeout: 600_000 }, () => {
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

  /**
   * The visitor's first tab says `first` and the agent opens the conversation; then `count - 1` more tabs of the
   * same visitor open the widget and follow the first one, which holds the socket.
   */
  async function openTabs(count: number, first: string): Promise<{ scene: Scene; tabs: Tab[] }> {
    const sides = await openSides(browser, server.url);
    await sides.page.goto(host.cdnPage(server.url));
    await sides.widget.open();
    const scene = await startConversation(sides, first, /Anonymous visitor/);
    const tabs: Tab[] = [{ page: scene.page, widget: scene.widget }];
    for (let i = 1; i < count; i++) {
      const page = await scene.visitorContext.newPage();
      watchProblems(page, scene.problems);
      await page.goto(host.cdnPage(server.url));
      const widget = new Widget(page);
      await widget.open();
      tabs.push({ page, widget });
      await until(`tab ${i + 1} follows, in step`, async () => {
        const state = await widget.state();
        return (await role(page)) === 'follower' && state.connection === 'open' && state.stored === 1;
      });
    }
    assert.equal(await role(scene.page), 'leader', 'the first tab holds the socket');
    return { scene, tabs };
  }

  /** Asserts the stored conversation once more through every remaining tab's widget (the scene checks one). */
  async function assertEveryTabShows(scene: Scene, tabs: readonly Tab[]): Promise<void> {
    const expected = (await storedMessages(server.url, scene.conversation)).map(
      (m) => `${m.role}: ${m.body.text ?? ''}`,
    );
    for (const [i, tab] of tabs.entries())
      assert.deepEqual(
        await untilShown(`tab ${i + 1}`, () => tab.widget.shown(), expected, 30_000),
        expected,
        `the widget of remaining tab ${i + 1}`,
      );
    for (const [i, tab] of tabs.entries()) assert.equal(await pending(tab), 0, `nothing left pending in tab ${i + 1}`);
  }

  for (const count of [2, 3]) {
    it(`${count} tabs, server up: the leader closes with 20 of its own sends and the others' queued`, async () => {
      server = await startServerProcess({ origins: [host.origin], limits: SLOW_MESSAGES });
      const { scene, tabs } = await openTabs(count, 'hello from the first tab');
      // Every tab sends 20, one tab after another: their client ids, and so the order they must be stored in,
      // follow the order they were sent in. The leader paces them to the server's rate, so most are queued.
      const sent = tabs.map((_, i) => numbered(`tab ${i + 1}`, 20));
      for (const [i, tab] of tabs.entries()) await tab.widget.sendMany(sent[i] ?? []);
      const queued = await pending(tabs[0]!);
      const storedBefore = (await storedMessages(server.url, scene.conversation)).length;
      await tabs[0]!.page.close(); // the leader tab closes (not a navigation)
      const rest = tabs.slice(1);
      await until('a remaining tab takes the socket', async () => (await role(rest[0]!.page)) === 'leader');
      console.log(
        `# figure ${count} tabs, server up: ${storedBefore} of ${1 + 20 * count} stored when the leader closed, ${queued} pending in it`,
      );
      assert.ok(queued >= 10, `the leader still held its own sends when it closed (${queued} pending)`);
      await settle(server, scene, 1 + 20 * count, `${count} tabs, server up, the leader closed`);
      await assertExactlyOnce(
        { ...scene, widget: rest[0]!.widget },
        server.url,
        { visitor: ['hello from the first tab', ...sent.flat()], agent: [] },
        10_000,
      );
      await assertEveryTabShows(scene, rest);
      assert.deepEqual(scene.problems, []);
      await scene.close();
      await server.dispose();
    });

    it(`${count} tabs, server down: the leader closes with 3 sends queued; the server comes back`, async () => {
      server = await startServerProcess({ origins: [host.origin], limits: SLOW_MESSAGES });
      const { scene, tabs } = await openTabs(count, 'before the outage');
      await server.kill();
      await until('every tab sees the server gone', async () => {
        for (const tab of tabs) if ((await tab.widget.state()).connection === 'open') return false;
        return true;
      });
      const sent = tabs.map((_, i) => numbered(`offline tab ${i + 1}`, 3));
      for (const [i, tab] of tabs.entries()) await tab.widget.sendMany(sent[i] ?? []);
      assert.equal(await pending(tabs[0]!), 3, 'the leader holds its three');
      await tabs[0]!.page.close();
      const rest = tabs.slice(1);
      await until('a remaining tab takes the socket', async () => (await role(rest[0]!.page)) === 'leader');
      await server.start();
      await settle(server, scene, 1 + 3 * count, `${count} tabs, server down, the leader closed, then back`);
      await assertExactlyOnce(
        { ...scene, widget: rest[0]!.widget },
        server.url,
        { visitor: ['before the outage', ...sent.flat()], agent: [] },
        10_000,
      );
      await assertEveryTabShows(scene, rest);
      assert.deepEqual(scene.problems, []);
      await scene.close();
      await server.dispose();
    });
  }

  it('2 tabs, server down: both close with sends queued; the next page sends them, once', async () => {
    server = await startServerProcess({ origins: [host.origin], limits: SLOW_MESSAGES });
    const { scene, tabs } = await openTabs(2, 'before everything closed');
    await server.kill();
    const sent = tabs.map((_, i) => numbered(`closed tab ${i + 1}`, 3));
    for (const [i, tab] of tabs.entries()) await tab.widget.sendMany(sent[i] ?? []);
    await tabs[0]!.page.close(); // the leader first, then the tab that took over
    await until('the other tab takes the socket', async () => (await role(tabs[1]!.page)) === 'leader');
    await tabs[1]!.page.close();
    await server.start();
    const page = await scene.visitorContext.newPage();
    watchProblems(page, scene.problems);
    await page.goto(host.cdnPage(server.url));
    const widget = new Widget(page);
    await widget.open();
    await settle(server, scene, 7, '2 tabs, server down, both closed, then the next page');
    await assertExactlyOnce(
      { ...scene, widget },
      server.url,
      { visitor: ['before everything closed', ...sent.flat()], agent: [] },
      10_000,
    );
    assert.deepEqual(scene.problems, []);
    await scene.close();
    await server.dispose();
  });
});
