import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { verifySiteJwt } from '../src/auth/index.js';
import { parseSitesFile } from '../src/config.js';
import {
  APP_PROXY_MAX_SKEW_SECONDS,
  signAppProxyParams,
  verifyAppProxySignature,
} from '../src/shopify/app-proxy-signature.js';
import { SECRET, jwtKey, startTestServer, testSites, type TestServer } from './harness.js';

const PROXY_SECRET = 'hush-hush-0123456789abcdef';
const SHOP = 'harbour.myshopify.com';
const NOW = 1_800_000_000_000;
const seconds = (ms: number) => String(Math.floor(ms / 1000));

/** The query Shopify would forward for `/apps/parlor/token?extra=1&extra=2`, signed with `secret`. */
function forwarded(
  options: { customer?: string; at?: number; secret?: string; extra?: string[] } = {},
): URLSearchParams {
  const params = new URLSearchParams();
  for (const value of options.extra ?? []) params.append('extra', value);
  params.set('shop', SHOP);
  params.set('logged_in_customer_id', options.customer ?? '');
  params.set('path_prefix', '/apps/parlor');
  params.set('timestamp', seconds(options.at ?? NOW));
  params.set('signature', signAppProxyParams(params, options.secret ?? PROXY_SECRET));
  return params;
}

describe('Shopify app-proxy signature', () => {
  it('matches the documented algorithm: sorted key=value pairs, repeated values comma-joined, nothing between', () => {
    // Computed here from the literal string, independently of signAppProxyParams.
    const message = `extra=1,2logged_in_customer_id=1path_prefix=/apps/awesome_reviewsshop=${SHOP}timestamp=1317327555`;
    const signature = createHmac('sha256', 'hush').update(message).digest('hex');
    const query = `extra=1&extra=2&shop=${SHOP}&logged_in_customer_id=1&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555&signature=${signature}`;
    const result = verifyAppProxySignature(query, 'hush', 1317327555_000);
    assert.deepEqual(result, {
      ok: true,
      request: { shop: SHOP, customerId: '1', pathPrefix: '/apps/awesome_reviews', timestamp: 1317327555 },
    });
  });

  it('accepts a good signature, for a customer and for a guest', () => {
    const customer = verifyAppProxySignature(forwarded({ customer: '7' }).toString(), PROXY_SECRET, NOW);
    assert.ok(customer.ok);
    assert.equal(customer.request.customerId, '7');
    const guest = verifyAppProxySignature(forwarded().toString(), PROXY_SECRET, NOW);
    assert.ok(guest.ok);
    assert.equal(guest.request.customerId, null);
  });

  it('keeps the order of repeated values: 1,2 is not 2,1', () => {
    const params = forwarded({ customer: '7', extra: ['1', '2'] });
    assert.ok(verifyAppProxySignature(params.toString(), PROXY_SECRET, NOW).ok);
    const swapped = params.toString().replace('extra=1&extra=2', 'extra=2&extra=1');
    assert.notEqual(swapped, params.toString());
    assert.equal(verifyAppProxySignature(swapped, PROXY_SECRET, NOW).ok, false);
  });

  it('refuses a tampered query: another customer, another shop, a dropped parameter, another secret', () => {
    const cases: [string, URLSearchParams][] = [];
    const customer = forwarded({ customer: '7' });
    customer.set('logged_in_customer_id', '8');
    cases.push(['customer', customer]);
    const shop = forwarded({ customer: '7' });
    shop.set('shop', 'other.myshopify.com');
    cases.push(['shop', shop]);
    const dropped = forwarded({ customer: '7', extra: ['1'] });
    dropped.delete('extra');
    cases.push(['dropped', dropped]);
    cases.push(['secret', forwarded({ customer: '7', secret: 'not-the-app-secret-0000' })]);
    for (const [name, params] of cases) {
      const result = verifyAppProxySignature(params.toString(), PROXY_SECRET, NOW);
      assert.deepEqual(result.ok ? 'ok' : result.code, 'bad_signature', name);
    }
  });

  it(`refuses a timestamp more than ${APP_PROXY_MAX_SKEW_SECONDS} s off either way, and accepts one just inside`, () => {
    const skew = APP_PROXY_MAX_SKEW_SECONDS * 1000;
    for (const at of [NOW - skew - 1000, NOW + skew + 1000]) {
      const result = verifyAppProxySignature(forwarded({ customer: '7', at }).toString(), PROXY_SECRET, NOW);
      assert.deepEqual(result.ok ? 'ok' : result.code, 'stale');
    }
    for (const at of [NOW - skew + 1000, NOW + skew - 1000])
      assert.ok(verifyAppProxySignature(forwarded({ customer: '7', at }).toString(), PROXY_SECRET, NOW).ok);
  });

  it('refuses a reserved parameter given twice, even when the signature covers both values', () => {
    // A visitor adding ?logged_in_customer_id=5 before Shopify's own would otherwise be read as customer 5.
    const params = new URLSearchParams('logged_in_customer_id=5');
    params.append('shop', SHOP);
    params.append('logged_in_customer_id', '');
    params.append('path_prefix', '/apps/parlor');
    params.append('timestamp', seconds(NOW));
    params.append('signature', signAppProxyParams(params, PROXY_SECRET));
    const result = verifyAppProxySignature(params.toString(), PROXY_SECRET, NOW);
    assert.deepEqual(result.ok ? 'ok' : result.code, 'bad_request');
  });

  it('refuses missing or malformed parameters without throwing', () => {
    for (const query of [
      '',
      'signature=zz',
      `shop=${SHOP}&timestamp=1&signature=${'a'.repeat(64)}`,
      'x'.repeat(5000),
    ]) {
      const result = verifyAppProxySignature(query, PROXY_SECRET, NOW);
      assert.deepEqual(result.ok ? 'ok' : result.code, 'bad_request', query.slice(0, 40));
    }
  });
});

