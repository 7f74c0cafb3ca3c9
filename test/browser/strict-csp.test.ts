// The CDN build on host pages with a strict Content-Security-Policy (no unsafe-inline, no unsafe-eval) and
// Trusted Types enforced: the widget must work there with zero violation reports. Loads the built files
// (`pnpm build` first; `pnpm test` does).
import { expect, waitUntil } from '@open-wc/testing';
import { startServer, stopServer, storedMessages, type TestServerInfo } from '../support/server.js';

interface Facade {
  init(options: { siteId: string; server: string; open?: boolean }): void;
  destroy(): void;
  readonly client?: { getSnapshot(): { conversation: { id: string } | null } };
}

/** Loads a fixture page in an iframe and records every CSP violation it reports. */
async function hostPage(path: string) {
  const frame = document.createElement('iframe');
  frame.src = path;
  const violations: string[] = [];
  const loaded = new Promise<void>((resolve) => frame.addEventListener('load', () => resolve(), { once: true }));
  document.body.append(frame);
  await loaded;
  const win = frame.contentWindow as (Window & { Parlor?: Facade }) | null;
  if (!win) throw new Error('no frame window');
  win.document.addEventListener('securitypolicyviolation', (e) =>
    violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`),
  );
  await waitUntil(() => win.Parlor && 'init' in win.Parlor, 'parlor.js ran under the policy');
  return { frame, win, violations, parlor: win.Parlor as Facade };
}

/** The deepest element of the widget inside the frame. */
function composerTextarea(win: Window): HTMLTextAreaElement | null {
  const chat = win.document.querySelector('parlor-chat');
  const panel = chat?.shadowRoot?.querySelector('parlor-panel');
  return panel?.shadowRoot?.querySelector('parlor-composer')?.shadowRoot?.querySelector('textarea') ?? null;
}

// One site per page: both pages share this origin's IndexedDB, and a message acked just as its page went away
// stays in that page's outbox, to be sent again (to the next server, here a fresh one) by the next client.
for (const [name, path, siteId] of [
  ["script-src 'self'", '/test/browser/fixtures/strict-csp.html', 'w-csp-self'],
  ["'nonce-…' 'strict-dynamic'", '/test/browser/fixtures/nonce-csp.html', 'w-csp-nonce'],
] as const) {
  describe(`the CDN widget under ${name} with Trusted Types`, () => {
    let server: TestServerInfo;
    before(async () => {
      server = await startServer({ siteId });
    });
    after(async () => {
      await stopServer(server);
    });

    it('opens, sends a message and reports zero violations', async () => {
      const { frame, win, violations, parlor } = await hostPage(path);
      try {
        parlor.init({ siteId: server.siteId, server: server.url, open: true });
        await waitUntil(() => composerTextarea(win), 'the panel loads and renders', { timeout: 8000 });
        const textarea = composerTextarea(win);
        if (!textarea) throw new Error('no composer');
        textarea.value = 'Sent from a locked-down page';
        textarea.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
        textarea.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }));
        await waitUntil(() => parlor.client?.getSnapshot().conversation, 'acknowledged', { timeout: 8000 });
        const conversation = parlor.client?.getSnapshot().conversation?.id ?? '';
        const stored = await storedMessages(server, conversation);
        expect(stored.map((m) => m.body.text)).to.deep.equal(['Sent from a locked-down page']);
        // The launcher's and the panel's styles applied (constructable stylesheets need no unsafe-inline).
        const launcher = win.document.querySelector('parlor-chat')?.shadowRoot?.querySelector('[part~="launcher"]');
        expect(launcher && win.getComputedStyle(launcher).borderRadius).to.equal('50%');
        expect(violations).to.deep.equal([]);
      } finally {
        parlor.destroy();
        frame.remove();
      }
    });
  });
}
