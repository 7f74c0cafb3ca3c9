// Smoke tests of the quick starts as shipped: examples/vanilla (one script tag), the built examples/vite app (npm)
// and the auth guide's page sample, each in a page of its own against the real reference server. They load built
// files (`pnpm build` first; `pnpm test` does).
import { expect, waitUntil } from '@open-wc/testing';
import { startServer, stopServer, storedMessages, userHash, type TestServerInfo } from '../support/server.js';

interface Snapshot {
  conversation: { id: string } | null;
  visitor: { mode: string; userId?: string | null } | null;
}
interface ChatElement extends HTMLElement {
  readonly client?: { getSnapshot(): Snapshot };
}

/** Opens a page in an iframe (same origin as this test, which every test server allows). */
async function page(init: { src: string } | { srcdoc: string }): Promise<{ frame: HTMLIFrameElement; win: Window }> {
  const frame = document.createElement('iframe');
  frame.style.cssText = 'width: 800px; height: 700px; border: 0';
  const loaded = new Promise<void>((resolve) => frame.addEventListener('load', () => resolve(), { once: true }));
  if ('src' in init) frame.src = init.src;
  else frame.srcdoc = init.srcdoc;
  document.body.append(frame);
  await loaded;
  if (!frame.contentWindow) throw new Error('no frame window');
  return { frame, win: frame.contentWindow };
}

const chat = (win: Window) => win.document.querySelector<ChatElement>('parlor-chat');
const launcher = (win: Window) => chat(win)?.shadowRoot?.querySelector<HTMLButtonElement>('button[part~="launcher"]');
const textarea = (win: Window) =>
  chat(win)
    ?.shadowRoot?.querySelector('parlor-panel')
    ?.shadowRoot?.querySelector('parlor-composer')
    ?.shadowRoot?.querySelector('textarea') ?? null;

/** Types a message into the open panel and sends it as a visitor would; resolves with what the server stored. */
async function sendAndRead(server: TestServerInfo, win: Window, text: string): Promise<string[]> {
  await waitUntil(() => textarea(win), 'the panel opens', { timeout: 8000 });
  const box = textarea(win);
  if (!box) throw new Error('no composer');
  box.value = text;
  box.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }));
  await waitUntil(() => chat(win)?.client?.getSnapshot().conversation, 'the server acknowledged it', { timeout: 8000 });
  const stored = await storedMessages(server, chat(win)?.client?.getSnapshot().conversation?.id ?? '');
  return stored.filter((m) => m.role === 'visitor').map((m) => m.body.text ?? '');
}

describe('examples/vanilla: one script tag', () => {
  let server: TestServerInfo;
  before(async () => {
    server = await startServer({ siteId: 'vanilla-example' });
  });
  after(async () => {
    await stopServer(server);
  });

  it('shows the themed launcher and chats with the server named in its script tag', async () => {
    // The page as written, with its chat server moved from :8787 to this test's server.
    const html = await (await fetch('/examples/vanilla/index.html')).text();
    expect(html).to.contain('<script src="http://localhost:8787/cdn/parlor.js" data-site-id="vanilla-example" async>');
    const { frame, win } = await page({
      srcdoc: html.replaceAll('href="', 'href="/examples/vanilla/').replaceAll('http://localhost:8787', server.url),
    });
    try {
      await waitUntil(() => launcher(win), 'the script tag draws the launcher', { timeout: 8000 });
      // examples/vanilla/theme.css (the theming guide's sample) reaches the launcher.
      expect(win.getComputedStyle(launcher(win) as Element).backgroundColor).to.equal('rgb(11, 110, 79)');
      launcher(win)?.click();
      expect(await sendAndRead(server, win, 'Hello from the vanilla example')).to.deep.equal([
        'Hello from the vanilla example',
      ]);
    } finally {
      (win as Window & { Parlor?: { destroy(): void } }).Parlor?.destroy();
      frame.remove();
    }
  });
});

describe('examples/vite: @parlor/widget from npm, built', () => {
  let server: TestServerInfo;
  before(async () => {
    server = await startServer({ siteId: 'vite-example' });
  });
  after(async () => {
    await stopServer(server);
  });

  it("mounts the widget from the app's bundle; its own button opens the chat", async () => {
    const { frame, win } = await page({ src: '/examples/vite/dist/index.html' });
    try {
      await waitUntil(() => launcher(win), 'the bundle defines <parlor-chat>', { timeout: 8000 });
      expect(win.getComputedStyle(launcher(win) as Element).backgroundColor).to.equal('rgb(107, 63, 160)');
      // The app names http://localhost:8787; point it at this test's server before anything connects.
      chat(win)?.setAttribute('server', server.url);
      win.document.querySelector<HTMLButtonElement>('#help')?.click();
      expect(await sendAndRead(server, win, 'Hello from the vite example')).to.deep.equal([
        'Hello from the vite example',
      ]);
    } finally {
      frame.remove();
    }
  });
});

describe("docs/samples/page-identity.js: the auth guide's page code", () => {
  let server: TestServerInfo;
  before(async () => {
    server = await startServer({ siteId: 'w-page-identity' });
  });
  after(async () => {
    await stopServer(server);
  });

  it('signs the visitor in with the hash the server computed, and forgets them on sign-out', async () => {
    const identity = { mode: 'identified', userId: 'u-page-7', userHash: await userHash('u-page-7'), name: 'Ada' };
    const { frame, win } = await page({
      srcdoc: `<!doctype html><html lang="en"><head>
        <script src="/packages/widget/dist/cdn/parlor.js"></script></head><body>
        <button id="sign-out" type="button">Sign out</button>
        <parlor-chat site-id="${server.siteId}" server="${server.url}" connect="eager"></parlor-chat>
        <script>window.parlorIdentity = ${JSON.stringify(identity)};</script>
        <script src="/docs/samples/page-identity.js"></script></body></html>`,
    });
    try {
      const visitor = () => chat(win)?.client?.getSnapshot().visitor;
      await waitUntil(() => visitor()?.mode === 'identified', 'the server accepted the user hash', { timeout: 8000 });
      expect(visitor()?.userId).to.equal('u-page-7');
      win.document.querySelector<HTMLButtonElement>('#sign-out')?.click();
      // Signed out: the widget drops the session and keeps nothing of the user.
      await waitUntil(() => visitor() === null, 'signed out: the user is forgotten', { timeout: 8000 });
    } finally {
      frame.remove();
    }
  });
});
