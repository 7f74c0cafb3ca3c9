/**
 * What one client can make the server keep or hold: upload quotas per visitor and per site (checked before a
 * byte is stored, parallel requests included), uploads never sent in a message deleted after their TTL,
 * analytics batches with impossible times refused whole, and slow sockets from one address capped so that
 * everyone else is still served.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AGENT_TOKEN, ORIGIN, startTestServer, testSites, uuidv7, visitor, type TestServer } from './harness.js';

type Upload = { upload: string; size: number; quota?: { limitBytes: number; remainingBytes: number } };
type Failure = { error: { code: string; retryAfterMs?: number; quota?: { scope: string } } };

async function upload(server: TestServer, token: string, bytes: number) {
  const res = await fetch(`${server.url}/v1/uploads`, {
    method: 'POST',
    headers: { origin: ORIGIN, authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
    body: Buffer.alloc(bytes, 0x61),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    json: (await res.json()) as Upload & Failure,
  };
}

/** Bytes of the files in the server's upload folder. */
function storedFiles(server: TestServer): string[] {
  try {
    return readdirSync(join(server.dataDir, 'uploads'));
  } catch {
    return [];
  }
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('quotas: uploads per visitor and per site', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      config: {
        uploads: { visitorBytes: 1000, siteBytes: 2500, windowMs: 60 * 60_000, orphanTtlMs: 60 * 60_000 },
      },
    });
  });
  after(() => server.stop());

  it('refuses a visitor over its quota with 429 rate_limited and stores nothing more', async () => {
    const { client, welcome } = await visitor(server);
    const first = await upload(server, welcome.session.token, 600);
    assert.equal(first.status, 201);
    assert.deepEqual(first.json.quota, { limitBytes: 1000, remainingBytes: 400, windowSeconds: 3600 });
    const files = storedFiles(server).length;

    const second = await upload(server, welcome.session.token, 600);
    assert.equal(second.status, 429);
    assert.equal(second.json.error.code, 'rate_limited');
    assert.equal(second.json.error.quota?.scope, 'visitor');
    assert.ok(Number(second.retryAfter) >= 1, 'Retry-After says when the window frees up');
    assert.ok((second.json.error.retryAfterMs ?? 0) > 0);
    assert.equal(storedFiles(server).length, files, 'no file was written for the refused upload');

    // What is left still fits.
    assert.equal((await upload(server, welcome.session.token, 400)).status, 201);
    client.close();
  });

  it('holds the quota against parallel uploads', async () => {
    const { client, welcome } = await visitor(server);
    const before = storedFiles(server).length;
    const results = await Promise.all(Array.from({ length: 12 }, () => upload(server, welcome.session.token, 300)));
    const stored = results.filter((r) => r.status === 201);
    assert.equal(stored.length, 3, `three of 300 bytes fit in 1000; got ${results.map((r) => r.status).join(',')}`);
    assert.ok(results.every((r) => r.status === 201 || r.status === 429));
    assert.equal(storedFiles(server).length - before, 3);
    client.close();
  });

  it('refuses every visitor of a site over the site quota', async () => {
    // 1,900 of 2,500 bytes are used by the two visitors above; a new visitor has its own 1,000 but the site has 600.
    const { client, welcome } = await visitor(server);
    const refused = await upload(server, welcome.session.token, 700);
    assert.equal(refused.status, 429);
    assert.equal(refused.json.error.quota?.scope, 'site');
    assert.equal((await upload(server, welcome.session.token, 600)).status, 201);
    client.close();
  });
});

describe('quotas: a site’s own upload quota', () => {
  it('overrides the server’s for that site only', async () => {
    const [shop, members] = testSites() as Record<string, unknown>[];
    const server = await startTestServer({ sites: [{ ...shop, uploadQuota: { visitorBytes: 100 } }, members] });
    try {
      const { client, welcome } = await visitor(server);
      const refused = await upload(server, welcome.session.token, 101);
      assert.equal(refused.status, 429);
      assert.equal(refused.json.error.quota?.scope, 'visitor');
      assert.equal((await upload(server, welcome.session.token, 100)).status, 201);
      client.close();
    } finally {
      await server.stop();
    }
  });
});

