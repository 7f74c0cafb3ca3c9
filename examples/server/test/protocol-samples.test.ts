/**
 * The server-side JavaScript samples in docs/protocol.md §5, run as written against the real server: the user
 * hash it shows is one the server accepts, the JWT it signs opens a session, and its verification code accepts
 * and refuses the same tokens the server does. A sample that drifts from the server fails here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { Client, ORIGIN, jwtKey, startTestServer, testSites, type TestServer } from './harness.js';

const SITE = 'example-site';
const KID = '2024-12';
const SITE_SECRET = 'protocol-sample-secret-0123456789-abcdef';

/** The `js` code blocks of the spec's section 5 (authentication), in order. */
function authSamples(): string[] {
  const spec = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  const section = spec.slice(spec.indexOf('\n## 5. Authentication'), spec.indexOf('\n## 6. '));
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

/** Imports a sample as a module; its `jose` import resolves to the server's own copy. */
async function load<T>(source: string): Promise<T> {
  const jose = import.meta.resolve('jose');
  const code = source.replace(/from 'jose'/g, `from ${JSON.stringify(jose)}`);
  return (await import(`data:text/javascript,${encodeURIComponent(code)}`)) as T;
}

/** Says hello with `auth` and returns the welcome's visitor, or the close code when the server refuses. */
async function hello(server: TestServer, auth: Record<string, unknown>) {
  const client = new Client(`${server.wsUrl}/v1/connect`, ORIGIN);
  await client.opened;
  const closed = new Promise<number>((resolve) => client.ws.once('close', (code) => resolve(code)));
  client.send({ type: 'hello', v: 1, site: SITE, auth });
  const outcome = await Promise.race([
    client.next<{ visitor: { mode: string; userId?: string } }>('welcome', 5000).then((w) => w.visitor),
    closed,
  ]);
  client.close();
  return outcome;
}

describe('the authentication samples in docs/protocol.md', () => {
  let server: TestServer;
  let samples: string[];
  const saved = process.env.PARLOR_SITE_SECRET;

  before(async () => {
    samples = authSamples();
    process.env.PARLOR_SITE_SECRET = SITE_SECRET;
    server = await startTestServer({
      sites: [
        ...testSites(), // the test agents belong to these
        { id: SITE, name: 'Example', secrets: [{ kid: KID, secret: SITE_SECRET }], allowedOrigins: [ORIGIN] },
      ],
    });
  });
  after(async () => {
    process.env.PARLOR_SITE_SECRET = saved;
    await server.stop();
  });

  it('finds the three samples: user hash, signing and verifying a JWT', () => {
    assert.equal(samples.length, 3);
    assert.match(samples[0] ?? '', /parlorUserHash/);
    assert.match(samples[1] ?? '', /parlorJwt/);
    assert.match(samples[2] ?? '', /verifyVisitorJwt/);
  });

  it('the user hash sample makes a hash the server accepts, and only for that user', async () => {
    const { parlorUserHash } = await load<{ parlorUserHash(id: string): string }>(samples[0] ?? '');
    const userHash = parlorUserHash('user-4821');
    const visitor = await hello(server, { mode: 'identified', userId: 'user-4821', userHash });
    assert.equal(typeof visitor, 'object', `refused with ${String(visitor)}`);
    assert.deepEqual(
      [(visitor as { mode: string }).mode, (visitor as { userId?: string }).userId],
      ['identified', 'user-4821'],
    );
    assert.equal(await hello(server, { mode: 'identified', userId: 'user-4822', userHash }), 4001);
  });

  it('the signing sample makes a JWT the server opens a session with', async () => {
    const { parlorJwt } = await load<{ parlorJwt(u: { id: string; name: string; email: string }): Promise<string> }>(
      samples[1] ?? '',
    );
    const jwt = await parlorJwt({ id: 'user-4821', name: 'Dana Reyes', email: 'dana@example.com' });
    const visitor = await hello(server, { mode: 'jwt', jwt });
    assert.equal(typeof visitor, 'object', `refused with ${String(visitor)}`);
    // A JWT proves the same thing as a user hash: the visitor is identified as that user.
    assert.deepEqual(
      [(visitor as { mode: string }).mode, (visitor as { userId?: string }).userId],
      ['identified', 'user-4821'],
    );
  });

  it('the verifying sample accepts and refuses the same tokens as the server', async () => {
    const { verifyVisitorJwt } = await load<{
      verifyVisitorJwt(jwt: string, site: unknown): Promise<{ sub: string }>;
    }>(samples[2] ?? '');
    const site = { id: SITE, secrets: [{ kid: KID, secret: SITE_SECRET }] };
    const key = jwtKey(SITE_SECRET);
    const now = Math.floor(Date.now() / 1000);
    const token = (claims: { aud?: string; iat?: number; exp?: number }, kid = KID, signKey = key) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', kid })
        .setSubject('user-4821')
        .setAudience(claims.aud ?? SITE)
        .setIssuedAt(claims.iat ?? now)
        .setExpirationTime(claims.exp ?? now + 600)
        .sign(signKey);
    const cases: [string, Promise<string>, number | 'ok'][] = [
      ['valid', token({}), 'ok'],
      ['expired', token({ iat: now - 7200, exp: now - 3600 }), 4002],
      ['another audience', token({ aud: 'other-site' }), 4001],
      ['unknown kid', token({}, 'nope'), 4001],
      ['wrong key', token({}, KID, new TextEncoder().encode('x'.repeat(40))), 4001],
      ['issued in the future', token({ iat: now + 3600, exp: now + 4200 }), 4001],
    ];
    for (const [name, pending, expected] of cases) {
      const jwt = await pending;
      const sample = await verifyVisitorJwt(jwt, site).then(
        (payload) => (payload.sub === 'user-4821' ? 'ok' : 'wrong sub'),
        (error: Error) => (error.name === 'JWTExpired' || error.constructor.name === 'JWTExpired' ? 4002 : 4001),
      );
      const visitor = await hello(server, { mode: 'jwt', jwt });
      const served = typeof visitor === 'object' ? 'ok' : visitor;
      assert.deepEqual([name, sample, served], [name, expected, expected]);
    }
  });
});
