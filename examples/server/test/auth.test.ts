import assert from 'node:assert/strict';
import { createHmac, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import {
  authenticate,
  computeUserHash,
  deriveKey,
  mintToken,
  safeEqual,
  TOKEN_TTL_SECONDS,
  verifySiteJwt,
  verifyToken,
  verifyUserHash,
  type AuthSite,
  type JwtSite,
  type SiteSecret,
} from '../src/auth/index.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const NOW_S = NOW / 1000;
const OLD_SECRET: SiteSecret = { kid: 'k1', secret: 'old-secret-of-acme-0123456789abcdef' };
const NEW_SECRET: SiteSecret = { kid: 'k2', secret: 'new-secret-of-acme-0123456789abcdef' };
const OTHER_SECRET: SiteSecret = { kid: 'k1', secret: 'secret-of-another-site-0123456789' };
const SECRETS = [NEW_SECRET, OLD_SECRET] as const;

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Flips one character in the middle of a string, keeping it in the base64url alphabet. */
function flipAt(value: string, index: number): string {
  const c = value[index];
  return `${value.slice(0, index)}${c === 'A' ? 'B' : 'A'}${value.slice(index + 1)}`;
}

describe('visitor and session tokens', () => {
  const mint = (over: Partial<Parameters<typeof mintToken>[1]> = {}, secret = NEW_SECRET.secret) =>
    mintToken(secret, { kind: 'visitor', siteId: 'acme', visitorId: 'v_123', now: NOW, ...over });

  it('round-trips a visitor and a session token in the v1 format', () => {
    for (const kind of ['visitor', 'session'] as const) {
      const token = mint({ kind });
      assert.match(token, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
      assert.deepEqual(verifyToken(SECRETS, token, { kind, siteId: 'acme', now: NOW }), {
        ok: true,
        visitorId: 'v_123',
      });
    }
  });

  it('carries {kind, site, sub, iat, exp} with the default lifetimes', () => {
    const payload = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    assert.deepEqual(payload(mint()), {
      kind: 'visitor',
      site: 'acme',
      sub: 'v_123',
      iat: NOW_S,
      exp: NOW_S + 400 * 86400,
    });
    assert.equal(payload(mint({ kind: 'session' })).exp, NOW_S + 3600);
    assert.equal(TOKEN_TTL_SECONDS.session, 3600);
    assert.equal(payload(mint({ ttlSeconds: null })).exp, undefined);
  });

  it('expires: visitor after 400 days, session after 1 hour, as token_expired', () => {
    const visitor = mint();
    const at = (days: number) => NOW + days * 86400_000;
    assert.equal(verifyToken(SECRETS, visitor, { kind: 'visitor', siteId: 'acme', now: at(399) }).ok, true);
    const late = verifyToken(SECRETS, visitor, { kind: 'visitor', siteId: 'acme', now: at(400) });
    assert.equal(late.ok, false);
    assert.equal(!late.ok && late.code, 'token_expired');

    const session = mint({ kind: 'session' });
    assert.equal(verifyToken(SECRETS, session, { kind: 'session', siteId: 'acme', now: NOW + 59 * 60_000 }).ok, true);
    const expired = verifyToken(SECRETS, session, { kind: 'session', siteId: 'acme', now: NOW + 61 * 60_000 });
    assert.equal(!expired.ok && expired.code, 'token_expired');

    const forever = mint({ ttlSeconds: null });
    assert.equal(verifyToken(SECRETS, forever, { kind: 'visitor', siteId: 'acme', now: at(10_000) }).ok, true);
  });

  it('refuses a token of one kind used as the other', () => {
    const visitor = verifyToken(SECRETS, mint(), { kind: 'session', siteId: 'acme', now: NOW });
    assert.equal(!visitor.ok && visitor.code, 'unauthorized');
    const session = verifyToken(SECRETS, mint({ kind: 'session' }), { kind: 'visitor', siteId: 'acme', now: NOW });
    assert.equal(!session.ok && session.code, 'unauthorized');
  });

  it('refuses a token for another site, even one signed with the same secret', () => {
    const result = verifyToken(SECRETS, mint({ siteId: 'other' }), { kind: 'visitor', siteId: 'acme', now: NOW });
    assert.equal(!result.ok && result.code, 'unauthorized');
    const foreign = mint({}, OTHER_SECRET.secret);
    assert.equal(verifyToken(SECRETS, foreign, { kind: 'visitor', siteId: 'acme', now: NOW }).ok, false);
  });

  it('refuses a tampered payload', () => {
    const [version, , signature] = mint().split('.');
    const forged = b64url({ kind: 'visitor', site: 'acme', sub: 'v_admin', iat: NOW_S, exp: NOW_S + 3600 });
    const result = verifyToken(SECRETS, `${version}.${forged}.${signature}`, {
      kind: 'visitor',
      siteId: 'acme',
      now: NOW,
    });
    assert.equal(!result.ok && result.code, 'unauthorized');
  });

  it('refuses a tampered signature, including a non-canonical spelling of the same bytes', () => {
    const token = mint();
    const opts = { kind: 'visitor', siteId: 'acme', now: NOW } as const;
    assert.equal(verifyToken(SECRETS, flipAt(token, token.length - 10), opts).ok, false);
    // The last of 43 characters carries 2 unused bits: 'A' and 'B' can decode to the same bytes.
    const last = token.at(-1)!;
    const sibling = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(last) ^ 1;
    const variant = `${token.slice(0, -1)}${'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[sibling]}`;
    assert.equal(verifyToken(SECRETS, variant, opts).ok, false);
    assert.equal(verifyToken(SECRETS, token.slice(0, -1), opts).ok, false);
  });

  it('refuses garbage without throwing', () => {
    const opts = { kind: 'visitor', siteId: 'acme', now: NOW } as const;
    const validSig = createHmac('sha256', deriveKey(NEW_SECRET.secret, 'server-token'))
      .update('v1.bm90LWpzb24')
      .digest('base64url');
    const garbage: unknown[] = [
      '',
      'x',
      '...',
      'v1..',
      'v1.a.b',
      'v2.eyJ9.' + 'A'.repeat(43),
      `v1.${'A'.repeat(5000)}.${'A'.repeat(43)}`,
      `v1.bm90LWpzb24.${validSig}`, // correctly signed, but the payload is not JSON
      'v1.eyJraW5kIjoidmlzaXRvciJ9.%%%',
      null,
      undefined,
      42,
      {},
    ];
    for (const token of garbage) {
      const result = verifyToken(SECRETS, token as string, opts);
      assert.equal(result.ok, false, String(token).slice(0, 40));
      assert.equal(!result.ok && result.code, 'unauthorized');
    }
    assert.equal(verifyToken([], mint(), opts).ok, false);
    assert.equal(verifyToken([{ kid: 'empty', secret: '' }], mint(), opts).ok, false);
  });

  it('verifies with every configured secret: a token signed with the rotated-out secret still passes', () => {
    const opts = { kind: 'visitor', siteId: 'acme', now: NOW } as const;
    const old = mint({}, OLD_SECRET.secret);
    assert.equal(verifyToken([NEW_SECRET, OLD_SECRET], old, opts).ok, true);
    assert.equal(verifyToken([NEW_SECRET], old, opts).ok, false);
  });

  it('refuses a token issued in the future', () => {
    const future = mint({ now: NOW + 3600_000 });
    assert.equal(verifyToken(SECRETS, future, { kind: 'visitor', siteId: 'acme', now: NOW }).ok, false);
  });

  it('throws on programming errors when minting', () => {
    assert.throws(() => mint({}, ''), TypeError);
    assert.throws(() => mint({ visitorId: '' }), TypeError);
    assert.throws(() => mint({ ttlSeconds: -1 }), RangeError);
  });
});

describe('user hash', () => {
  const userHash = computeUserHash(OLD_SECRET.secret, 'user-42');

  it('is the lowercase hex HMAC-SHA256 a site server computes with the HKDF-derived user-hash key', () => {
    const key = hkdfSync('sha256', OLD_SECRET.secret, '', 'parlor user-hash v1', 32);
    assert.equal(userHash, createHmac('sha256', Buffer.from(key)).update('user-42').digest('hex'));
    assert.notEqual(userHash, createHmac('sha256', OLD_SECRET.secret).update('user-42').digest('hex'));
    assert.match(userHash, /^[0-9a-f]{64}$/);
  });

  it('matches the test vector of docs/auth.md, which backends in any language check themselves against', () => {
    const doc = readFileSync(new URL('../../../docs/auth.md', import.meta.url), 'utf8');
    const vector =
      /test vector[\s\S]*?secret\s+`([^`]+)`[\s\S]*?user id\s+`([^`]+)`[\s\S]*?user-hash key\s+`([0-9a-f]{64})`[\s\S]*?user hash\s+`([0-9a-f]{64})`[\s\S]*?JWT key\s+`([0-9a-f]{64})`/i.exec(
        doc,
      );
    assert.ok(vector, 'docs/auth.md gives a test vector');
    const [, secret = '', userId = '', hashKey, hash, jwtKeyHex] = vector;
    assert.equal(deriveKey(secret, 'user-hash').toString('hex'), hashKey);
    assert.equal(computeUserHash(secret, userId), hash);
    assert.equal(deriveKey(secret, 'jwt-hs256').toString('hex'), jwtKeyHex);
  });

  it('verifies, in either case of hex', () => {
    assert.equal(verifyUserHash([OLD_SECRET], 'user-42', userHash), true);
    assert.equal(verifyUserHash([OLD_SECRET], 'user-42', userHash.toUpperCase()), true);
  });

  it('refuses a forged hash, a hash for another user, and malformed hashes', () => {
    assert.equal(verifyUserHash([OLD_SECRET], 'user-42', flipAt(userHash, 10).toLowerCase()), false);
    assert.equal(verifyUserHash([OLD_SECRET], 'user-43', userHash), false);
    for (const bad of ['', 'zz', userHash.slice(1), `${userHash}0`, 'g'.repeat(64)]) {
      assert.equal(verifyUserHash([OLD_SECRET], 'user-42', bad), false);
    }
    assert.equal(verifyUserHash([OLD_SECRET], '', computeUserHash(OLD_SECRET.secret, '')), false);
    assert.equal(verifyUserHash([], 'user-42', userHash), false);
  });

  it("refuses a hash made with another site's secret", () => {
    assert.equal(verifyUserHash(SECRETS, 'user-42', computeUserHash(OTHER_SECRET.secret, 'user-42')), false);
  });

  it('accepts a hash made with a rotated (non-first) secret', () => {
    assert.equal(verifyUserHash([NEW_SECRET, OLD_SECRET], 'user-42', userHash), true);
    assert.equal(verifyUserHash([NEW_SECRET], 'user-42', userHash), false);
  });
});

describe('safeEqual', () => {
  it('compares whole strings of any length', () => {
    assert.equal(safeEqual('agent-token', 'agent-token'), true);
    assert.equal(safeEqual('agent-token', 'agent-tokeN'), false);
    assert.equal(safeEqual('agent-token', 'agent-token-longer'), false);
    assert.equal(safeEqual('', ''), true);
    assert.equal(safeEqual('a', undefined as unknown as string), false);
  });
});

describe('site JWTs', () => {
  const hsSite: JwtSite = { id: 'acme', secrets: SECRETS };
  let rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
  let rsaOther: { publicKey: CryptoKey; privateKey: CryptoKey };
  let ec: { publicKey: CryptoKey; privateKey: CryptoKey };
  let rsaJwk: JWK;
  let ecJwk: JWK;
  let server: Server;
  let baseUrl: string;
  let jwksHits = 0;

  before(async () => {
    rsa = await generateKeyPair('RS256');
    rsaOther = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
    ecJwk = { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' };
    server = createServer((req, res) => {
      if (req.url === '/.well-known/jwks.json') {
        jwksHits++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: [ecJwk] }));
      } else {
        res.writeHead(500).end('nope');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  /** Signs claims with sensible defaults: sub, aud = acme, iat = now, exp = now + 10 min. */
  function sign(
    key: CryptoKey | string,
    claims: JWTPayload = {},
    header: { alg?: string; kid?: string } = {},
    omit: readonly string[] = [],
  ): Promise<string> {
    const payload: JWTPayload = Object.fromEntries(
      Object.entries({ sub: 'user-42', aud: 'acme', iat: NOW_S, exp: NOW_S + 600, ...claims }).filter(
        ([claim]) => !omit.includes(claim),
      ),
    );
    const alg = header.alg ?? (typeof key === 'string' ? 'HS256' : 'RS256');
    const signer = new SignJWT(payload).setProtectedHeader({ alg, ...(header.kid ? { kid: header.kid } : {}) });
    return signer.sign(typeof key === 'string' ? deriveKey(key, 'jwt-hs256') : key);
  }

  async function refused(site: JwtSite, jwt: string, code = 'unauthorized', pattern?: RegExp): Promise<string> {
    const result = await verifySiteJwt(site, jwt, NOW);
    assert.equal(result.ok, false, 'expected a refusal');
    assert.ok(!result.ok);
    assert.equal(result.code, code, result.message);
    const text = String(jwt);
    if (text.length > 10) assert.ok(!result.message.includes(text), 'the message must not contain the token');
    for (const part of text.split('.').filter((p) => p.length > 8)) assert.ok(!result.message.includes(part));
    if (pattern) assert.match(result.message, pattern);
    return result.message;
  }

  it('accepts an HS256 JWT with the site secret and returns sub, name and email', async () => {
    const jwt = await sign(NEW_SECRET.secret, { name: 'Ada', email: 'ada@example.com' });
    assert.deepEqual(await verifySiteJwt(hsSite, jwt, NOW), {
      ok: true,
      claims: { sub: 'user-42', name: 'Ada', email: 'ada@example.com' },
      expiresAt: (NOW_S + 600) * 1000, // the exp, for the connection to close at
    });
  });

  it('truncates a long name and ignores non-string name and email', async () => {
    const long = await verifySiteJwt(hsSite, await sign(NEW_SECRET.secret, { name: 'x'.repeat(500) }), NOW);
    assert.equal(long.ok && long.claims.name?.length, 200);
    const odd = await verifySiteJwt(hsSite, await sign(NEW_SECRET.secret, { name: 7, email: ['a@b.c'] }), NOW);
    assert.deepEqual(odd, { ok: true, claims: { sub: 'user-42' }, expiresAt: (NOW_S + 600) * 1000 });
  });

  it('picks the HS256 secret by kid, tries every secret without one, and refuses an unknown kid', async () => {
    assert.equal((await verifySiteJwt(hsSite, await sign(OLD_SECRET.secret, {}, { kid: 'k1' }), NOW)).ok, true);
    assert.equal((await verifySiteJwt(hsSite, await sign(OLD_SECRET.secret), NOW)).ok, true);
    await refused(hsSite, await sign(OLD_SECRET.secret, {}, { kid: 'k2' }), 'unauthorized', /signature/);
    await refused(hsSite, await sign(OLD_SECRET.secret, {}, { kid: 'k9' }), 'unauthorized', /kid/);
  });

  it('refuses alg none', async () => {
    const payload = { sub: 'user-42', aud: 'acme', iat: NOW_S, exp: NOW_S + 600 };
    await refused(hsSite, `${b64url({ alg: 'none' })}.${b64url(payload)}.`, 'unauthorized', /algorithm/);
    await refused(hsSite, `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}`, 'unauthorized');
  });

  it('refuses other algorithms, even with a valid signature', async () => {
    await refused(hsSite, await sign(NEW_SECRET.secret.repeat(2), {}, { alg: 'HS512' }), 'unauthorized', /algorithm/);
  });

  it('refuses an expired JWT as token_expired, within 30 s of tolerance', async () => {
    await refused(hsSite, await sign(NEW_SECRET.secret, { iat: NOW_S - 700, exp: NOW_S - 60 }), 'token_expired');
    const recent = await sign(NEW_SECRET.secret, { iat: NOW_S - 700, exp: NOW_S - 10 });
    assert.equal((await verifySiteJwt(hsSite, recent, NOW)).ok, true);
  });

  it('refuses a wrong or missing aud', async () => {
    await refused(hsSite, await sign(NEW_SECRET.secret, { aud: 'other-site' }), 'unauthorized', /aud/);
    await refused(hsSite, await sign(NEW_SECRET.secret, {}, {}, ['aud']), 'unauthorized', /aud/);
  });

  it('refuses a JWT signed with a key the site does not have', async () => {
    await refused(hsSite, await sign(OTHER_SECRET.secret), 'unauthorized', /signature/);
  });

  it('refuses an iat far in the future, but allows a little skew', async () => {
    await refused(
      hsSite,
      await sign(NEW_SECRET.secret, { iat: NOW_S + 3600, exp: NOW_S + 4000 }),
      'unauthorized',
      /iat/,
    );
    const skewed = await sign(NEW_SECRET.secret, { iat: NOW_S + 45, exp: NOW_S + 600 });
    assert.equal((await verifySiteJwt(hsSite, skewed, NOW)).ok, true);
  });

  it('refuses a lifetime over 24 hours', async () => {
    const long = await sign(NEW_SECRET.secret, { iat: NOW_S, exp: NOW_S + 86400 + 1 });
    await refused(hsSite, long, 'unauthorized', /24 hours/);
    const day = await sign(NEW_SECRET.secret, { iat: NOW_S, exp: NOW_S + 86400 });
    assert.equal((await verifySiteJwt(hsSite, day, NOW)).ok, true);
  });

  it('refuses a missing, non-string or overlong sub, and a missing exp or iat', async () => {
    await refused(hsSite, await sign(NEW_SECRET.secret, {}, {}, ['sub']), 'unauthorized', /sub/);
    await refused(hsSite, await sign(NEW_SECRET.secret, { sub: 42 as unknown as string }), 'unauthorized', /sub/);
    await refused(hsSite, await sign(NEW_SECRET.secret, { sub: 'u'.repeat(257) }), 'unauthorized', /sub/);
    await refused(hsSite, await sign(NEW_SECRET.secret, {}, {}, ['exp']), 'unauthorized', /exp/);
    await refused(hsSite, await sign(NEW_SECRET.secret, {}, {}, ['iat']), 'unauthorized', /iat/);
  });

  it('refuses a JWT that is not valid yet (nbf)', async () => {
    await refused(hsSite, await sign(NEW_SECRET.secret, { nbf: NOW_S + 300 }), 'unauthorized', /nbf/);
  });

  it('refuses an HS256 JWT when the site only has a JWKS', async () => {
    const site: JwtSite = { id: 'acme', secrets: [], jwks: { keys: [rsaJwk] } };
    await refused(site, await sign(NEW_SECRET.secret), 'unauthorized', /HS256/);
  });

  it('accepts RS256 via an inline JWKS', async () => {
    const site: JwtSite = { id: 'acme', secrets: SECRETS, jwks: { keys: [rsaJwk] } };
    const result = await verifySiteJwt(site, await sign(rsa.privateKey, {}, { kid: 'rsa-1' }), NOW);
    assert.deepEqual(result, { ok: true, claims: { sub: 'user-42' }, expiresAt: (NOW_S + 600) * 1000 });
    // Without a kid, the only RSA key matches.
    assert.equal((await verifySiteJwt(site, await sign(rsa.privateKey), NOW)).ok, true);
  });

  it('tries each key when several JWKS keys match', async () => {
    // Neither key has a kid, so both match an RS256 header without one.
    const otherJwk: JWK = { ...(await exportJWK(rsaOther.publicKey)), alg: 'RS256' };
    const ownJwk: JWK = { ...(await exportJWK(rsa.publicKey)), alg: 'RS256' };
    const site: JwtSite = { id: 'acme', secrets: [], jwks: { keys: [otherJwk, ownJwk] } };
    assert.equal((await verifySiteJwt(site, await sign(rsa.privateKey), NOW)).ok, true);
  });

  it('refuses RS256 signed with another key, and RS256 when the site has no JWKS', async () => {
    const site: JwtSite = { id: 'acme', secrets: [], jwks: { keys: [rsaJwk] } };
    await refused(site, await sign(rsaOther.privateKey, {}, { kid: 'rsa-1' }), 'unauthorized', /signature/);
    await refused(site, await sign(rsaOther.privateKey, {}, { kid: 'rsa-9' }), 'unauthorized', /JWKS/);
    await refused(hsSite, await sign(rsa.privateKey), 'unauthorized', /JWKS/);
  });

  it('refuses an RS256-labelled JWT signed with HMAC over the public key (algorithm confusion)', async () => {
    const site: JwtSite = { id: 'acme', secrets: [], jwks: { keys: [rsaJwk] } };
    const payload = (await sign(NEW_SECRET.secret)).split('.')[1]!;
    const confused = `${b64url({ alg: 'RS256', kid: 'rsa-1' })}.${payload}`;
    const sig = createHmac('sha256', JSON.stringify(rsaJwk)).update(confused).digest('base64url');
    await refused(site, `${confused}.${sig}`, 'unauthorized');
  });

  it('accepts ES256 via a JWKS URL served over local HTTP, fetching it once', async () => {
    const site: JwtSite = { id: 'acme', secrets: [], jwks: { url: `${baseUrl}/.well-known/jwks.json` } };
    const jwt = await sign(ec.privateKey, { email: 'ada@example.com' }, { alg: 'ES256', kid: 'ec-1' });
    assert.deepEqual(await verifySiteJwt(site, jwt, NOW), {
      ok: true,
      claims: { sub: 'user-42', email: 'ada@example.com' },
      expiresAt: (NOW_S + 600) * 1000,
    });
    assert.equal((await verifySiteJwt(site, jwt, NOW)).ok, true);
    assert.equal(jwksHits, 1, 'the JWKS is cached per URL');
    await refused(site, await sign(rsa.privateKey, {}, { kid: 'rsa-1' }), 'unauthorized');
  });

  it('refuses when the JWKS URL fails or is not http(s)', async () => {
    const jwt = await sign(ec.privateKey, {}, { alg: 'ES256', kid: 'ec-1' });
    await refused({ id: 'acme', secrets: [], jwks: { url: `${baseUrl}/broken` } }, jwt, 'unauthorized', /fetched/);
    await refused({ id: 'acme', secrets: [], jwks: { url: 'file:///etc/passwd' } }, jwt, 'unauthorized', /http/);
    await refused({ id: 'acme', secrets: [], jwks: { url: 'not a url' } }, jwt, 'unauthorized', /URL/);
  });

  it('refuses garbage without throwing', async () => {
    for (const jwt of ['', 'abc', 'a.b.c', '...', `${b64url({ alg: 'HS256' })}.!!!.x`, 'x'.repeat(9000)]) {
      await refused(hsSite, jwt);
    }
    await refused(hsSite, 42 as unknown as string);
    await refused({ id: 'acme', secrets: [], jwks: { keys: [{ kty: 'nope' }] } }, await sign(rsa.privateKey));
  });
});

describe('authenticate', () => {
  const site: AuthSite = { id: 'acme', secrets: SECRETS, allow: ['anonymous', 'identified', 'jwt'] };
  const visitorToken = mintToken(NEW_SECRET.secret, { kind: 'visitor', siteId: 'acme', visitorId: 'v_1', now: NOW });
  const jwtFor = (claims: JWTPayload) =>
    new SignJWT({ sub: 'user-42', aud: 'acme', iat: NOW_S, exp: NOW_S + 600, ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(deriveKey(NEW_SECRET.secret, 'jwt-hs256'));

  it('anonymous: a fresh visitor without a token, the same visitor with a valid one', async () => {
    assert.deepEqual(await authenticate(site, { mode: 'anonymous' }, NOW), {
      ok: true,
      identity: { mode: 'anonymous', visitorId: null, tokenRejected: false },
    });
    assert.deepEqual(await authenticate(site, { mode: 'anonymous', token: visitorToken }, NOW), {
      ok: true,
      identity: { mode: 'anonymous', visitorId: 'v_1', tokenRejected: false },
    });
  });

  it('anonymous: a forged, foreign or wrong-kind token gives a fresh visitor, not an error', async () => {
    const foreign = mintToken(OTHER_SECRET.secret, { kind: 'visitor', siteId: 'other', visitorId: 'v_9', now: NOW });
    const sameSecretOtherSite = mintToken(NEW_SECRET.secret, {
      kind: 'visitor',
      siteId: 'other',
      visitorId: 'v_9',
      now: NOW,
    });
    const session = mintToken(NEW_SECRET.secret, { kind: 'session', siteId: 'acme', visitorId: 'v_1', now: NOW });
    for (const token of [flipAt(visitorToken, 12), foreign, sameSecretOtherSite, session, 'garbage']) {
      assert.deepEqual(await authenticate(site, { mode: 'anonymous', token }, NOW), {
        ok: true,
        identity: { mode: 'anonymous', visitorId: null, tokenRejected: true },
      });
    }
  });

  it('identified: a valid hash gives the user and carries the visitor over', async () => {
    const userHash = computeUserHash(OLD_SECRET.secret, 'user-42');
    const result = await authenticate(
      site,
      { mode: 'identified', userId: 'user-42', userHash, name: 'Ada', token: visitorToken },
      NOW,
    );
    assert.deepEqual(result, {
      ok: true,
      identity: { mode: 'identified', userId: 'user-42', name: 'Ada', carryVisitorId: 'v_1' },
    });
    const bad = await authenticate(site, { mode: 'identified', userId: 'user-42', userHash, token: 'junk' }, NOW);
    assert.equal(bad.ok && bad.identity.mode === 'identified' && bad.identity.carryVisitorId, null);
  });

  it('identified: a forged hash is unauthorized', async () => {
    const userHash = computeUserHash(OTHER_SECRET.secret, 'user-42');
    const result = await authenticate(site, { mode: 'identified', userId: 'user-42', userHash }, NOW);
    assert.equal(!result.ok && result.code, 'unauthorized');
  });

  it('jwt: a valid JWT gives the user; an expired one is token_expired', async () => {
    const ok = await authenticate(site, { mode: 'jwt', jwt: await jwtFor({ name: 'Ada' }), token: visitorToken }, NOW);
    assert.deepEqual(ok, {
      ok: true,
      identity: { mode: 'jwt', userId: 'user-42', name: 'Ada', carryVisitorId: 'v_1', expiresAt: (NOW_S + 600) * 1000 },
    });
    const expired = await authenticate(site, { mode: 'jwt', jwt: await jwtFor({ exp: NOW_S - 120 }) }, NOW);
    assert.equal(!expired.ok && expired.code, 'token_expired');
  });

  it('refuses a mode the site does not allow, saying what it requires', async () => {
    const jwtOnly: AuthSite = { ...site, allow: ['jwt'] };
    const result = await authenticate(jwtOnly, { mode: 'anonymous' }, NOW);
    assert.equal(!result.ok && result.code, 'unauthorized');
    assert.match(!result.ok ? result.message : '', /requires jwt/);
    const userHash = computeUserHash(NEW_SECRET.secret, 'user-42');
    const twoModes: AuthSite = { ...site, allow: ['identified', 'jwt'] };
    const anonymous = await authenticate(twoModes, { mode: 'anonymous', token: visitorToken }, NOW);
    assert.match(!anonymous.ok ? anonymous.message : '', /requires identified or jwt/);
    const identified = await authenticate(jwtOnly, { mode: 'identified', userId: 'user-42', userHash }, NOW);
    assert.equal(!identified.ok && identified.code, 'unauthorized');
  });
});
