import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SOCKET_POLICY } from '../src/config.js';
import { Client, ORIGIN, startTestServer, type TestServer } from './harness.js';

/** A valid `context` frame of about `bytes` bytes (attributes of ordinary words). */
function bigContext(bytes: number): string {
  const attributes: Record<string, string> = {};
  for (let i = 0; JSON.stringify(attributes).length < bytes - 200 && i < 50; i++)
    attributes[`a${i}`] = 'ordinary words '.repeat(33).slice(0, 500);
  return JSON.stringify({ type: 'context', attributes, consent: { context: true, analytics: false } });
}

async function hello(client: Client): Promise<void> {
  await client.opened;
  client.send({ type: 'hello', v: 1, site: 'shop', auth: { mode: 'anonymous' } });
  await client.next('welcome');
}

/** Sends a `ping` and resolves with its `pong` (whenever it comes). */
function roundTrip(client: Client, t: number, ms: number) {
  client.send({ type: 'ping', t });
  return client.next<{ t: number }>('pong', ms);
}

describe('inbound bytes per IP', () => {
  let server: TestServer;
  const budget = 64 * 1024; // bytes/s; burst 4 × that

  before(async () => {
    server = await startTestServer({
      config: { sockets: { ...DEFAULT_SOCKET_POLICY, inboundBytesPerSecond: budget } },
    });
  });
  after(() => server.stop());

  it('slows an IP that sends more than its byte budget, answers another IP at once, and loses nothing', async () => {
    const attackers = [new Client(`${server.wsUrl}/v1/connect`), new Client(`${server.wsUrl}/v1/connect`)];
    const other = new Client(`${server.wsUrl}/v1/connect`, ORIGIN, { localAddress: '127.0.0.2' });
    await Promise.all([...attackers, other].map(hello));
    const frame = bigContext(30_000);
    // 24 frames of ~30 KB = ~720 KB from one IP: the burst (256 KiB) and then some, within every frame limit.
    for (let i = 0; i < 12; i++) for (const a of attackers) a.send(frame);
    const late = attackers.map((a, i) => roundTrip(a, i, 30_000));
    const settled = late.map((p) => p.then(() => true).catch(() => true));

    // The other IP is served while the first is held back.
    const pong = await roundTrip(other, 99, 3000);
    assert.equal(pong.t, 99);
    // Over budget by ~460 KB at 64 KiB/s: the first IP's sockets are not read for seconds. Without the budget the
    // pongs come back as soon as ~0.7 MB of JSON is parsed (milliseconds), long before this second is over.
    const early = await Promise.race([
      Promise.all(settled).then(() => 'answered'),
      new Promise((resolve) => setTimeout(() => resolve('held'), 1000)),
    ]);
    assert.equal(early, 'held', 'the IP over its byte budget was read at full speed');

    // Slowed, not refused: every frame is handled in the end, and no error was sent.
    const pongs = await Promise.all(late);
    assert.deepEqual(
      pongs.map((p) => p.t),
      [0, 1],
    );
    for (const a of attackers) {
      assert.deepEqual(a.seen('error'), []);
      a.close();
    }
    other.close();
  });
});