describe('quotas: uploads never sent are deleted after their TTL', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      config: {
        uploads: { visitorBytes: 1e6, siteBytes: 1e7, windowMs: 60_000, orphanTtlMs: 1000 },
        // An upload is never swept while it may still be arriving: keep that bound short too.
        sockets: { maxSocketsPerIp: 100, headersTimeoutMs: 1000, requestTimeoutMs: 1000 },
      },
    });
  });
  after(() => server.stop());

  it('deletes the row and the file of an orphan upload and keeps the one sent in a message', async () => {
    const { client, welcome } = await visitor(server);
    const orphan = (await upload(server, welcome.session.token, 100)).json.upload;
    const sent = (await upload(server, welcome.session.token, 100)).json.upload;
    client.send({
      type: 'send',
      id: uuidv7(),
      body: { kind: 'attachment', upload: sent, name: 'a.txt', mime: 'text/plain', size: 100 },
    });
    await client.next('ack');
    assert.deepEqual(storedFiles(server).sort(), [orphan, sent].sort());

    await waitFor('the orphan upload is deleted', () => !storedFiles(server).includes(orphan));
    assert.equal((await fetch(`${server.url}/v1/uploads/${orphan}`)).status, 404, 'its row is gone too');
    // Two more sweeps, and the sent one is still there.
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.deepEqual(storedFiles(server), [sent]);
    assert.equal((await fetch(`${server.url}/v1/uploads/${sent}`)).status, 200);
    client.close();
  });
});

describe('analytics events: times outside a window around the server clock', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  const post = (events: { name: string; at: number }[]) =>
    fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ site: 'shop', events }),
    });
  const counted = async () => {
    const res = await fetch(`${server.url}/v1/agent/stats?site=shop&days=90`, {
      headers: { authorization: `Bearer ${AGENT_TOKEN}` },
    });
    const body = (await res.json()) as { days: { count: number }[] };
    return body.days.reduce((sum, d) => sum + d.count, 0);
  };

  it('refuses the whole batch with 400 bad_frame and counts none of it', async () => {
    const now = Date.now();
    for (const at of [8.64e15 /* year 275760 */, now + 3 * 24 * 3600_000, now - 30 * 24 * 3600_000, 0]) {
      const res = await post([
        { name: 'load', at: now },
        { name: 'open', at },
      ]);
      assert.equal(res.status, 400, `at ${at}`);
      assert.equal(((await res.json()) as Failure).error.code, 'bad_frame');
    }
    assert.equal(await counted(), 0, 'nothing of a refused batch was counted');
    // The control: a batch of now is counted.
    assert.equal((await post([{ name: 'load', at: now }])).status, 204);
    assert.equal(await counted(), 1);
  });
});

describe('slow sockets: one address cannot hold the server', () => {
  let server: TestServer;
  const slow: Socket[] = [];
  before(async () => {
    server = await startTestServer({
      config: { sockets: { maxSocketsPerIp: 50, headersTimeoutMs: 1500, requestTimeoutMs: 5000 } },
    });
  });
  after(async () => {
    for (const socket of slow) socket.destroy();
    await server.stop();
  });

  /** A GET /health from another loopback address (127.0.0.2). */
  const healthFromElsewhere = () =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path: '/health', localAddress: '127.0.0.2', timeout: 5000 },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.once('timeout', () => req.destroy(new Error('timed out')));
      req.once('error', reject);
      req.end();
    });

  it('closes sockets over the per-IP cap at once and slow headers after the timeout; others get /health', async () => {
    let closed = 0;
    await Promise.all(
      Array.from(
        { length: 1000 },
        (_, i) =>
          new Promise<void>((resolve) => {
            const socket = connect({ host: '127.0.0.1', port: server.port });
            slow.push(socket);
            socket.once('connect', () => {
              // Headers begun and never finished (the slow-loris pattern), an upgrade that never completes,
              // and a socket that never says a word.
              if (i % 3 === 0) socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
              if (i % 3 === 1) socket.write('GET /v1/connect HTTP/1.1\r\nUpgrade: websocket\r\n');
              resolve();
            });
            socket.resume(); // read what the server answers (a 408), so its close is seen
            socket.once('error', () => resolve());
            socket.once('close', () => {
              closed++;
              resolve();
            });
          }),
      ),
    );
    await waitFor('the server closes the sockets over the cap', () => closed >= 950, 10_000);
    assert.equal(await healthFromElsewhere(), 200);
    // The 50 it kept are closed when their headers time out.
    await waitFor(`the server closes the slow sockets it kept`, () => closed === 1000, 10_000).catch((e: Error) => {
      throw new Error(`${e.message} (${closed} closed)`);
    });
    assert.equal(await healthFromElsewhere(), 200);
  });
});

describe('connection slots: an upgrade that fails gives its slot back', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ maxConnectionsPerIp: 2 });
  });
  after(() => server.stop());

  it('still admits the IP’s connections after upgrades the WebSocket layer refused', async () => {
    for (let i = 0; i < 5; i++) {
      // No Sec-WebSocket-Key: the WebSocket layer answers 400 and never opens the socket.
      const status = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: server.port }, () =>
          socket.write(
            `GET /v1/connect HTTP/1.1\r\nHost: x\r\nOrigin: ${ORIGIN}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`,
          ),
        );
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.once('close', () => resolve(text.split('\r\n')[0] ?? ''));
        socket.once('error', reject);
      });
      assert.match(status, /^HTTP\/1\.1 400/);
    }
    const first = await visitor(server);
    const second = await visitor(server);
    first.client.close();
    second.client.close();
  });
});
