/**
 * The example Content-Security-Policy in docs/security.md, taken from the guide itself and pointed at a real chat
 * server on another origin: a page served with exactly that policy (Trusted Types enforced) loads `parlor.js` from
 * the chat server, opens the widget and sends a message, with zero violation reports. The browser test of the CSP
 * loads the script from the page's own origin; this is the cross-origin case the guide describes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, watchProblems, Widget } from './support/browser.js';
import { SITE, startServerProcess, storedMessages, storedText, until, type ServerProcess } from './support/servers.js';

/** The policy line of the guide's "For example" block. */
function guidePolicy(): string {
  const guide = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
  const policy = /```text\n(default-src[^\n]*)\n```/.exec(guide)?.[1];
  if (!policy) throw new Error('docs/security.md has no example policy block');
  return policy;
}

describe('the example policy in docs/security.md', { timeout: 120_000 }, () => {
  let browser: Browser;
  let chat: ServerProcess;
  let site: Server;
  let siteOrigin = '';
  let policy = '';

  before(async () => {
    browser = await launchBrowser();
    site = createServer((req, res) => {
      if (req.url !== '/') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': policy });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Locked down</title></head>
<body><h1>A page with a strict policy</h1>
<script src="${chat.url}/cdn/parlor.js" data-site-id="${SITE}" data-server="${chat.url}" async></script>
</body></html>`);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    chat = await startServerProcess({ origins: [siteOrigin] });
  });

  after(async () => {
    await browser?.close();
    await chat?.dispose();
    await new Promise((resolve) => site?.close(resolve));
  });

  it('loads the widget from the chat server and chats, with zero violations', async () => {
    const guide = guidePolicy();
    assert.match(guide, /require-trusted-types-for 'script'/, 'the guide enforces Trusted Types');
    assert.doesNotMatch(guide, /unsafe-inline|unsafe-eval/);
    // The guide's server, https://chat.example.com, is this test's chat server.
    policy = guide
      .replaceAll('wss://chat.example.com', chat.url.replace(/^http/, 'ws'))
      .replaceAll('https://chat.example.com', chat.url);

    const context = await browser.newContext();
    await context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { violations: string[] }).violations = seen;
      document.addEventListener('securitypolicyviolation', (e) =>
        seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`),
      );
    });
    const page = await context.newPage();
    const problems = watchProblems(page);
    const response = await page.goto(`${siteOrigin}/`);
    assert.equal(response?.headers()['content-security-policy'], policy, 'the page is served with the policy');

    const widget = new Widget(page);
    await widget.open();
    await widget.type('sent under the guide’s policy');
    const conversation = await widget.conversation();
    await until('stored', async () => (await storedMessages(chat.url, conversation)).length >= 1);
    assert.deepEqual((await storedMessages(chat.url, conversation)).map(storedText), ['sent under the guide’s policy']);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { violations: string[] }).violations), []);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
