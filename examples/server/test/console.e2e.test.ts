// The agent console in real Chromium against the real server: sign in, see a waiting visitor, read their
// message (markup and all, shown as text), see their context (fetched on demand), reply, and the visitor
// receives it. No CSP violation allowed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { computeUserHash } from '../src/auth/index.js';
import { topics } from '../src/fanout.js';
import { payloadHash } from '../src/hub.js';
import { AGENT_TOKEN, SECRET, say, startTestServer, uuidv7, visitor, type TestServer } from './harness.js';

const CHROME = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('agent console in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    server = await startTestServer();
    browser = await chromium.launch({ executablePath: CHROME, headless: true, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('signs in, answers a waiting visitor, and the visitor gets the reply', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    const userHash = computeUserHash(SECRET, 'u-42');
    const v = await visitor(server, {
      auth: { mode: 'identified', userId: 'u-42', userHash, name: '<b>Dana</b>' },
      consent: { context: true, analytics: false },
    });
    const item = { id: 'sku-1', title: '<b>Linen</b> apron', quantity: 2, price: 1500 };
    v.client.send({
      type: 'context',
      page: { url: 'https://shop.test/cart', title: 'Cart <script>alert(1)</script>' },
      cart: { currency: 'EUR', total: 3000, itemCount: 2, items: [item] },
    });
    const question = 'Where is my order <img src=x onerror=alert(1)>#1234?';
    await say(v.client, question);

    await page.goto(`http://127.0.0.1:${server.port}/agent`);
    await page.getByLabel('Agent token').fill(AGENT_TOKEN);
    await page.getByLabel('Agent token').press('Enter');
    const row = page.getByRole('button', { name: /Dana/ });
    await row.waitFor({ timeout: 5000 });
    await row.click();

    const log = page.getByRole('log');
    await log.getByText(question, { exact: true }).waitFor({ timeout: 5000 });
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no markup from the visitor reached the DOM');
    // The row is a summary; the cart comes with the details the console asks for on open, as text.
    const panel = page.locator('.visitor-panel');
    await panel.getByText('2 × <b>Linen</b> apron', { exact: false }).waitFor({ timeout: 5000 });
    await panel.getByText('Cart <script>alert(1)</script>').waitFor({ timeout: 5000 });
    assert.equal(await panel.getByText('<b>Dana</b>').count(), 1, 'the name is shown as sent');
    assert.equal(await page.locator('.visitor-panel b, .visitor-panel script').count(), 0);

    await page.getByRole('textbox', { name: 'Reply', exact: true }).fill('It ships today.');
    await page.getByRole('textbox', { name: 'Reply', exact: true }).press('Enter');
    type Got = { message: { author: { role: string; name: string }; body: { text: string } } };
    let got = await v.client.next<Got>('message', 5000);
    if (got.message.author.role === 'bot') got = await v.client.next<Got>('message', 5000); // the site greeting
    assert.deepEqual(
      [got.message.author.role, got.message.author.name, got.message.body.text],
      ['agent', 'Ada', 'It ships today.'],
    );
    assert.deepEqual(problems, [], 'no console errors or CSP violations');
    v.client.close();
    await page.close();
  });

  it('shows a message that was stored but never announced (its process died in between)', async () => {
    const page = await browser.newPage();
    const v = await visitor(server);
    const { ack } = await say(v.client, 'Before the crash');
    await page.goto(`http://127.0.0.1:${server.port}/agent`);
    await page.getByLabel('Agent token').fill(AGENT_TOKEN);
    await page.getByLabel('Agent token').press('Enter');
    const log = page.getByRole('log');
    const row = page.getByRole('button', { name: /Anonymous visitor/ });
    await row.waitFor({ timeout: 5000 });
    await row.click();
    await log.getByText('Before the crash', { exact: true }).waitFor({ timeout: 5000 });

    // What a process that stores a message and dies before publishing it leaves: the row, not the message.
    // The visitor's retry of it elsewhere is a duplicate, and a duplicate is not broadcast (protocol §9.2).
    const body = { kind: 'text', text: 'Stored, then the process died' } as const;
    const now = Date.now();
    await server.hub.storage.appendMessage({
      conversationId: ack.conversation,
      clientId: uuidv7(),
      role: 'visitor',
      authorId: v.welcome.visitor.id,
      authorName: null,
      body,
      quickReplies: null,
      proactive: false,
      createdAt: now,
      payloadHash: payloadHash(body, null),
    });
    server.hub.fanout.publish(topics.agents('shop'), { kind: 'conversation', conversation: ack.conversation });
    await log.getByText(body.text, { exact: true }).waitFor({ timeout: 5000 });
    v.client.close();
    await page.close();
  });
});
