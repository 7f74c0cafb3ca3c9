// Smoke tests of what we publish: they load the built files in dist/, not the TypeScript source.
// `pnpm test` builds first; run `pnpm build` before running this file alone.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';

describe('built @parlor/widget', () => {
  it('mounts <parlor-chat> from dist/define.js and renders into its shadow root', async () => {
    await import('../../packages/widget/dist/define.js');
    const el = await fixture(html`<parlor-chat site-id="demo"></parlor-chat>`);
    expect(el.shadowRoot, 'shadow root').to.exist;
    expect(el.shadowRoot!.querySelector('button[part="launcher"]'), 'launcher').to.exist;
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
    await waitUntil(() => customElements.get('parlor-chat'), 'the lazy chunk defines <parlor-chat>');
    api!.open();
    await waitUntil(() => el!.shadowRoot?.querySelector('[part="panel"][role="dialog"]'), 'panel opens');
  });
});
