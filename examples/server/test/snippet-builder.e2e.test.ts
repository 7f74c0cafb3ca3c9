// The "deploy on my site" builder at /builder/ in real Chromium, under the server's own Content-Security-Policy:
// a site owner sets it up with the keyboard only, the real widget in the corner follows, the copy button puts the
// script tag on the clipboard, and that snippet pasted into a blank page on another origin shows the launcher with
// the chosen label, colour, corner and theme and chats with the server. The signed-in variant, with the user id
// and hash a site's server would fill in, chats as that user. The page also passes an axe audit.
import assert from 'node:assert/strict';
import { createHmac, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SECRET, startTestServer, testSites, type TestServer } from './harness.js';

const CHROME = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-sync'];

/** axe-core, the engine behind the browser tests' `to.be.accessible()`, reached through @open-wc/testing. */
function axeSource(): string {
  const openWc = createRequire(import.meta.resolve('@open-wc/testing'));
  const chaiAxe = createRequire(openWc.resolve('chai-a11y-axe'));
  return readFileSync(chaiAxe.resolve('axe-core/axe.min.js'), 'utf8');
}

/** Problems a page reports: console errors (CSP violations are among them) and uncaught exceptions. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`${msg.text()} ${msg.location().url}`);
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

// In-page code is written as strings: this package's TypeScript knows Node, not the DOM.

/** The launcher inside `<parlor-chat>`'s shadow root: its accessible name and colour, and which side it is on. */
function launcher(page: Page): Promise<{ name: string; background: string; side: string } | null> {
  return page.evaluate(`(() => {
    const button = document.querySelector('parlor-chat')?.shadowRoot?.querySelector('button[part~="launcher"]');
    if (!button) return null;
    const box = button.getBoundingClientRect();
    return {
      name: button.getAttribute('aria-label') ?? button.textContent?.trim(),
      background: getComputedStyle(button).backgroundColor,
      side: box.left < innerWidth / 2 ? 'left' : 'right',
    };
  })()`);
}

/** The widget's theme as the page renders it: its `theme` attribute and the surface colour its tokens resolve to. */
function theme(page: Page): Promise<{ attribute: string | null; surface: string } | null> {
  return page.evaluate(`(() => {
    const chat = document.querySelector('parlor-chat');
    if (!chat) return null;
    return { attribute: chat.getAttribute('theme'), surface: getComputedStyle(chat).getPropertyValue('--parlor-surface').trim() };
  })()`);
}
const DARK = { attribute: 'dark', surface: '#1b1b1f' };

