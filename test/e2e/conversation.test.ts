/**
 * One whole conversation in real Chromium against a real server process: a visitor on a shop page (the CDN
 * script, auto-initialised from its `data-*` attributes) and the agent console in another browser context.
 * Typing, read receipts, an attachment, quick replies and agent presence; a reload; a second tab in step;
 * anonymous → identified; the transcript export. At the end the widget, the console, the export and the
 * server's storage hold the same messages, each once, in order.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { computeUserHash } from '../../examples/server/src/auth/index.js';
import { AgentConsole, Widget, launchBrowser, untilShown, watchProblems } from './support/browser.js';
import {
  AGENT_NAME,
  SECRET,
  startHostSite,
  startServerProcess,
  storedMessages,
  storedText,
  until,
  type HostSite,
  type ServerProcess,
} from './support/servers.js';

// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe('a conversation between the widget and the agent console', { timeout: 180_000 }, () => {
  let browser: Browser;
  let host: HostSite;
  let server: ServerProcess;
  let visitorContext: BrowserContext;
  let agentContext: BrowserContext;
  const problems: string[] = [];

  before(async () => {
    host = await startHostSite();
    server = await startServerProcess({ origins: [host.origin] });
    browser = await launchBrowser();
    visitorContext = await browser.newContext();
    agentContext = await browser.newContext({ acceptDownloads: true });
  });
  after(async () => {
    await browser?.close();
    await server?.dispose();
    await host?.close();
  });

  it('talks, reloads, keeps two tabs in step, carries over on login, and exports the transcript', async () => {
    const agentPage = await agentContext.newPage();
    watchProblems(agentPage, problems);
    const agent = new AgentConsole(agentPage);
    await agent.signIn(server.url);

    const page = await visitorContext.newPage();
    watchProblems(page, problems);
    await page.goto(host.cdnPage(server.url, {}, 'server'));
    const widget = new Widget(page);
    await widget.open();

    // Agent presence: the console is online, so the widget's header says so.
    await page.locator('.presence[data-presence="online"]').waitFor({ timeout: 15_000 });

    // The first message opens a conversation in the agent's queue.
    await widget.type('Hello, has order 1042 shipped?');
    await agent.openConversation(/Anonymous visitor/);
    await agent.message('Hello, has order 1042 shipped?').waitFor({ timeout: 10_000 });

    // The visitor types: the console shows it before the message arrives.
    await widget.input.pressSequentially('It was due on Monday', { delay: 5 });
    await agentPage.getByText('Visitor is typing…').waitFor({ timeout: 10_000 });
    await widget.input.press('Enter');
    await agent.message('It was due on Monday').waitFor({ timeout: 10_000 });

    // Read receipt: the transcript is on the agent's screen, so the visitor's message reads "Read".
    await page.locator('[part~="status"]', { hasText: 'Read' }).waitFor({ timeout: 10_000 });

    // The agent types (the widget shows it), then replies with quick replies.
    await agent.replyBox.pressSequentially('It ships', { delay: 5 });
    await page.locator('[part~="typing"]').waitFor({ timeout: 10_000 });
    await agent.replyBox.fill('');
    await agent.reply('It ships today. Would you like the tracking link?', 'Yes please, No thanks');
    await page
      .locator('[part~="message-agent"]', { hasText: 'It ships today. Would you like the tracking link?' })
      .waitFor({ timeout: 10_000 });
    const author = await page.locator('[part~="author"]').last().textContent();
    assert.equal(author?.trim(), AGENT_NAME, 'the agent’s name on the reply');

    // The panel is open, so the visitor has read it: the console shows "Seen".
    await agent.log.locator('.seen:not([hidden])').waitFor({ timeout: 10_000 });

    // A quick reply is one tap and goes out as the visitor's message; the buttons go away.
    await page.getByRole('button', { name: 'Yes please' }).click();
    await agent.message('Yes please').waitFor({ timeout: 10_000 });
    await until('the quick replies to go', async () => (await page.locator('[part~="quick-reply"]').count()) === 0);

    // An attachment: picked in the widget, shown as a file in the console, downloadable there.
    await page.locator('input[type="file"]').setInputFiles({ name: 'receipt.png', mimeType: 'image/png', buffer: PNG });
    await agent.message('Download receipt.png').waitFor({ timeout: 15_000 });
    const href = await agent.message('Download receipt.png').getAttribute('href');
    const file = await fetch(new URL(href ?? '', server.url));
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), PNG, 'the stored file is the one picked');

    const conversation = await widget.conversation();
    const expectAfterFile = [
      'visitor: Hello, has order 1042 shipped?',
      'visitor: It was due on Monday',
      'agent: It ships today. Would you like the tracking link?',
      'visitor: Yes please',
      'visitor: [file] receipt.png',
    ];
    assert.deepEqual(await untilShown('the widget', () => widget.shown(), expectAfterFile), expectAfterFile);

    // Reload: the conversation is still there.
    await page.reload();
    await widget.open();
    assert.deepEqual(
      await untilShown('the widget after reload', () => widget.shown(), expectAfterFile),
      expectAfterFile,
    );

    // A second tab of the same visitor: same conversation; what either tab sends shows in both.
    const tab2 = await visitorContext.newPage();
    watchProblems(tab2, problems);
    await tab2.goto(host.cdnPage(server.url, {}, 'server'));
    const widget2 = new Widget(tab2);
    await widget2.open();
    assert.deepEqual(await untilShown('the second tab', () => widget2.shown(), expectAfterFile), expectAfterFile);
    await widget2.type('Sent from my second tab');
    await widget.type('And from the first one');
    const afterTabs = [...expectAfterFile, 'visitor: Sent from my second tab', 'visitor: And from the first one'];
    assert.deepEqual(await untilShown('tab 1 in step', () => widget.shown(), afterTabs), afterTabs);
    assert.deepEqual(await untilShown('tab 2 in step', () => widget2.shown(), afterTabs), afterTabs);
    await tab2.close();

    // Anonymous → identified: the visitor logs in; the same conversation carries over, now with a name.
    const userHash = computeUserHash(SECRET, 'cust-1042');
    await page.evaluate(
      (hash) =>
        (window as unknown as { Parlor: { identify(i: unknown): Promise<void> } }).Parlor.identify({
          mode: 'identified',
          userId: 'cust-1042',
          userHash: hash,
          name: 'Dana Reyes',
        }),
      userHash,
    );
    await agentPage.getByRole('heading', { name: 'Conversation with Dana Reyes' }).waitFor({ timeout: 15_000 });
    await widget.type('I just logged in');
    const all = [...afterTabs, 'visitor: I just logged in'];
    assert.deepEqual(await untilShown('the widget after login', () => widget.shown(), all), all);
    assert.equal(await widget.conversation(), conversation, 'the same conversation');

    // Every side holds the same messages, each once, in order.
    assert.deepEqual(await untilShown('the console', () => agent.shown(), all), all);
    const stored = await storedMessages(server.url, conversation);
    assert.deepEqual(
      stored.map((m) => `${m.role}: ${storedText(m)}`),
      all,
    );
    assert.deepEqual(
      stored.map((m) => m.seq),
      all.map((_, i) => i + 1),
      'seqs 1..n, no gaps',
    );

    // The transcript export from the console: the same list, with the visitor's identity.
    const [download] = await Promise.all([
      agentPage.waitForEvent('download'),
      agentPage.getByRole('button', { name: 'Transcript JSON' }).click(),
    ]);
    const exported = JSON.parse(await readFile((await download.path()) ?? '', 'utf8')) as {
      visitor: { userId: string; name: string; mode: string };
      messages: Parameters<typeof storedText>[0][];
    };
    assert.deepEqual(
      exported.messages.map((m) => `${m.role}: ${storedText(m)}`),
      all,
    );
    assert.deepEqual([exported.visitor.mode, exported.visitor.userId], ['identified', 'cust-1042']);
    const [csv] = await Promise.all([
      agentPage.waitForEvent('download'),
      agentPage.getByRole('button', { name: 'Transcript CSV' }).click(),
    ]);
    const lines = (await readFile((await csv.path()) ?? '', 'utf8')).trim().split('\r\n');
    assert.equal(lines.length, all.length + 1, 'a header and one line per message');
    assert.match(lines[5] ?? '', /\[attachment\] receipt\.png/);

    assert.deepEqual(problems, [], 'no page errors, console errors or dialogs');
  });
});
