// The server-side samples of docs/auth.md, checked against the reference server: the user hash and the JWT they
// make are accepted by its verification and by a real hello on its WebSocket, and refused when they should be.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { verifySiteJwt, verifyUserHash } from '../../examples/server/src/auth/index.ts';
import { SECRET, startTestServer, visitor, type TestServer } from '../../examples/server/test/harness.ts';
import { parlorJwt, parlorTokenHandler } from './site-jwt.mjs';
import { parlorIdentity, parlorUserHash } from './user-hash.mjs';

const user = { id: 'u-1042', name: 'Dana Reyes', email: 'dana@example.com' };

describe('docs/samples against the reference server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });

  it('user-hash.mjs: the hash passes the server check, for that user and secret only', async () => {
    const hash = parlorUserHash(SECRET, user.id);
    assert.equal(verifyUserHash([{ kid: 'k1', secret: SECRET }], user.id, hash), true);
    assert.equal(verifyUserHash([{ kid: 'k1', secret: SECRET }], 'u-1043', hash), false);
    assert.equal(verifyUserHash([{ kid: 'k1', secret: `${SECRET}x` }], user.id, hash), false);
    const { welcome, client } = await visitor(server, { auth: parlorIdentity(SECRET, user) });
    assert.deepEqual([welcome.visitor.mode, welcome.visitor.userId], ['identified', user.id]);
    client.close();
  });

  it('user_hash.py: the Python sample gives the hash the server accepts', (t) => {
    const script = new URL('./user_hash.py', import.meta.url).pathname;
    const run = spawnSync('python3', [script, SECRET, user.id], { encoding: 'utf8' });
    if (run.error) return t.skip('python3 is not installed');
    assert.equal(run.stderr, '');
    assert.equal(verifyUserHash([{ kid: 'k1', secret: SECRET }], user.id, run.stdout.trim()), true);
  });

  it('user-hash.mjs and site-jwt.mjs: a key of their own each, neither the raw secret', async () => {
    // The user hash the site computes for a "user id" shaped like a JWT is not that JWT's signature.
    const jwt = parlorJwt({ siteId: 'shop', siteSecret: SECRET, kid: 'k1', user });
    const signingInput = jwt.slice(0, jwt.lastIndexOf('.'));
    const hash = parlorUserHash(SECRET, signingInput);
    const forged = `${signingInput}.${Buffer.from(hash, 'hex').toString('base64url')}`;
    const site = { id: 'shop', secrets: [{ kid: 'k1', secret: SECRET }] };
    assert.equal((await verifySiteJwt(site, forged, Date.now())).ok, false);
    assert.equal((await verifySiteJwt(site, jwt, Date.now())).ok, true);
  });

  it('site-jwt.mjs: the token passes the server check; a forged or expired one does not', async () => {
    const site = { id: 'shop', secrets: [{ kid: 'k1', secret: SECRET }] };
    const jwt = parlorJwt({ siteId: 'shop', siteSecret: SECRET, kid: 'k1', user });
    const ok = await verifySiteJwt(site, jwt, Date.now());
    assert.deepEqual(ok.ok && ok.claims, { sub: user.id, name: user.name, email: user.email });
    const forged = parlorJwt({ siteId: 'shop', siteSecret: 'not-the-site-secret-0123456789-abcdef', kid: 'k1', user });
    assert.equal((await verifySiteJwt(site, forged, Date.now())).ok, false);
    const otherSite = parlorJwt({ siteId: 'members', siteSecret: SECRET, kid: 'k1', user });
    assert.equal((await verifySiteJwt(site, otherSite, Date.now())).ok, false);
    const expired = parlorJwt({ siteId: 'shop', siteSecret: SECRET, user, now: Date.now() - 3_600_000 });
    const refused = await verifySiteJwt(site, expired, Date.now());
    assert.equal(refused.ok ? 'accepted' : refused.code, 'token_expired');
    // A user the server has not met yet (the first test's user stays an identified visitor).
    const newcomer = parlorJwt({ siteId: 'shop', siteSecret: SECRET, kid: 'k1', user: { ...user, id: 'u-2001' } });
    const { welcome, client } = await visitor(server, { auth: { mode: 'jwt', jwt: newcomer } });
    assert.deepEqual([welcome.visitor.mode, welcome.visitor.userId], ['jwt', 'u-2001']);
    client.close();
  });

  it('site-jwt.mjs: the token endpoint gives signed-in users a fresh, uncached token and others a 401', async () => {
    let signedIn: typeof user | null = user;
    const handler = parlorTokenHandler({ siteId: 'shop', siteSecret: SECRET, kid: 'k1', currentUser: () => signedIn });
    const http = createServer(handler);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/parlor-token`;
    try {
      const response = await fetch(url);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const result = await verifySiteJwt(
        { id: 'shop', secrets: [{ kid: 'k1', secret: SECRET }] },
        await response.text(),
        Date.now(),
      );
      assert.equal(result.ok && result.claims.sub, user.id);
      signedIn = null;
      assert.equal((await fetch(url)).status, 401);
    } finally {
      http.close();
    }
  });
});