/** Waits until an expression is truthy in the page (polled from here: the page's CSP forbids eval in it). */
async function until(page: Page, expression: string): Promise<void> {
  for (let i = 0; !(await page.evaluate(expression)); i++) {
    if (i > 100) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Replaces a field's text the way a person does: select all, type. */
async function retype(page: Page, text: string): Promise<void> {
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(text);
}

describe('snippet builder in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  // A blank site of the owner's on its own origin: it serves whatever was pasted into it.
  let pasted = '';
  let site: Server;
  let siteOrigin: string;
  before(async () => {
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><title>Blank</title></head><body>\n${pasted}</body></html>`);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    const [shop, ...others] = testSites() as { allowedOrigins: string[] }[];
    server = await startTestServer({ sites: [{ ...shop, allowedOrigins: [siteOrigin] }, ...others] });
    browser = await chromium.launch({ executablePath: CHROME, headless: true, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    site?.close();
  });

  /** The builder in a fresh context allowed to use the clipboard, ready for input; its problems are watched. */
  async function openBuilder() {
    const base = `http://127.0.0.1:${server.port}`;
    const context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const page = await context.newPage();
    const problems = watch(page);
    const response = await page.goto(`${base}/builder`);
    await page.locator('body[data-ready]').waitFor();
    return { base, context, page, problems, csp: response?.headers()['content-security-policy'] ?? '' };
  }

  it('builds a script tag with the keyboard that works when pasted into a blank page', async () => {
    const { base, context, page, problems, csp } = await openBuilder();
    assert.match(csp, /script-src 'self'/, 'served under the CSP');

    // Keyboard only: from the site id field, Tab through the form in order.
    await page.getByLabel('Site id').focus();
    await retype(page, 'shop');
    await page.keyboard.press('Tab');
    await retype(page, base);
    await page.keyboard.press('Tab');
    await retype(page, '#0b6e4f');
    await page.keyboard.press('Tab'); // theme: a select, changed with the arrow keys like the radios
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getByLabel('Theme').inputValue(), 'dark', 'arrow keys pick the theme');
    await page.keyboard.press('Tab'); // position: the radio group
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getByLabel('Bottom left').isChecked(), true, 'arrow keys pick the position');
    await page.keyboard.press('Tab');
    await retype(page, 'Hello from the builder');
    await page.keyboard.press('Tab');
    await retype(page, 'Talk to Walnut');

    // The live preview is the real widget, following the settings.
    await until(
      page,
      `(() => {
      const chat = document.querySelector('parlor-chat');
      return chat?.getAttribute('launcher-label') === 'Talk to Walnut' && chat?.getAttribute('position') === 'left'
        && chat?.getAttribute('theme') === 'dark';
    })()`,
    );
    // The dark theme's tokens apply; the chosen accent still wins over the theme's own.
    assert.deepEqual(await launcher(page), { name: 'Talk to Walnut', background: 'rgb(11, 110, 79)', side: 'left' });
    assert.deepEqual(await theme(page), DARK, 'the preview is dark');

    // Copy with the keyboard: Tab on to the first copy button (past the focusable snippet), Enter.
    const focused = () => page.evaluate<string | undefined>('document.activeElement?.textContent');
    for (let i = 0; i < 10 && (await focused()) !== 'Copy the script tag'; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Copied script tag' }).waitFor();
    const copied = await page.evaluate<string>('navigator.clipboard.readText()');
    assert.equal(copied, await page.locator('#snippet-script').textContent(), 'the clipboard holds the snippet shown');
    assert.match(copied, /data-site-id="shop"/);
    assert.match(copied, /data-theme="dark"/);

    // Accessible: axe finds no WCAG 2.2 A/AA problem on the page, the widget included.
    await page.evaluate(axeSource());
    const violations = await page.evaluate<string[]>(`(async () => {
      const result = await axe.run({ runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] });
      return result.violations.flatMap((v) => v.nodes.map((n) => v.id + ' ' + n.target.join(' ') + ': ' + n.failureSummary));
    })()`);
    assert.deepEqual(violations, [], 'no axe violations');
    assert.deepEqual(problems, [], 'no console errors or CSP violations on the builder');

    // Paste it into a blank page on another origin (a site the server allows), as a site owner would.
    pasted = copied;
    const blank = await context.newPage();
    const blankProblems = watch(blank);
    await blank.goto(`${siteOrigin}/`);
    await until(blank, `document.querySelector('parlor-chat')?.shadowRoot?.querySelector('button')`);
    assert.deepEqual(await launcher(blank), { name: 'Talk to Walnut', background: 'rgb(11, 110, 79)', side: 'left' });
    assert.deepEqual(await theme(blank), DARK, 'the pasted widget is dark');

    // And it chats: the visitor's message reaches the server.
    await blank.locator('parlor-chat').locator('button[part~="launcher"]').click();
    const textarea = blank.locator('parlor-chat parlor-panel parlor-composer textarea');
    await textarea.fill('Pasted from the builder');
    await textarea.press('Enter');
    const stored = async () => {
      const [conversation] = await server.hub.storage.listConversations({ siteIds: ['shop'], limit: 5 });
      if (!conversation) return [];
      const messages = await server.hub.storage.allMessages(conversation.id);
      return messages.filter((m) => m.role === 'visitor').map((m) => (m.body as { text?: string }).text);
    };
    for (let i = 0; i < 100 && (await stored()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await stored(), ['Pasted from the builder']);
    assert.deepEqual(blankProblems, [], 'no console errors on the blank page');
    await context.close();
  });

  it('builds the signed-in script tag that chats as the user once the site fills in the id and hash', async () => {
    const { base, context, page, problems } = await openBuilder();
    await page.getByLabel('Site id').focus();
    await retype(page, 'shop');
    await page.keyboard.press('Tab');
    await retype(page, base);

    // "Who is chatting": arrow keys move from anonymous to signed-in users with a user hash.
    await page.getByLabel('Anonymous visitors').focus();
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getByLabel('Signed-in users, with a user hash').isChecked(), true);
    await until(page, `document.getElementById('snippet-script').textContent.includes("mode: 'identified'")`);
    const shown = (await page.locator('#snippet-script').textContent()) ?? '';
    assert.match(shown, /Parlor\.init\(\{/, 'the queueing stub and Parlor.init instead of data-* settings');
    assert.doesNotMatch(shown, /data-site-id/);
    assert.match(
      (await page.locator('#snippet-npm').textContent()) ?? '',
      /chat\.auth = \{ mode: 'identified'/,
      'the npm snippet signs in too',
    );
    assert.match((await page.locator('#snippet-react').textContent()) ?? '', /identity=\{\{ mode: 'identified'/);
    // The preview keeps chatting anonymously: it has no user to sign in.
    assert.equal(await page.evaluate('document.querySelector("parlor-chat")?.auth ?? null'), null);

    await page.getByRole('button', { name: 'Copy the script tag' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Copied script tag' }).waitFor();
    const copied = await page.evaluate<string>('navigator.clipboard.readText()');
    assert.equal(copied, shown, 'the clipboard holds the snippet shown');
    assert.deepEqual(problems, [], 'no console errors or CSP violations on the builder');

    // The site's server renders the placeholders for its signed-in user: the id and its HMAC with the
    // user-hash key derived from the site secret (docs/auth.md).
    const userId = 'walnut-customer-7';
    const userHashKey = Buffer.from(hkdfSync('sha256', SECRET, '', 'parlor user-hash v1', 32));
    const userHash = createHmac('sha256', userHashKey).update(userId).digest('hex');
    pasted = copied.replace('USER_ID', userId).replace('USER_HASH', userHash);
    assert.notEqual(pasted, copied, 'the snippet has placeholders to fill in');
    const blank = await (await browser.newContext()).newPage();
    const blankProblems = watch(blank);
    await blank.goto(`${siteOrigin}/`);
    await until(blank, `document.querySelector('parlor-chat')?.shadowRoot?.querySelector('button')`);
    await blank.locator('parlor-chat').locator('button[part~="launcher"]').click();
    const textarea = blank.locator('parlor-chat parlor-panel parlor-composer textarea');
    await textarea.fill('Signed in from the builder');
    await textarea.press('Enter');
    const stored = async () => {
      for (const conversation of await server.hub.storage.listConversations({ siteIds: ['shop'], limit: 20 })) {
        const visitor = await server.hub.storage.getVisitor(conversation.visitorId);
        if (visitor?.userId !== userId) continue;
        const messages = await server.hub.storage.allMessages(conversation.id);
        const texts = messages.filter((m) => m.role === 'visitor').map((m) => (m.body as { text?: string }).text);
        return { mode: visitor.mode, texts };
      }
      return null;
    };
    for (let i = 0; i < 100 && !(await stored())?.texts.length; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await stored(), { mode: 'identified', texts: ['Signed in from the builder'] });
    assert.deepEqual(blankProblems, [], 'no console errors on the blank page');
    await blank.context().close();
    await context.close();
  });
});
