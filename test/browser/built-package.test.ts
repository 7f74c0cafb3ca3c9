// Smoke tests of what we publish: they load the built files in dist/, not the TypeScript source.
// `pnpm test` builds first; run `pnpm build` before running this file alone.
import { expect, waitUntil } from '@open-wc/testing';
import { startServer, stopServer, userHash } from '../support/server.js';

describe('built @parlor/widget', () => {
  it('mounts <parlor-chat> from dist/define.js and renders into its shadow root', async () => {
    await import('../../packages/widget/dist/define.js');
    // The launcher is drawn synchronously: no frame to wait for.
    const el = document.createElement('parlor-chat');
    el.setAttribute('site-id', 'demo');
    document.body.append(el);
    try {
      expect(el.shadowRoot, 'shadow root').to.exist;
      expect(el.shadowRoot!.querySelector('button[part="launcher"]'), 'launcher').to.exist;
    } finally {
      el.remove();
    }
  });
});

/** The part of the CDN's `window.Parlor` these tests use; typed here so they check the built file, not source. */
interface ParlorFacade {
  version: string;
  open(): void;
  destroy(): void;
}
const facade = () => (window as unknown as { Parlor?: ParlorFacade }).Parlor;

describe('CDN parlor.js', () => {
  afterEach(() => facade()?.destroy());

  it('auto-initialises from its script tag, loads its lazy chunk from beside itself, and opens', async () => {
    const script = document.createElement('script');
    script.src = '/packages/widget/dist/cdn/parlor.js';
    script.dataset.siteId = 'demo';
    const loaded = new Promise((resolve, reject) => {
      script.onload = resolve;
      script.onerror = reject;
    });
    document.head.append(script);
    await loaded;

    const api = facade();
    expect(api?.version, 'window.Parlor is the real API').to.be.a('string');
    const el = document.querySelector('parlor-chat');
    expect(el, 'element mounted').to.exist;
    expect(el!.getAttribute('server')).to.equal(location.origin);
    expect(customElements.get('parlor-chat'), 'the eager script defines the launcher').to.exist;
    expect(customElements.get('parlor-panel'), 'the panel waits until it is needed').to.equal(undefined);
    api!.open();
    await waitUntil(
      () => el!.shadowRoot?.querySelector('parlor-panel')?.shadowRoot?.querySelector('[part="panel"][role="dialog"]'),
      'the lazy chunk loads from beside parlor.js and the panel opens',
      { timeout: 5000 },
    );

    // A second copy of the script (a theme and an app both adding it) keeps the first facade and throws nothing.
    const errors: string[] = [];
    const onError = (e: ErrorEvent) => errors.push(e.message);
    window.addEventListener('error', onError);
    const copy = document.createElement('script');
    copy.src = '/packages/widget/dist/cdn/parlor.js?copy';
    const copyLoaded = new Promise((resolve) => (copy.onload = resolve));
    document.head.append(copy);
    await copyLoaded;
    window.removeEventListener('error', onError);
    expect(errors).to.deep.equal([]);
    expect(facade()).to.equal(api);
    expect(document.querySelectorAll('parlor-chat').length).to.equal(1);
  });
});

describe('CDN parlor.js in the head, with calls queued before it loads', () => {
  it('mounts once the body exists and replays init, identify and setContext in order', async () => {
    const server = await startServer({ siteId: 'w-head', allow: ['anonymous', 'identified'] });
    const frame = document.createElement('iframe');
    const query = new URLSearchParams({
      site: 'w-head',
      server: server.url,
      user: 'head-user',
      hash: await userHash('head-user'),
    });
    frame.src = `/test/browser/fixtures/head-stub.html?${query}`;
    const errors: string[] = [];
    try {
      const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
      document.body.append(frame);
      await loaded;
      const win = frame.contentWindow as Window & {
        Parlor?: {
          open(): void;
          element?: HTMLElement & { context?: unknown };
          client?: { getSnapshot(): { visitor: { mode: string; userId?: string } | null } };
        };
      };
      win.addEventListener('error', (e) => errors.push(e.message));
      const el = win.document.querySelector('parlor-chat');
      expect(el?.parentElement, 'in the body').to.equal(win.document.body);
      expect(win.Parlor?.element?.context).to.deep.equal({ attributes: { plan: 'pro' } });
      win.Parlor?.open();
      await waitUntil(() => win.Parlor?.client?.getSnapshot().visitor, 'signed in', { timeout: 8000 });
      expect(win.Parlor?.client?.getSnapshot().visitor).to.include({ mode: 'identified', userId: 'head-user' });
      expect(errors).to.deep.equal([]);
    } finally {
      frame.remove();
      await stopServer(server);
    }
  });
});
