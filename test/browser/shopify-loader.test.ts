// The Shopify loader (built: packages/shopify-loader/dist/parlor-shopify.js, `pnpm build` first) on the
// storefront fixture the reference server serves: a product page with Shopify's globals, its Ajax Cart API,
// the Customer Privacy API and an app proxy that signs like Shopify. The shop runs in an iframe on the
// server's origin; the test reaches into it through the browser's debugging protocol, and clicks as a
// visitor would.
import { expect } from '@open-wc/testing';
import {
  startShopifyServer,
  stopServer,
  storedContext,
  storedMessages,
  storedVisitor,
  storefrontClick,
  storefrontEval,
  type ShopifyServerInfo,
} from '../support/server.js';

interface Snapshot {
  visitor: { id: string; mode: string; userId?: string } | null;
  conversation: { id: string } | null;
  items: unknown[];
}

let frame: HTMLIFrameElement | undefined;

/** Loads a storefront page in the test's iframe; resolves on its load event unless told not to wait. */
async function visit(server: ShopifyServerInfo, path: string, waitForLoad = true): Promise<void> {
  if (!frame) {
    frame = document.createElement('iframe');
    // Inside the test page's viewport, so a click anywhere in the shop lands.
    frame.style.cssText = 'width: 760px; height: 540px; border: 0';
    document.body.append(frame);
  }
  const loaded = new Promise<void>((resolve) => frame?.addEventListener('load', () => resolve(), { once: true }));
  frame.src = `${server.storefront}${path}`;
  if (waitForLoad) await loaded;
}

