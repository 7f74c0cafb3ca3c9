import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far an app-proxy request's `timestamp` may be from our clock, in seconds (either way). */
export const APP_PROXY_MAX_SKEW_SECONDS = 300;

/** Longest query string looked at; Shopify's are a few hundred bytes. */
export const APP_PROXY_MAX_QUERY_LENGTH = 4096;

/** The parameters Shopify adds to every proxied request (besides `signature`). */
const RESERVED = ['shop', 'logged_in_customer_id', 'path_prefix', 'timestamp'] as const;

/** What a verified app-proxy request tells us. */
export interface AppProxyRequest {
  /** The shop's permanent domain, e.g. `my-shop.myshopify.com`. */
  readonly shop: string;
  /** The logged-in customer's id, or null for a guest (Shopify sends the parameter empty). */
  readonly customerId: string | null;
  /** The storefront path the request came through, e.g. `/apps/parlor`. */
  readonly pathPrefix: string;
  /** When Shopify forwarded it, in seconds since the epoch. */
  readonly timestamp: number;
}

/** The outcome of {@link verifyAppProxySignature}. */
export type AppProxyVerification =
  | { readonly ok: true; readonly request: AppProxyRequest }
  | { readonly ok: false; readonly code: 'bad_request' | 'bad_signature' | 'stale'; readonly message: string };

/**
 * The string Shopify signs: every parameter but `signature` as `key=value` (repeated keys' values joined
 * with commas, in the order given), sorted, concatenated with nothing in between.
 */
function message(params: URLSearchParams): string {
  const values = new Map<string, string[]>();
  for (const [key, value] of params) {
    if (key === 'signature') continue;
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  return [...values]
    .map(([key, list]) => `${key}=${list.join(',')}`)
    .sort()
    .join('');
}

/**
 * Signs app-proxy parameters as Shopify does: HMAC-SHA256 (hex) of the sorted `key=value` pairs with the
 * app's client secret. Used by the storefront fixture, which plays Shopify, and by tests.
 *
 * @example
 * ```ts
 * const params = new URLSearchParams({ shop, logged_in_customer_id: '42', path_prefix: '/apps/parlor', timestamp });
 * params.set('signature', signAppProxyParams(params, secret));
 * ```
 */
export function signAppProxyParams(params: URLSearchParams, secret: string): string {
  return createHmac('sha256', secret).update(message(params), 'utf8').digest('hex');
}

/**
 * Verifies a request Shopify forwarded through an app proxy. The signature is compared in constant time;
 * a timestamp more than {@link APP_PROXY_MAX_SKEW_SECONDS} away from `now` is refused (a replayed URL
 * stops working after five minutes). Never throws; the messages are safe to return to the caller.
 *
 * @param query - The forwarded query string (with or without the leading `?`).
 * @param now - The current time in milliseconds since the epoch.
 *
 * @example
 * ```ts
 * const result = verifyAppProxySignature(url.search, site.shopify.proxySecret, Date.now());
 * if (!result.ok) return refuse(401, result.message);
 * ```
 */
export function verifyAppProxySignature(query: string, secret: string, now: number): AppProxyVerification {
  if (query.length > APP_PROXY_MAX_QUERY_LENGTH)
    return { ok: false, code: 'bad_request', message: 'the query string is too long' };
  const params = new URLSearchParams(query);
  const signature = params.getAll('signature');
  const shop = params.get('shop');
  const timestamp = params.get('timestamp');
  const pathPrefix = params.get('path_prefix');
  if (signature.length !== 1 || !/^[0-9a-f]{64}$/.test(signature[0] ?? ''))
    return { ok: false, code: 'bad_request', message: 'one hex "signature" parameter is required' };
  if (!shop || !timestamp || pathPrefix === null)
    return { ok: false, code: 'bad_request', message: '"shop", "timestamp" and "path_prefix" are required' };
  // Shopify sets these itself. Were one repeated, the signed string would join both values while `get`
  // reads only the first: a caller could put a customer id of their choosing in front of Shopify's.
  for (const key of RESERVED)
    if (params.getAll(key).length > 1) return { ok: false, code: 'bad_request', message: `"${key}" appears twice` };
  const expected = Buffer.from(signAppProxyParams(params, secret), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(signature[0] ?? '', 'hex')))
    return { ok: false, code: 'bad_signature', message: 'the signature does not match' };
  // Checked after the signature, so a forger learns nothing from the answer about our clock.
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
  if (!(Math.abs(now / 1000 - seconds) <= APP_PROXY_MAX_SKEW_SECONDS))
    return { ok: false, code: 'stale', message: `the timestamp is more than ${APP_PROXY_MAX_SKEW_SECONDS} s off` };
  const customer = params.get('logged_in_customer_id') ?? '';
  if (customer !== '' && !/^\d{1,20}$/.test(customer))
    return { ok: false, code: 'bad_request', message: '"logged_in_customer_id" is not a customer id' };
  return {
    ok: true,
    request: { shop, customerId: customer || null, pathPrefix, timestamp: seconds },
  };
}
