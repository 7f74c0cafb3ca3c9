/**
 * The Shopify storefront fixture: what a shop's domain would serve, for demos and tests, at
 * `/fixture/shopify/<site id>/` (optionally under a locale, `/fr/`, as Shopify's `routes.root` is). It
 * plays both the storefront (product page, Ajax Cart API, customer login) and Shopify's app proxy, which
 * signs `/apps/parlor/*` requests exactly as Shopify does and hands them to the real proxy endpoint.
 * Only sites with `shopify.storefront: true` get it. Its state (carts) lives in memory.
 *
 * A **test fixture**: its login signs in as any customer id and its app proxy then gets a real JWT for that
 * customer, signed with the site's JWT key. The server builds it only with `PARLOR_TEST_FIXTURES=1`
 * (`testFixtures`), and refuses that together with `PUBLIC_URL`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SiteConfig } from '../config.js';
import { appProxyToken } from './app-proxy.js';
import { signAppProxyParams } from './app-proxy-signature.js';
import { CartStore } from './fixture-cart.js';
import {
  CATALOGUE,
  CONSENT_TRACKING_API,
  PRODUCT_IMAGE,
  embedBlock,
  embedConfig,
  productPage,
  snippetTag,
  type EmbedInputs,
} from './storefront-page.js';

/** Where the fixture lives; `<site id>/` follows. */
export const STOREFRONT_PREFIX = '/fixture/shopify/';
/** The app proxy's storefront path, as the app's `[app_proxy]` configuration sets it. */
export const PROXY_PREFIX = 'apps/parlor';
const LOCALES = new Set(['fr', 'de']);
const MAX_BODY = 16 * 1024;

function cookies(req: IncomingMessage): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) jar.set(part.slice(0, at).trim(), decodeURIComponent(part.slice(at + 1).trim()));
  }
  return jar;
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string | string[]> = {},
): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(body);
}

const sendJson = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(body), headers);

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    return null;
  }
}

/** The per-server storefront fixture; `handle` answers every request under {@link STOREFRONT_PREFIX}. */
export class StorefrontFixture {
  readonly #carts = new CartStore(CATALOGUE);

  constructor(
    private readonly sites: ReadonlyMap<string, SiteConfig>,
    private readonly now: () => number,
  ) {}