/** Polls an expression in the shop's page until it is truthy; its value. */
async function until<T>(server: ShopifyServerInfo, expression: string, what: string, timeout = 10_000): Promise<T> {
  const end = Date.now() + timeout;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const value = await storefrontEval<T>(server, expression);
      if (value) return value;
    } catch (error) {
      last = error; // the page is still navigating
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ''}`);
}

const SNAPSHOT = `(() => { const s = window.Parlor?.client?.getSnapshot(); return s ? { visitor: s.visitor, conversation: s.conversation, items: s.items } : null; })()`;
const WIDGETS = `document.querySelectorAll('parlor-chat').length`;
const LAUNCHER_SHOWN = `(() => { const b = document.querySelector('parlor-chat')?.shadowRoot?.querySelector('[part~="launcher"]')?.getBoundingClientRect(); return !!b && b.width > 0; })()`;

/** The consent cookie is the browser's (path /, host localhost): every test starts with no decision. */
function forgetConsent(): void {
  document.cookie = '_tracking_consent=; Max-Age=0; path=/';
}

/** Opens the chat on the storefront page and waits for the client's visitor; the client's snapshot then. */
async function openChat(server: ShopifyServerInfo): Promise<Snapshot> {
  await storefrontEval(server, 'window.Parlor.open()');
  return until<Snapshot>(server, `(() => { const s = ${SNAPSHOT}; return s?.visitor ? s : null; })()`, 'a visitor');
}

/**
 * A server with its storefront fixture for the enclosing `describe`, started before its tests and stopped after;
 * each test starts with no consent decision unless `keepConsent`. The object is filled in by `before`.
 */
function storefrontServer(siteId: string, { keepConsent = false } = {}): ShopifyServerInfo {
  const server = {} as ShopifyServerInfo;
  before(async () => {
    Object.assign(server, await startShopifyServer({ siteId }));
  });
  after(() => stopServer(server));
  if (!keepConsent) beforeEach(forgetConsent);
  return server;
}

after(() => frame?.remove());

describe('Shopify loader: when it loads', () => {
  const server = storefrontServer('shopify-load');

  it('loads the widget after the load event and an idle moment, with no long task and no layout shift', async function () {
    this.timeout(30_000);
    await visit(server, 'products/linen-shirt');
    await until(server, LAUNCHER_SHOWN, 'the launcher');
    const timing = await storefrontEval<{ loadEnd: number; loaderAt: number; widgetAt: number; fixed: string }>(
      server,
      `(() => {
        const res = performance.getEntriesByType('resource');
        return {
          loadEnd: performance.getEntriesByType('navigation')[0].loadEventEnd,
          loaderAt: res.find((e) => e.name.endsWith('/parlor-shopify.js')).startTime,
          widgetAt: res.find((e) => e.name.endsWith('/cdn/parlor.js')).startTime,
          fixed: getComputedStyle(document.querySelector('parlor-chat')).position,
        };
      })()`,
    );
    expect(timing.widgetAt, 'parlor.js is requested only after the load event').to.be.greaterThan(timing.loadEnd);
    expect(timing.fixed, 'the launcher floats: it moves nothing on the page').to.equal('fixed');
    const costs = await storefrontEval<{ longTasks: number[][]; shifts: number; probe: number }>(
      server,
      `new Promise((resolve) => {
        let shifts = 0;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) if (!e.hadRecentInput) shifts += e.value;
        }).observe({ type: 'layout-shift', buffered: true });
        const seen = [];
        new PerformanceObserver((list) => seen.push(...list.getEntries())).observe({ type: 'longtask', buffered: true });
        setTimeout(() => {
          const before = seen.filter((e) => e.startTime + e.duration >= ${timing.loaderAt}).map((e) => [e.startTime, e.duration]);
          // The same observer sees a long task when there is one: the check above can fail.
          const end = performance.now() + 80;
          while (performance.now() < end);
          setTimeout(() => resolve({ longTasks: before, shifts, probe: seen.length }), 200);
        }, 200);
      })`,
    );
    expect(costs.longTasks, 'long tasks from the loader on').to.deep.equal([]);
    expect(costs.probe, 'the long-task observer works').to.be.greaterThan(0);
    expect(costs.shifts, 'cumulative layout shift').to.equal(0);
  });

  it('starts at the first tap, before the page has finished loading', async function () {
    this.timeout(30_000);
    // The product image takes 6 s: the load event (and so the idle start) is far away.
    await visit(server, 'products/linen-shirt?slow=6000', false);
    await until(server, `location.search === '?slow=6000' && !!window.ParlorShopify`, 'the loader to run');
    const before = await storefrontEval<{ state: string; widgets: number; script: boolean }>(
      server,
      `({ state: document.readyState, widgets: ${WIDGETS}, script: performance.getEntriesByType('resource').some((e) => e.name.endsWith('/cdn/parlor.js')) })`,
    );
    expect(before).to.deep.equal({ state: 'interactive', widgets: 0, script: false });
    await storefrontClick(server, 'h1');
    await until(server, LAUNCHER_SHOWN, 'the launcher after the tap');
    expect(await storefrontEval<string>(server, 'document.readyState'), 'still loading').to.equal('interactive');
  });
});

describe('Shopify loader: consent, shop and cart', () => {
  const server = storefrontServer('shopify-consent');

  it('shares the shop and the cart with agents only once the visitor consents, then follows the cart live', async function () {
    this.timeout(40_000);
    await visit(server, 'products/linen-shirt');
    await until(server, LAUNCHER_SHOWN, 'the launcher');
    await storefrontClick(server, '#add-to-cart');
    await until(server, `document.getElementById('cart-count').textContent === '1'`, 'the cart to hold one item');
    // The chat works without consent.
    const snapshot = await openChat(server);
    const visitorId = snapshot.visitor?.id ?? '';
    // Long enough for the client's debounce (0.5 s) and the loader's cart read (0.25 s) to have passed.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const before = (await storedContext(server, visitorId)) as Record<string, unknown> | null;
    expect(before?.page ?? null, 'no page before consent').to.equal(null);
    expect(before?.attributes ?? null, 'no shop before consent').to.equal(null);
    expect(before?.cart ?? null, 'no cart before consent').to.equal(null);
    expect(
      await storefrontEval<string[]>(server, `(async () => (await indexedDB.databases()).map((d) => d.name))()`),
    ).to.have.length.greaterThan(0, 'the chat, once opened, keeps its visitor');

    await storefrontClick(server, '#consent-accept');
    const after = await waitForContext(server, visitorId, (c) => c.cart?.itemCount === 1);
    expect(after.attributes).to.include({
      shop: server.shop,
      currency: 'EUR',
      locale: 'en',
      pageType: 'product',
      signedIn: false,
    });
    expect(after.cart).to.deep.include({ currency: 'EUR', total: 4900, itemCount: 1 });
    expect(after.page?.url).to.match(/\/products\/linen-shirt$/);

    // The theme fires no event: the loader sees the cart request finish. (The panel is closed first: on a
    // page this narrow it covers the product form.)
    await storefrontEval(server, 'window.Parlor.close()');
    await storefrontClick(server, '#add-to-cart');
    const updated = await waitForContext(server, visitorId, (c) => c.cart?.itemCount === 2);
    expect(updated.cart?.total).to.equal(9800);
  });

  it('sends nothing of the shop or cart when the visitor declines', async function () {
    this.timeout(30_000);
    await visit(server, 'products/canvas-tote');
    await until(server, LAUNCHER_SHOWN, 'the launcher');
    await storefrontClick(server, '#consent-decline');
    await storefrontClick(server, '#add-to-cart');
    const snapshot = await openChat(server);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const stored = (await storedContext(server, snapshot.visitor?.id ?? '')) as Record<string, unknown> | null;
    expect([stored?.page ?? null, stored?.attributes ?? null, stored?.cart ?? null]).to.deep.equal([null, null, null]);
  });
});

interface StoredContext {
  page: { url: string } | null;
  attributes: Record<string, unknown> | null;
  cart: { itemCount: number; total: number } | null;
}

async function waitForContext(
  server: ShopifyServerInfo,
  visitorId: string,
  ready: (context: StoredContext) => boolean,
): Promise<StoredContext> {
  const end = Date.now() + 10_000;
  let last: StoredContext | null = null;
  while (Date.now() < end) {
    last = (await storedContext(server, visitorId)) as StoredContext | null;
    if (last && ready(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the agent never saw the expected context; last: ${JSON.stringify(last)}`);
}

