// JWT mode, on your own Node server: a short-lived token that says which of your users is chatting, signed with
// the site's JWT key (HS256). No dependency: a JWT library such as jose does the same in one call.
import { createHmac, hkdfSync } from 'node:crypto';

/**
 * The JWT key: HKDF-SHA256 of the site secret, no salt, info "parlor jwt-hs256 v1", 32 bytes. Never sign with
 * the site secret itself: Parlor refuses it, since that key may also be making user hashes.
 */
export function parlorJwtKey(siteSecret) {
  return Buffer.from(hkdfSync('sha256', siteSecret, '', 'parlor jwt-hs256 v1', 32));
}

const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Signs a JWT for Parlor: `sub` your user's id, `aud` the site id, `iat` and `exp` in seconds. Parlor refuses
 * tokens that live longer than a day; ten minutes is plenty, since the widget asks again when one expires.
 */
export function parlorJwt({ siteId, siteSecret, kid, user, ttlSeconds = 600, now = Date.now() }) {
  const iat = Math.floor(now / 1000);
  const header = { alg: 'HS256', typ: 'JWT', ...(kid ? { kid } : {}) };
  const claims = { sub: user.id, aud: siteId, iat, exp: iat + ttlSeconds, name: user.name, email: user.email };
  const input = `${part(header)}.${part(claims)}`;
  return `${input}.${createHmac('sha256', parlorJwtKey(siteSecret)).update(input).digest('base64url')}`;
}

/**
 * `GET /parlor-token` for Node's http server (or any framework with the same req/res): a fresh token for the
 * signed-in user, never cached; 401 for anyone else. The widget calls it at start and whenever a token expires.
 */
export function parlorTokenHandler({ siteId, siteSecret, kid, currentUser }) {
  return (req, res) => {
    const user = currentUser(req);
    if (!user) {
      res.writeHead(401, { 'cache-control': 'no-store' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(parlorJwt({ siteId, siteSecret, kid, user }));
  };
}