  /** Serves one request; answers 404 for a site without the fixture. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL, serverOrigin: string): Promise<void> {
    const rest = url.pathname.slice(STOREFRONT_PREFIX.length);
    const [siteId = '', ...segments] = rest.split('/');
    const site = this.sites.get(siteId);
    if (!site?.shopify?.storefront) return send(res, 404, 'text/plain; charset=utf-8', 'No storefront fixture here');
    const locale = segments[0] && LOCALES.has(segments[0]) ? segments.shift() : undefined;
    const base = `${STOREFRONT_PREFIX}${siteId}/`;
    const root = locale ? `${base}${locale}/` : base;
    const path = segments.join('/');
    const jar = cookies(req);
    const cookie = (name: string, value: string, maxAge?: number) =>
      `${name}=${encodeURIComponent(value)}; Path=${base}; SameSite=Lax; HttpOnly${maxAge === undefined ? '' : `; Max-Age=${maxAge}`}`;
    const method = req.method ?? 'GET';

    if (path.startsWith(`${PROXY_PREFIX}/`) || path === PROXY_PREFIX)
      return this.#proxy(res, site, url, jar.get('fixture_customer') ?? '', jar.get('fixture_proxy'));

    let cartToken = jar.get('cart');
    const setCookies: string[] = [];
    const cart = () => {
      if (!cartToken) {
        cartToken = randomBytes(12).toString('hex');
        setCookies.push(cookie('cart', cartToken));
      }
      return cartToken;
    };
    const cartJson = (status: number, body: unknown) => sendJson(res, status, body, { 'set-cookie': setCookies });
    if (path === 'cart.js' && method === 'GET') return cartJson(200, this.#carts.view(cart()));
    if (path.startsWith('cart/') && path.endsWith('.js') && method === 'POST') {
      const body = await readJson(req);
      if (body === null) return cartJson(400, { status: 400, message: 'Bad request', description: 'not JSON' });
      const result = this.#carts.apply(cart(), path.slice('cart/'.length, -'.js'.length), body);
      return cartJson(result.status, result.body);
    }
    if (method !== 'GET') return send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed');

    if (path === 'account/login') {
      const id = url.searchParams.get('customer') ?? '';
      if (!/^\d{1,20}$/.test(id)) return send(res, 400, 'text/plain; charset=utf-8', 'customer must be an id');
      const proxy = url.searchParams.get('proxy');
      return send(res, 303, 'text/plain; charset=utf-8', 'Signed in', {
        location: `${root}products/linen-shirt`,
        'set-cookie': [
          cookie('fixture_customer', id),
          proxy === 'tampered' || proxy === 'stale' ? cookie('fixture_proxy', proxy) : cookie('fixture_proxy', '', 0),
        ],
      });
    }
    if (path === 'account/logout')
      return send(res, 303, 'text/plain; charset=utf-8', 'Signed out', {
        location: `${root}products/linen-shirt`,
        'set-cookie': [cookie('fixture_customer', '', 0), cookie('fixture_proxy', '', 0), cookie('cart', '', 0)],
      });
    if (path === 'shopifycloud/consent-tracking-api.js')
      return send(res, 200, 'text/javascript; charset=utf-8', CONSENT_TRACKING_API);
    if (path === 'fixture-image.svg') {
      const ms = Math.min(Number(url.searchParams.get('ms')) || 0, 10_000);
      if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
      return send(res, 200, 'image/svg+xml', PRODUCT_IMAGE);
    }

    const embed = (): string => {
      const config = embedConfig(this.#embedInputs(site, url, serverOrigin, root, locale ?? 'en', jar));
      if (!config) return '';
      // The one place the fixture's markup differs from the block's: the fixture storefront lives under a path
      // of the Parlor server, not at a shop's root, so its app proxy does too. The loader comes from the server
      // (the block's `asset_url` points at the platform's CDN), and the widget from the loader's default,
      // `<server>/cdn/parlor.js`, as on a real store.
      const loader = `${serverOrigin}/shopify/parlor-shopify.js`;
      // `?embed=snippet`: no app, the merchant pasted the snippet instead (so there is no app proxy either).
      if (url.searchParams.get('embed') === 'snippet') return snippetTag(config, loader);
      return embedBlock({ ...config, proxy: `${base}${PROXY_PREFIX}` }, loader);
    };
    // The app embed alone, as the theme editor re-renders it when a merchant changes a setting.
    if (path === 'app-embed') return send(res, 200, 'text/html; charset=utf-8', embed());
    const handle = path === '' ? 'linen-shirt' : /^products\/([a-z0-9-]+)$/.exec(path)?.[1];
    const product = CATALOGUE.find((p) => p.handle === handle);
    if (!product) return send(res, 404, 'text/plain; charset=utf-8', 'Not found');
    const html = productPage({
      product,
      shop: site.shopify.shop,
      root,
      locale: locale ?? 'en',
      customer: jar.get('fixture_customer') || null,
      embed: url.searchParams.get('embed') === '0' ? null : embed(),
      editor: url.searchParams.get('editor') === '1',
      slowImageMs: Math.min(Number(url.searchParams.get('slow')) || 0, 10_000),
      banner: !jar.has('_tracking_consent'),
    });
    send(res, 200, 'text/html; charset=utf-8', html, { 'set-cookie': setCookies });
  }

  /**
   * What the app embed's Liquid would be given on this request: the site id and server from the app's
   * metafields, the storefront's globals, and query parameters playing the theme editor's settings.
   */
  #embedInputs(
    site: SiteConfig,
    url: URL,
    serverOrigin: string,
    root: string,
    locale: string,
    jar: Map<string, string>,
  ): EmbedInputs {
    const q = url.searchParams;
    const settings: EmbedInputs['settings'] = {};
    for (const [param, id] of [
      ['accent', 'accent'],
      ['position', 'position'],
      ['greeting', 'greeting'],
      ['label', 'launcher_label'],
    ] as const) {
      const value = q.get(param);
      if (value) settings[id] = value;
    }
    return {
      settings,
      metafields: { site_id: site.id, server: serverOrigin },
      template: 'product',
      shop: site.shopify?.shop ?? '',
      locale,
      currency: 'EUR',
      customerId: jar.get('fixture_customer') || null,
      root,
      designMode: q.get('editor') === '1',
    };
  }

  /**
   * Shopify's side of the app proxy: drop what Shopify sets itself from the visitor's query, add `shop`,
   * `logged_in_customer_id` (from the storefront session, never from the browser), `path_prefix` and
   * `timestamp`, sign, and forward. `fixture_proxy` makes it misbehave for tests: `tampered` changes the
   * customer after signing, `stale` signs a timestamp six minutes old.
   */
  async #proxy(res: ServerResponse, site: SiteConfig, url: URL, customer: string, mode: string | undefined) {
    const shopify = site.shopify;
    if (!shopify) return send(res, 404, 'text/plain; charset=utf-8', 'Not found');
    const subpath = url.pathname.slice(url.pathname.indexOf(PROXY_PREFIX) + PROXY_PREFIX.length);
    const params = new URLSearchParams(url.search);
    for (const key of ['shop', 'logged_in_customer_id', 'path_prefix', 'timestamp', 'signature']) params.delete(key);
    const seconds = Math.floor(this.now() / 1000) - (mode === 'stale' ? 360 : 0);
    params.set('shop', shopify.shop);
    params.set('logged_in_customer_id', customer);
    params.set('path_prefix', `/${PROXY_PREFIX}`);
    params.set('timestamp', String(seconds));
    params.set('signature', signAppProxyParams(params, shopify.proxySecret));
    if (mode === 'tampered' && customer) params.set('logged_in_customer_id', String(Number(customer) + 1));
    if (subpath !== '/token')
      return sendJson(res, 404, { error: { code: 'not_found', message: 'no such proxy path' } });
    const answer = await appProxyToken(this.sites.values(), `?${params}`, this.now());
    sendJson(res, answer.status, answer.body);
  }
}