describe('GET /v1/shopify/proxy/token', () => {
  let server: TestServer;
  before(async () => {
    const [shop, members] = testSites() as [Record<string, unknown>, Record<string, unknown>];
    server = await startTestServer({
      sites: [{ ...shop, shopify: { shop: SHOP, proxySecret: PROXY_SECRET, tokenTtlSeconds: 600 } }, members],
    });
  });
  after(() => server.stop());

  const get = async (params: URLSearchParams) => {
    const res = await fetch(`${server.url}/v1/shopify/proxy/token?${params}`);
    return {
      status: res.status,
      cache: res.headers.get('cache-control'),
      body: (await res.json()) as Record<string, unknown>,
    };
  };

  it('gives a logged-in customer a short-lived JWT the server accepts for jwt auth', async () => {
    const { status, cache, body } = await get(forwarded({ customer: '7', at: Date.now() }));
    assert.equal(status, 200);
    assert.equal(cache, 'no-store');
    const token = String(body.token);
    const { payload } = await jwtVerify(token, jwtKey(SECRET), { audience: 'shop' });
    assert.equal(payload.sub, 'shopify:7');
    assert.equal(payload.shop, SHOP);
    assert.ok((payload.exp ?? 0) - (payload.iat ?? 0) <= 15 * 60, 'at most 15 minutes');
    assert.equal(decodeProtectedHeader(token).kid, 'k1');
    const site = server.hub.sites.get('shop');
    assert.ok(site);
    const verified = await verifySiteJwt(site, token, Date.now());
    assert.deepEqual(verified.ok && verified.claims.sub, 'shopify:7');
  });

  it('answers a guest with no token', async () => {
    const { status, body } = await get(forwarded({ at: Date.now() }));
    assert.equal(status, 200);
    assert.deepEqual(body, { token: null });
  });

  it('refuses tampered and stale requests with 401 and no token', async () => {
    const tampered = forwarded({ customer: '7', at: Date.now() });
    tampered.set('logged_in_customer_id', '8');
    const stale = forwarded({ customer: '7', at: Date.now() - 301_000 });
    for (const params of [tampered, stale]) {
      const { status, body } = await get(params);
      assert.equal(status, 401);
      assert.equal(body.token, undefined);
      assert.equal((body.error as { code: string }).code, 'unauthorized');
    }
  });

  it('refuses a shop no site is configured for', async () => {
    const params = forwarded({ customer: '7', at: Date.now() });
    params.set('shop', 'stranger.myshopify.com');
    assert.equal((await get(params)).status, 404);
  });
});

describe('the shopify site setting', () => {
  it('refuses a shop domain that is not a permanent myshopify.com domain, and a short secret', () => {
    const [site] = testSites() as [Record<string, unknown>];
    assert.throws(
      () => parseSitesFile({ sites: [{ ...site, shopify: { shop: 'harbour.com', proxySecret: PROXY_SECRET } }] }),
      /sites\.0\.shopify\.shop: a permanent domain/,
    );
    assert.throws(
      () => parseSitesFile({ sites: [{ ...site, shopify: { shop: SHOP, proxySecret: 'short' } }] }),
      /sites\.0\.shopify\.proxySecret: at least 16 characters/,
    );
    assert.throws(
      () =>
        parseSitesFile({
          sites: [{ ...site, shopify: { shop: SHOP, proxySecret: PROXY_SECRET, tokenTtlSeconds: 3600 } }],
        }),
      /tokenTtlSeconds/,
    );
  });
});