/** The paths of the page's `cart.js` reads that Resource Timing has reported so far. */
const CART_READS = `performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('/cart.js'))`;

describe("Shopify loader: the locale root and the theme's cart events", () => {
  const server = storefrontServer('shopify-cart');

  /** Opens the chat on the page, accepts consent and waits for the cart to reach the agent: the visitor and that cart. */
  async function consentWithCart(): Promise<{ visitorId: string; cart: StoredContext['cart'] }> {
    const snapshot = await openChat(server);
    const visitorId = snapshot.visitor?.id ?? '';
    await storefrontEval(server, 'window.Parlor.close()');
    await storefrontClick(server, '#consent-accept');
    const context = await waitForContext(server, visitorId, (c) => c.cart !== null);
    return { visitorId, cart: context.cart };
  }

  it('reads the cart under the locale root (/fr/cart.js) and shares it after consent', async function () {
    this.timeout(40_000);
    await visit(server, 'fr/products/canvas-tote');
    await until(server, LAUNCHER_SHOWN, 'the launcher');
    const root = new URL('fr/', server.storefront).pathname;
    const fr = `${root}cart.js`;
    const roots = await storefrontEval<string[]>(
      server,
      `[Shopify.routes.root, JSON.parse(document.querySelector('script[data-parlor-shopify]').textContent).root]`,
    );
    expect(roots, "the theme's and the embed's root").to.deep.equal([root, root]);
    await storefrontClick(server, '#add-to-cart');
    await until(server, `document.getElementById('cart-count').textContent === '1'`, 'the cart to hold one item');
    // Before consent only the theme reads the cart.
    const before = await until<string[]>(
      server,
      `(() => { const r = ${CART_READS}; return r.length >= 2 && r; })()`,
      "the theme's cart reads",
    );

    const { visitorId, cart } = await consentWithCart();
    expect(cart).to.deep.include({ currency: 'EUR', total: 1900, itemCount: 1 });
    const context = await waitForContext(server, visitorId, (c) => c.attributes?.locale === 'fr');
    expect(context.attributes).to.include({ shop: server.shop, locale: 'fr', currency: 'EUR' });
    // The loader's read is the one that came after consent, and it kept the locale.
    const reads = await until<string[]>(
      server,
      `(() => { const r = ${CART_READS}; return r.length > ${before.length} && r; })()`,
      "the loader's cart read",
    );
    expect(reads.slice(before.length)).to.deep.equal([fr]);
    expect(before.every((path) => path === fr)).to.equal(true);
  });

  it('re-reads the cart when the theme announces a change (cart:update, shopify:cart:update, shopify:cart:change)', async function () {
    this.timeout(40_000);
    await visit(server, 'products/wool-socks');
    await until(server, LAUNCHER_SHOWN, 'the launcher');
    const { visitorId, cart } = await consentWithCart();
    let count = cart?.itemCount ?? 0;
    const CHANGES = `performance.getEntriesByType('resource').filter((e) => e.name.includes('/cart/add.js')).length`;
    for (const name of ['cart:update', 'shopify:cart:update', 'shopify:cart:change']) {
      // A theme that announces the change as soon as the cart answers, and reads the answer later: the request
      // is not in Resource Timing yet (Chromium reports a fetch once its body is read), so only the event can
      // tell the loader.
      const status = await storefrontEval<number>(
        server,
        `(async () => {
          const response = await fetch(Shopify.routes.root + 'cart/add.js', {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify({ id: 45201, quantity: 1 }),
          });
          window.unread = response;
          document.dispatchEvent(new CustomEvent(${JSON.stringify(name)}, { bubbles: true }));
          return response.status;
        })()`,
      );
      expect(status).to.equal(200);
      count += 1;
      await waitForContext(server, visitorId, (c) => c.cart?.itemCount === count);
      const seen = await storefrontEval<number>(server, CHANGES);
      expect(seen, `${name}: the change request is not reported yet`).to.equal(0);
      // Once read, it is (then the observer would refresh too): the check above could fail.
      await storefrontEval(server, `window.unread.text().then(() => undefined)`);
      await until(server, `${CHANGES} === 1`, 'the change request to be reported once read');
      await storefrontEval(server, `performance.clearResourceTimings()`);
    }
  });
});

