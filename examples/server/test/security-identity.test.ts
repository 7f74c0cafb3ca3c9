/**
 * Identities that cannot be forged, against the real server: no key serves two purposes (a user hash the
 * site computes for any string is that user's hash and nothing else), the storefront fixture mints nothing
 * outside tests, and the identity rules of docs/protocol.md §5 (logout, carry-over, consent, expiry).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { computeUserHash, verifySiteJwt, verifyToken, verifyUserHash } from '../src/auth/index.js';
import { ConfigError, loadConfig, parseSitesFile } from '../src/config.js';
import { startServer } from '../src/server.js';
import { createSqliteStorage } from '../src/storage/sqlite-storage.js';
import {
  Client,
  ORIGIN,
  SECRET,
  OTHER_SECRET,
  jwtKey,
  say,
  startTestServer,
  testSites,
  visitor,
  type TestServer,
} from './harness.js';

type ErrorFrame = { type: 'error'; code: string };
type Welcome = { type: 'welcome'; visitor: { id: string; mode: string; userId?: string; token?: string } };

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowS = () => Math.floor(Date.now() / 1000);

/** What a site's backend does for its signed-in user, as docs/auth.md says: the user hash of `userId`. */
const siteUserHash = (userId: string) => computeUserHash(SECRET, userId);

/** Says hello with `auth` on site `shop`; resolves with the welcome, or the error code and close code. */
async function hello(server: TestServer, auth: unknown): Promise<Welcome | { code: string; close: number }> {
  const client = new Client(`${server.wsUrl}/v1/connect`, ORIGIN);
  await client.opened;
  client.send({ type: 'hello', v: 1, site: 'shop', auth });
  const frame = await client.next<Welcome | ErrorFrame>(['welcome', 'error']);
  if (frame.type === 'welcome') {
    client.close();
    return frame;
  }
  const { code } = await client.closed;
  return { code: frame.code, close: code };
}

