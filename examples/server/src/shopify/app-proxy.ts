import { SignJWT } from 'jose';
import { purposeKeys } from '../auth/keys.js';
import type { SiteConfig } from '../config.js';
import { verifyAppProxySignature } from './app-proxy-signature.js';

/** Where Shopify forwards the app proxy: set the app's Proxy URL to `https://<server>/v1/shopify/proxy`. */
export const APP_PROXY_PATH = '/v1/shopify/proxy';

/** The JWT `sub` of a Shopify customer: the shop's customer id, prefixed so it never meets another scheme's. */
export const customerSubject = (customerId: string): string => `shopify:${customerId}`;

/** An HTTP answer, written by the caller (the server's router, or the storefront fixture playing Shopify). */
export interface ProxyAnswer {
  status: number;
  body: unknown;
}

const refuse = (status: number, code: string, message: string): ProxyAnswer => ({
  status,
  body: { error: { code, message } },
});

/**
 * `GET /v1/shopify/proxy/token`, reached through the shop's app proxy (`/apps/<subpath>/token` on the
 * storefront). Shopify adds `shop`, `logged_in_customer_id`, `path_prefix`, `timestamp` and `signature`;
 * once the signature verifies with the shop's site's `shopify.proxySecret` and the timestamp is fresh, a
 * logged-in customer gets a short-lived HS256 JWT for `jwt` auth (`sub` = `shopify:<customer id>`,
 * `aud` = the site id) and a guest gets `{ token: null }`. Nothing here trusts the browser: the customer
 * id comes only from the signed query.
 *
 * @param search - The request's query string as received.
 * @param now - The current time, in milliseconds since the epoch.
 *
 * @example
 * ```ts
 * const { status, body } = await appProxyToken(hub.sites.values(), url.search, hub.now());
 * ```
 */
export async function appProxyToken(sites: Iterable<SiteConfig>, search: string, now: number): Promise<ProxyAnswer> {
  const shop = new URLSearchParams(search.slice(0, 4096)).get('shop');
  let site: SiteConfig | undefined;
  for (const candidate of sites) if (shop && candidate.shopify?.shop === shop) site = candidate;
  if (!site?.shopify) return refuse(404, 'not_found', 'no site is configured for this shop');
  const result = verifyAppProxySignature(search, site.shopify.proxySecret, now);
  if (!result.ok) return refuse(result.code === 'bad_request' ? 400 : 401, 'unauthorized', result.message);
  const { customerId } = result.request;
  if (!customerId) return { status: 200, body: { token: null } };
  if (!site.auth.allow.includes('jwt')) return refuse(403, 'forbidden', 'this site does not accept jwt auth');
  // The site's HS256 JWT key (derived for JWTs, or its dedicated jwtSecrets), never a raw site secret.
  const [signing] = purposeKeys(site.secrets, 'jwt-hs256', site.jwtSecrets);
  if (!signing) return refuse(500, 'internal', 'the site has no secret');
  const iat = Math.floor(now / 1000);
  const exp = iat + site.shopify.tokenTtlSeconds;
  const token = await new SignJWT({ shop: result.request.shop })
    .setProtectedHeader({ alg: 'HS256', kid: signing.kid, typ: 'JWT' })
    .setSubject(customerSubject(customerId))
    .setAudience(site.id)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(signing.key);
  return { status: 200, body: { token, expiresAt: exp * 1000 } };
}