describe('Shopify loader: customers', () => {
  const server = storefrontServer('shopify-identity');
  let conversation = '';
  let customerVisitor = '';

  it('identifies a customer who logs in with the app proxy JWT, keeping the chat they had as a guest', async function () {
    this.timeout(40_000);
    await visit(server, 'products/linen-shirt');
    await until(server, LAUNCHER_SHOWN, 'the launcher');
    await storefrontEval(server, 'window.Parlor.open()');
    await until(server, `!!window.Parlor.client?.getSnapshot().visitor`, 'a guest visitor');
    await storefrontEval(server, `window.Parlor.client.send('Does the linen shirt run small?')`);
    const guest = await until<Snapshot>(
      server,
      `(() => { const s = ${SNAPSHOT}; return s?.conversation ? s : null; })()`,
      'the conversation',
    );
    conversation = guest.conversation?.id ?? '';
    expect(guest.visitor?.mode).to.equal('anonymous');

    await visit(server, 'account/login?customer=7');
    const customer = await until<Snapshot>(
      server,
      `(() => { const s = ${SNAPSHOT}; return s?.visitor?.mode === 'jwt' && s.conversation ? s : null; })()`,
      'the customer to be identified',
      20_000,
    );
    expect(customer.visitor?.userId).to.equal('shopify:7');
    expect(customer.conversation?.id, 'the same conversation').to.equal(conversation);
    const owner = await storedVisitor(server, { conversation });
    expect(owner).to.deep.include({ mode: 'jwt', userId: 'shopify:7' });
    customerVisitor = owner?.id ?? '';
    const messages = await storedMessages(server, conversation);
    expect(messages.map((m) => m.body.text)).to.include('Does the linen shirt run small?');

    // The next page signs in with the JWT from the start, and finds the conversation.
    await visit(server, 'products/canvas-tote');
    await until(server, LAUNCHER_SHOWN, 'the launcher');
    await storefrontEval(server, 'window.Parlor.open()');
    const next = await until<Snapshot>(
      server,
      `(() => { const s = ${SNAPSHOT}; return s?.conversation ? s : null; })()`,
      'the conversation again',
    );
    expect(next.visitor).to.deep.include({ mode: 'jwt', userId: 'shopify:7', id: customerVisitor });
    expect(next.conversation?.id).to.equal(conversation);
  });

  it('starts afresh after logout: nothing of the customer stays, and the next chat is a new visitor', async function () {
    this.timeout(40_000);
    expect(customerVisitor, 'runs after the login test').to.not.equal('');
    await visit(server, 'account/logout');
    await until(server, LAUNCHER_SHOWN, 'the launcher');
    const left = await storefrontEval<string[]>(
      server,
      `(async () => [...(await indexedDB.databases()).map((d) => d.name), ...Object.keys(localStorage)].filter((n) => n.includes('shopify-identity')))()`,
    );
    expect(left, 'databases and keys of the site before the chat is opened').to.deep.equal([]);
    const fresh = await openChat(server);
    expect(fresh.visitor?.mode).to.equal('anonymous');
    expect(fresh.visitor?.id).to.not.equal(customerVisitor);
    expect(fresh.conversation).to.equal(null);
    expect(fresh.items).to.deep.equal([]);
  });

  for (const proxy of ['tampered', 'stale'] as const)
    it(`refuses a ${proxy} app-proxy signature: the customer stays a guest`, async function () {
      this.timeout(30_000);
      await visit(server, `account/login?customer=9&proxy=${proxy}`);
      await until(server, LAUNCHER_SHOWN, 'the launcher');
      const status = await storefrontEval<number>(
        server,
        `(async () => (await fetch(JSON.parse(document.querySelector('script[data-parlor-shopify]').textContent).proxy + '/token')).status)()`,
      );
      expect(status, 'the proxy endpoint refuses').to.equal(401);
      const snapshot = await openChat(server);
      expect(snapshot.visitor?.mode).to.equal('anonymous');
      await visit(server, 'account/logout');
    });
});