/** A token in the server's reference format, signed with `key` as it is (the pre-derivation scheme). */
function rawToken(key: string, payload: Record<string, unknown>): string {
  const input = `v1.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

describe('security: one key, one purpose', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('a user hash for a "user id" shaped like a JWT is not a JWT: the victim’s conversation stays closed', async () => {
    // The victim, signed in with a genuine JWT, has a conversation.
    const genuine = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setSubject('user-1')
      .setAudience('shop')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(jwtKey(SECRET));
    const victim = await visitor(server, { auth: { mode: 'jwt', jwt: genuine } });
    await say(victim.client, 'my home address is 1 Main St');
    victim.client.close();

    // The attacker signs up on the site with a chosen "user id"; the site hands back its user hash.
    const signingInput = `${b64({ alg: 'HS256', kid: 'k1' })}.${b64({ sub: 'user-1', aud: 'shop', iat: nowS(), exp: nowS() + 600 })}`;
    const userHash = siteUserHash(signingInput);
    const forged = `${signingInput}.${Buffer.from(userHash, 'hex').toString('base64url')}`;
    const result = await hello(server, { mode: 'jwt', jwt: forged });
    assert.deepEqual(result, { code: 'unauthorized', close: 4001 });
    assert.equal(
      (await verifySiteJwt({ id: 'shop', secrets: [{ kid: 'k1', secret: SECRET }] }, forged, Date.now())).ok,
      false,
    );
  });

  it('a user hash for a "user id" shaped like a visitor token is not a token: nothing of the visitor is reached', async () => {
    const victim = await visitor(server);
    await say(victim.client, 'order 4411, card ending 0042');
    victim.client.close();
    const signingInput = `v1.${b64({ kind: 'visitor', site: 'shop', sub: victim.welcome.visitor.id, iat: nowS() })}`;
    const forged = `${signingInput}.${Buffer.from(siteUserHash(signingInput), 'hex').toString('base64url')}`;
    const result = await hello(server, { mode: 'anonymous', token: forged });
    assert.ok('visitor' in result, 'anonymous hello never fails');
    assert.notEqual(result.visitor.id, victim.welcome.visitor.id, 'the forged token must yield a fresh visitor');
    const session = `v1.${b64({ kind: 'session', site: 'shop', sub: victim.welcome.visitor.id, iat: nowS(), exp: nowS() + 600 })}`;
    const forgedSession = `${session}.${Buffer.from(siteUserHash(session), 'hex').toString('base64url')}`;
    const upload = await fetch(`${server.url}/v1/uploads`, {
      method: 'POST',
      headers: { origin: ORIGIN, authorization: `Bearer ${forgedSession}`, 'content-type': 'image/png' },
      body: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    });
    assert.equal(upload.status, 401);
  });

  it('neither a server token nor a site JWT is a user hash for its signed part', async () => {
    const { welcome, client } = await visitor(server);
    client.close();
    for (const token of [welcome.visitor.token ?? '', welcome.session.token]) {
      const at = token.lastIndexOf('.');
      const userId = token.slice(0, at);
      const userHash = Buffer.from(token.slice(at + 1), 'base64url').toString('hex');
      assert.deepEqual(await hello(server, { mode: 'identified', userId, userHash }), {
        code: 'unauthorized',
        close: 4001,
      });
    }
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user-9')
      .setAudience('shop')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(jwtKey(SECRET));
    const at = jwt.lastIndexOf('.');
    const userHash = Buffer.from(jwt.slice(at + 1), 'base64url').toString('hex');
    assert.deepEqual(await hello(server, { mode: 'identified', userId: jwt.slice(0, at), userHash }), {
      code: 'unauthorized',
      close: 4001,
    });
  });

  it('a user hash for any string verifies as that user’s hash and as nothing else', async () => {
    const site = { id: 'shop', secrets: [{ kid: 'k1', secret: SECRET }] };
    const jwtShaped = `${b64({ alg: 'HS256' })}.${b64({ sub: 'user-1', aud: 'shop', iat: nowS(), exp: nowS() + 600 })}`;
    const tokenShaped = (kind: string) => `v1.${b64({ kind, site: 'shop', sub: 'v_someone', iat: nowS() })}`;
    const ids = [jwtShaped, tokenShaped('visitor'), tokenShaped('session'), 'user-1', 'a.b', '\u00e9\u{1f600}'];
    for (const userId of ids) {
      const hash = siteUserHash(userId);
      assert.equal(verifyUserHash(site.secrets, userId, hash), true, userId);
      const asSignature = `${userId}.${Buffer.from(hash, 'hex').toString('base64url')}`;
      assert.equal((await verifySiteJwt(site, asSignature, Date.now())).ok, false, userId);
      for (const kind of ['visitor', 'session'] as const)
        assert.equal(verifyToken(site.secrets, asSignature, { kind, siteId: 'shop', now: Date.now() }).ok, false);
    }
  });

  it('refuses what was signed with the raw site secret: visitor and session tokens, HS256 JWTs, user hashes', async () => {
    const victim = await visitor(server);
    await say(victim.client, 'hello');
    victim.client.close();
    const id = victim.welcome.visitor.id;
    const old = rawToken(SECRET, { kind: 'visitor', site: 'shop', sub: id, iat: nowS(), exp: nowS() + 3600 });
    const resumed = await hello(server, { mode: 'anonymous', token: old });
    assert.ok('visitor' in resumed);
    assert.notEqual(resumed.visitor.id, id, 'an old-style visitor token yields a fresh visitor');
    const oldSession = rawToken(SECRET, { kind: 'session', site: 'shop', sub: id, iat: nowS(), exp: nowS() + 600 });
    const upload = await fetch(`${server.url}/v1/uploads`, {
      method: 'POST',
      headers: { origin: ORIGIN, authorization: `Bearer ${oldSession}`, 'content-type': 'image/png' },
      body: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    });
    assert.equal(upload.status, 401);
    const rawJwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setSubject('user-1')
      .setAudience('shop')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(SECRET));
    assert.deepEqual(await hello(server, { mode: 'jwt', jwt: rawJwt }), { code: 'unauthorized', close: 4001 });
    const rawHash = createHmac('sha256', SECRET).update('user-1').digest('hex');
    assert.deepEqual(await hello(server, { mode: 'identified', userId: 'user-1', userHash: rawHash }), {
      code: 'unauthorized',
      close: 4001,
    });
  });
});

describe('security: dedicated secrets per purpose', () => {
  const HASH_SECRET = 'legacy-user-hash-secret-0123456789-abcdef';
  const JWT_SECRET = 'dedicated-jwt-secret-0123456789-abcdefghij';
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      sites: [
        {
          id: 'shop',
          name: 'Shop',
          secrets: [{ kid: 'k1', secret: SECRET }],
          userHashSecrets: [{ kid: 'h1', secret: HASH_SECRET }],
          jwtSecrets: [{ kid: 'j1', secret: JWT_SECRET }],
          allowedOrigins: [ORIGIN],
        },
        ...testSites().slice(1), // the test agents also serve `members`
      ],
    });
  });
  after(() => server.stop());

  it('accepts user hashes and JWTs made with their own secrets as they are, and only for their purpose', async () => {
    const userHash = createHmac('sha256', HASH_SECRET).update('user-7').digest('hex');
    const ok = await hello(server, { mode: 'identified', userId: 'user-7', userHash });
    assert.ok('visitor' in ok && ok.visitor.userId === 'user-7');
    const derived = computeUserHash(SECRET, 'user-7');
    assert.deepEqual(await hello(server, { mode: 'identified', userId: 'user-7', userHash: derived }), {
      code: 'unauthorized',
      close: 4001,
    });
    const sign = (key: Uint8Array, kid: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', kid })
        .setSubject('user-8')
        .setAudience('shop')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(key);
    const jwtOk = await hello(server, { mode: 'jwt', jwt: await sign(new TextEncoder().encode(JWT_SECRET), 'j1') });
    assert.ok('visitor' in jwtOk && jwtOk.visitor.userId === 'user-8');
    // The user-hash secret signs no JWT, even when the attacker names its kid.
    const crossed = await sign(new TextEncoder().encode(HASH_SECRET), 'h1');
    assert.deepEqual(await hello(server, { mode: 'jwt', jwt: crossed }), { code: 'unauthorized', close: 4001 });
  });

  it('refuses a sites file that gives user hashes and JWTs the same secret', () => {
    const site = (extra: Record<string, unknown>) => ({
      sites: [
        { id: 'shop', name: 'Shop', secrets: [{ kid: 'k1', secret: SECRET }], allowedOrigins: [ORIGIN], ...extra },
      ],
    });
    assert.throws(
      () =>
        parseSitesFile(
          site({
            userHashSecrets: [{ kid: 'a', secret: HASH_SECRET }],
            jwtSecrets: [{ kid: 'b', secret: HASH_SECRET }],
          }),
        ),
      (error: unknown) =>
        error instanceof ConfigError && /jwtSecrets.*each purpose needs its own secret/s.test(error.message),
    );
    assert.doesNotThrow(() => parseSitesFile(site({ userHashSecrets: [{ kid: 'a', secret: SECRET }] })));
  });
});

describe('security: the storefront test fixture', () => {
  /** The fixture's login for customer 7 and the app proxy's token after it, as another site could GET them. */
  async function login(base: string) {
    const res = await fetch(`${base}/fixture/shopify/demo/account/login?customer=7`, { redirect: 'manual' });
    const cookie = (res.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
    const token = await fetch(`${base}/fixture/shopify/demo/apps/parlor/token`, { headers: { cookie } });
    return { login: res.status, token: token.status, body: await token.text() };
  }

  it('is off with no sites file (the demo default): its login mints nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parlor-fixture-'));
    const config = { ...loadConfig({ DATA_DIR: dataDir }), port: 0, host: '127.0.0.1', logLevel: 'silent' as const };
    const storage = createSqliteStorage({ file: join(dataDir, 'parlor.db') });
    await storage.migrate();
    const server = await startServer({ config, storage });
    try {
      const seen = await login(`http://127.0.0.1:${server.port}`);
      assert.deepEqual([seen.login, seen.token], [404, 404]);
      assert.doesNotMatch(seen.body, /eyJ/, 'no JWT');
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('is on only when asked for (PARLOR_TEST_FIXTURES=1), labelled a test fixture', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parlor-fixture-'));
    const loaded = loadConfig({ DATA_DIR: dataDir, PARLOR_TEST_FIXTURES: '1' });
    assert.equal(loaded.testFixtures, true);
    const config = { ...loaded, port: 0, host: '127.0.0.1', logLevel: 'silent' as const };
    const storage = createSqliteStorage({ file: join(dataDir, 'parlor.db') });
    await storage.migrate();
    const server = await startServer({ config, storage });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const seen = await login(base);
      assert.deepEqual([seen.login, seen.token], [303, 200]);
      const page = await (await fetch(`${base}/fixture/shopify/demo/products/linen-shirt`)).text();
      assert.match(page, /Test fixture: not a real store/);
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('is refused with PUBLIC_URL, from the environment and from a configuration object', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parlor-fixture-'));
    try {
      assert.throws(
        () => loadConfig({ DATA_DIR: dataDir, PARLOR_TEST_FIXTURES: '1', PUBLIC_URL: 'https://chat.example.com' }),
        (error: unknown) => error instanceof ConfigError && /PARLOR_TEST_FIXTURES.*PUBLIC_URL/.test(error.message),
      );
      const config = {
        ...loadConfig({ DATA_DIR: dataDir, PUBLIC_URL: 'https://chat.example.com' }),
        port: 0,
        logLevel: 'silent' as const,
        testFixtures: true,
      };
      const storage = createSqliteStorage({ file: join(dataDir, 'parlor.db') });
      await storage.migrate();
      await assert.rejects(startServer({ config, storage }), ConfigError);
      await storage.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('security: identity rules (protocol §5)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  /** Waits until every frame sent before has been handled: the server handles a socket's frames in order. */
  async function handled(client: Client) {
    client.send({ type: 'ping', t: 1 });
    await client.next('pong');
  }

  it('logout on a site without anonymous visitors ends the connection and creates no visitor', async () => {
    const userHash = computeUserHash(OTHER_SECRET, 'member-9');
    const { client } = await visitor(server, {
      site: 'members',
      auth: { mode: 'identified', userId: 'member-9', userHash },
    });
    await say(client, 'members only');
    client.send({ type: 'logout' });
    const { code, reason } = await client.closed;
    assert.deepEqual([code, reason], [1000, 'logout']);
    assert.equal(client.seen('welcome').length, 0, 'no anonymous welcome');
    assert.deepEqual(
      client.seen('ack').map((f) => f.type),
      [],
      'nothing more was stored',
    );
  });

  it('carry-over closes every other socket of the anonymous visitor, and its token is spent', async () => {
    const first = await visitor(server);
    const token = first.welcome.visitor.token ?? '';
    const second = await visitor(server, { auth: { mode: 'anonymous', token } });
    assert.equal(second.welcome.visitor.id, first.welcome.visitor.id, 'two tabs, one anonymous visitor');
    await say(first.client, 'before signing in');
    await handled(second.client);
    first.client.send({
      type: 'identify',
      auth: { mode: 'identified', userId: 'carry-1', userHash: siteUserHash('carry-1') },
    });
    const welcome = await first.client.next<Welcome>('welcome');
    assert.equal(welcome.visitor.userId, 'carry-1');
    assert.deepEqual((await second.client.closed).code, 1000);
    await say(first.client, 'only for the signed-in user');
    const texts = second.client.seen('message').map((f) => JSON.stringify(f));
    assert.ok(
      !texts.some((t) => t.includes('only for the signed-in user')),
      'the anonymous tab got nothing of the user',
    );
    const again = await hello(server, { mode: 'anonymous', token });
    assert.ok('visitor' in again);
    assert.notEqual(again.visitor.id, first.welcome.visitor.id, 'the spent token yields a fresh visitor');
    first.client.close();
  });

  it('carry-over in a new hello closes the anonymous visitor’s open socket too', async () => {
    const anonymous = await visitor(server);
    const { ack } = await say(anonymous.client, 'hi');
    const signedIn = await visitor(server, {
      auth: {
        mode: 'identified',
        userId: 'carry-2',
        userHash: siteUserHash('carry-2'),
        token: anonymous.welcome.visitor.token,
      },
    });
    assert.equal((await anonymous.client.closed).code, 1000);
    assert.equal(signedIn.welcome.conversation?.id, ack.conversation, 'the conversation carried over');
    signedIn.client.close();
  });

  it('consent.context false in hello drops the stored context at once', async () => {
    const consented = await visitor(server, { consent: { context: true, analytics: false } });
    consented.client.send({ type: 'context', page: { url: 'https://shop.test/private', title: 'Private' } });
    await handled(consented.client);
    const id = consented.welcome.visitor.id;
    assert.equal((await server.hub.storage.getContext(id))?.page?.url, 'https://shop.test/private');
    consented.client.close();
    const withdrawn = await visitor(server, {
      auth: { mode: 'anonymous', token: consented.welcome.visitor.token },
      consent: { context: false, analytics: false },
    });
    assert.equal(withdrawn.welcome.visitor.id, id);
    await handled(withdrawn.client);
    const stored = await server.hub.storage.getContext(id);
    assert.deepEqual([stored?.page ?? null, stored?.attributes ?? null, stored?.cart ?? null], [null, null, null]);
    withdrawn.client.close();
  });

  it('a hello without consent is no consent (§6.1): the stored context is dropped at once, and kept again once given', async () => {
    const consented = await visitor(server, { consent: { context: true, analytics: false } });
    consented.client.send({
      type: 'context',
      page: { url: 'https://shop.test/account', title: 'Account' },
      attributes: { plan: 'pro' },
      cart: { currency: 'EUR', total: 100, itemCount: 1, items: [] },
    });
    await handled(consented.client);
    const id = consented.welcome.visitor.id;
    assert.equal((await server.hub.storage.getContext(id))?.attributes?.['plan'], 'pro');
    consented.client.close();

    // The next page load says nothing about consent (no banner answer yet, or the page never asks).
    const silent = await visitor(server, { auth: { mode: 'anonymous', token: consented.welcome.visitor.token } });
    assert.equal(silent.welcome.visitor.id, id);
    await handled(silent.client);
    const dropped = await server.hub.storage.getContext(id);
    assert.deepEqual([dropped?.page ?? null, dropped?.attributes ?? null, dropped?.cart ?? null], [null, null, null]);

    // Consent given later on that page (a widget's setConsent): its context is kept again.
    silent.client.send({
      type: 'context',
      consent: { context: true, analytics: false },
      page: { url: 'https://shop.test/cart', title: 'Cart' },
    });
    await handled(silent.client);
    assert.equal((await server.hub.storage.getContext(id))?.page?.url, 'https://shop.test/cart');
    silent.client.close();
  });

  it('closes a live socket with token_expired (4002) when its JWT expires, unless identify refreshed it', async () => {
    // Accepted within the 30 s clock tolerance, expiring for good about 1.5 s later.
    const sign = (sub: string, exp: number) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .setSubject(sub)
        .setAudience('shop')
        .setIssuedAt(nowS() - 60)
        .setExpirationTime(exp)
        .sign(jwtKey(SECRET));
    const soon = Date.now() / 1000 - 28.5;
    const stale = await visitor(server, { auth: { mode: 'jwt', jwt: await sign('exp-1', soon) } });
    const refreshed = await visitor(server, { auth: { mode: 'jwt', jwt: await sign('exp-2', soon) } });
    const fresh = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setSubject('exp-2')
      .setAudience('shop')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(jwtKey(SECRET));
    refreshed.client.send({ type: 'identify', auth: { mode: 'jwt', jwt: fresh } });
    await refreshed.client.next('welcome');
    const error = await stale.client.next<ErrorFrame>('error', 10_000);
    assert.equal(error.code, 'token_expired');
    assert.equal((await stale.client.closed).code, 4002);
    await handled(refreshed.client); // still open, after the stale one's expiry
    await say(refreshed.client, 'still here');
    refreshed.client.close();
  });

  it('a user hash never overwrites the name and email a signed JWT gave', async () => {
    const jwt = await new SignJWT({ name: 'Signed Name', email: 'signed@shop.test' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setSubject('named-1')
      .setAudience('shop')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(jwtKey(SECRET));
    (await visitor(server, { auth: { mode: 'jwt', jwt } })).client.close();
    const claimed = await visitor(server, {
      auth: {
        mode: 'identified',
        userId: 'named-1',
        userHash: siteUserHash('named-1'),
        name: 'Someone Else',
        email: 'else@evil.test',
      },
    });
    const stored = await server.hub.storage.findVisitorByUser('shop', 'named-1');
    assert.deepEqual([stored?.mode, stored?.name, stored?.email], ['jwt', 'Signed Name', 'signed@shop.test']);
    claimed.client.close();
  });
});
