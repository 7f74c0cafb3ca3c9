/**
 * `/metrics` is for operators: not served to the world by default, readable with a token or on its own
 * port. Refused origins are logged and counted with the origin and the site, under a bounded number of
 * labels whatever origins an attacker sends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, startTestServer, type TestServer } from './harness.js';

const TOKEN = 'metrics-token-0123456789-abcdefghijklmn';

async function metrics(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/metrics`, { headers });
  return { status: res.status, text: await res.text() };
}

describe('metrics access', () => {
  it('is hidden behind a trusted proxy by default (every request there comes from a local peer)', async () => {
    const server = await startTestServer({ config: { trustProxy: true } });
    try {
      const res = await metrics(server.url, { 'x-forwarded-for': '203.0.113.9' });
      assert.equal(res.status, 404);
      assert.doesNotMatch(res.text, /parlor_/);
    } finally {
      await server.stop();
    }
  });

  it('with METRICS_TOKEN answers only the bearer of the token', async () => {
    const server = await startTestServer({ config: { metrics: { token: TOKEN, port: null, host: '127.0.0.1' } } });
    try {
      assert.equal((await metrics(server.url)).status, 401);
      assert.equal((await metrics(server.url, { authorization: `Bearer ${TOKEN}x` })).status, 401);
      assert.equal((await metrics(server.url, { authorization: TOKEN })).status, 401);
      const ok = await metrics(server.url, { authorization: `Bearer ${TOKEN}` });
      assert.equal(ok.status, 200);
      assert.match(ok.text, /^parlor_connections\{kind="visitor"\} \d+$/m);
    } finally {
      await server.stop();
    }
  });

  it('with METRICS_PORT is served there and not on the public port', async () => {
    const server = await startTestServer({ config: { metrics: { token: null, port: 0, host: '127.0.0.1' } } });
    try {
      assert.ok(server.metricsPort);
      assert.equal((await metrics(server.url)).status, 404);
      const ok = await metrics(`http://127.0.0.1:${server.metricsPort}`);
      assert.equal(ok.status, 200);
      assert.match(ok.text, /^parlor_messages_stored_total \d+$/m);
      const other = await fetch(`http://127.0.0.1:${server.metricsPort}/health`);
      assert.equal(other.status, 404, 'the metrics port serves nothing else');
    } finally {
      await server.stop();
    }
  });
});

describe('refused origins are logged and counted', () => {
  let server: TestServer;
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  before(async () => {
    // The server logs JSON lines to stdout: keep the warnings this suite causes.
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      const text = String(chunk);
      if (text.includes('"origin refused"')) {
        lines.push(text);
        return true;
      }
      return write(chunk, ...rest);
    }) as typeof process.stdout.write;
    server = await startTestServer({ config: { logLevel: 'warn' } });
  });
  after(async () => {
    process.stdout.write = write;
    await server.stop();
  });

  const logged = () =>
    lines.map((l) => JSON.parse(l) as { msg: string; origin: string; site: string; where: string; refused: number });
  const count = (text: string, site: string, origin: string) =>
    Number(
      new RegExp(
        `^parlor_origin_refused_total\\{site="${site.replace(/[*]/g, '\\*')}",origin="${origin}"\\} (\\d+)$`,
        'm',
      ).exec(text)?.[1] ?? 0,
    );

  it('on the socket upgrade, in hello and on events, with the origin and the site', async () => {
    const evil = 'https://evil.test';
    // Upgrade: no configured site allows this origin.
    await assert.rejects(new Client(`${server.wsUrl}/v1/connect`, evil).opened, /403/);
    // hello: allowed by "shop" (a wildcard), not by "members".
    const client = new Client(`${server.wsUrl}/v1/connect`, 'https://a.shop.test');
    await client.opened;
    client.send({ type: 'hello', v: 1, site: 'members', auth: { mode: 'anonymous' } });
    assert.equal((await client.closed).code, 4003);
    // Events for a known site.
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { origin: evil, 'content-type': 'application/json' },
        body: JSON.stringify({ site: 'shop', events: [{ name: 'load', at: Date.now() }] }),
      });
      assert.equal(res.status, 403);
    }

    const text = (await metrics(server.url)).text;
    assert.equal(count(text, '*', evil), 1);
    assert.equal(count(text, 'members', 'https://a.shop.test'), 1);
    assert.equal(count(text, 'shop', evil), 3);

    const entries = logged();
    assert.ok(entries.some((e) => e.where === 'upgrade' && e.site === '*' && e.origin === evil));
    assert.ok(entries.some((e) => e.where === 'hello' && e.site === 'members' && e.origin === 'https://a.shop.test'));
    // The same pair is logged once a minute at most, not once per refusal.
    assert.equal(entries.filter((e) => e.where === 'events' && e.site === 'shop' && e.origin === evil).length, 1);
  });

  it('keeps the label set bounded whatever origins are sent', async () => {
    // Preflights: not rate-limited, so every one of them reaches the origin check.
    for (let i = 0; i < 150; i++) {
      const res = await fetch(`${server.url}/v1/events`, {
        method: 'OPTIONS',
        headers: { origin: `https://x${i}.attacker.test`, 'access-control-request-method': 'POST' },
      });
      assert.equal(res.status, 403);
    }
    const text = (await metrics(server.url)).text;
    const rows = text.split('\n').filter((l) => l.startsWith('parlor_origin_refused_total{'));
    assert.ok(rows.length <= 101, `${rows.length} label pairs`);
    const total = rows.reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
    assert.equal(total, 1 + 1 + 3 + 150, 'every refusal is counted');
    assert.ok(count(text, '*', 'other') > 0);
  });
});