describe('Shopify loader: the theme editor', () => {
  const server = storefrontServer('shopify-editor', { keepConsent: true });

  it('keeps one widget, with the new settings, when the editor re-renders the app embed', async function () {
    this.timeout(30_000);
    await visit(server, 'products/linen-shirt?editor=1&greeting=Hello');
    await until(server, LAUNCHER_SHOWN, 'the launcher');
    const loader = await storefrontEval<boolean>(server, `!!(window.firstLoader = window.ParlorShopify)`);
    expect(loader).to.equal(true);
    // What the theme editor does when the merchant changes a setting: unload the block, put the newly
    // rendered one in its place, run its scripts again, and announce the load.
    await storefrontEval(
      server,
      `(async () => {
        const url = location.pathname.replace(/products\\/.*$/, 'app-embed') + '?editor=1&position=left&greeting=Ahoy';
        const html = await (await fetch(url)).text();
        const old = document.getElementById('shopify-block-parlor-chat');
        old.dispatchEvent(new CustomEvent('shopify:section:unload', { bubbles: true, detail: { sectionId: 'parlor' } }));
        const template = document.createElement('template');
        template.innerHTML = html;
        const block = template.content.firstElementChild;
        for (const s of block.querySelectorAll('script')) {
          const copy = document.createElement('script');
          for (const a of s.attributes) copy.setAttribute(a.name, a.value);
          copy.textContent = s.textContent;
          copy.addEventListener('load', () => (window.reloaded = (window.reloaded || 0) + 1));
          s.replaceWith(copy);
        }
        old.replaceWith(block);
        block.dispatchEvent(new CustomEvent('shopify:section:load', { bubbles: true, detail: { sectionId: 'parlor' } }));
      })()`,
    );
    await until(
      server,
      `document.querySelector('parlor-chat')?.getAttribute('position') === 'left'`,
      'the new position',
    );
    // The copy of the loader ran (its load event follows its execution).
    await until(server, `window.reloaded === 1`, 'the loader to run again');
    const after = await storefrontEval<Record<string, unknown>>(
      server,
      `({
        widgets: ${WIDGETS},
        widgetScripts: document.querySelectorAll('script[src$="/cdn/parlor.js"]').length,
        greeting: document.querySelector('parlor-chat').getAttribute('greeting'),
        sameLoader: window.ParlorShopify === window.firstLoader,
      })`,
    );
    expect(after).to.deep.equal({ widgets: 1, widgetScripts: 1, greeting: 'Ahoy', sameLoader: true });
  });
});

describe('Shopify loader: the pasted snippet', () => {
  const server = storefrontServer('shopify-snippet');

  it("takes its settings from its own tag's data attributes, and the chat works", async function () {
    this.timeout(30_000);
    await visit(server, 'products/linen-shirt?embed=snippet&position=left&label=Ask%20the%20harbour');
    await until(server, LAUNCHER_SHOWN, 'the launcher');
    const page = await storefrontEval<Record<string, unknown>>(
      server,
      `(() => {
        const chat = document.querySelector('parlor-chat');
        const launcher = chat.shadowRoot.querySelector('[part~="launcher"]');
        return {
          embed: document.querySelectorAll('script[data-parlor-shopify]').length,
          siteId: document.querySelector('script[src$="/parlor-shopify.js"]').dataset.siteId,
          position: chat.getAttribute('position'),
          label: launcher.getAttribute('aria-label'),
          onTheLeft: launcher.getBoundingClientRect().right < innerWidth / 2,
        };
      })()`,
    );
    expect(page).to.deep.equal({
      embed: 0,
      siteId: 'shopify-snippet',
      position: 'left',
      label: 'Ask the harbour',
      onTheLeft: true,
    });
    await storefrontEval(server, 'window.Parlor.open()');
    await until(server, `!!window.Parlor.client?.getSnapshot().visitor`, 'a visitor');
    await storefrontEval(server, `window.Parlor.client.send('Is the linen shirt lined?')`);
    const snapshot = await until<Snapshot>(
      server,
      `(() => { const s = ${SNAPSHOT}; return s?.conversation ? s : null; })()`,
      'the conversation',
    );
    expect(snapshot.visitor?.mode).to.equal('anonymous');
    const messages = await storedMessages(server, snapshot.conversation?.id ?? '');
    expect(messages.map((m) => m.body.text)).to.include('Is the linen shirt lined?');
  });
});
