// A backlog is not a flood, and a flood is not a backlog (protocol §6.2 "Replays", §12). The backlog's fast drain
// through the real client and a crashed server is test/e2e/replay-backlog.test.ts; here, a flood is still held to
// the message limits: fresh ids to the live lane, forged "old" ids to the replay budgets, per visitor and per IP.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startTestServer, visitor, type Client, type TestServer } from './harness.js';

/** A UUIDv7 minted at `ms` with random low bits (what a client that wrote at `ms` holds). */
function idAt(ms: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  for (let i = 0; i < 6; i++) bytes[i] = Math.floor(ms / 2 ** (8 * (5 - i))) & 0xff;
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Sends `ids` at once on `client` and counts the acks and the refusals (each refusal must name its id). */
async function burst(client: Client, ids: string[]) {
  for (const id of ids) client.send({ type: 'send', id, body: { kind: 'text', text: id } });
  const acked: string[] = [];
  const refused: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const answer = await client.next<{ type: string; id?: string; code?: string }>(['ack', 'error'], 10_000);
    if (answer.type === 'ack') acked.push(answer.id ?? '');
    else {
      assert.equal(answer.code, 'rate_limited');
      refused.push(answer.id ?? '(no id)');
    }
  }
  assert.deepEqual([...acked, ...refused].sort(), [...ids].sort(), 'every send is answered, by its id');
  return { acked, refused };
}

describe('a flood is still held to the limits', () => {
  // A frozen clock: no bucket refills during the test, so every count below is exact.
  let clock = Date.now();
  let server: TestServer;
  const limits = {
    messagesPerSecond: 2,
    messageBurst: 5,
    replayPerSecond: 100,
    replayBudget: 30,
    framesPerSecond: 1000,
  };
  after(() => server.stop());

  it('fresh ids get the message burst; forged old ids get the replay budget, per visitor and per IP', async () => {
    server = await startTestServer({ limits, now: () => clock });
    const ipLive = limits.messageBurst * 3; // the per-IP message bucket (server.ts)

    const flood = await visitor(server);
    const fresh = Array.from({ length: 60 }, () => idAt(clock + 1000)); // minted after the welcome
    const live = await burst(flood.client, fresh);
    assert.equal(live.acked.length, limits.messageBurst, 'a flood of fresh ids is the ordinary burst');
    assert.deepEqual(live.acked, fresh.slice(0, limits.messageBurst), 'the first ones, in arrival order');

    // Ids "minted an hour ago": each visitor's replay budget, then the live burst; the IP has two budgets.
    const old = () => Array.from({ length: 100 }, (_, i) => idAt(clock - 3_600_000 + i));
    const a = await burst((await visitor(server)).client, old());
    assert.equal(a.acked.length, limits.replayBudget + limits.messageBurst);
    const b = await burst((await visitor(server)).client, old());
    assert.equal(b.acked.length, limits.replayBudget + limits.messageBurst);
    const c = await burst((await visitor(server)).client, old());
    assert.equal(c.acked.length, ipLive - 3 * limits.messageBurst, 'the IP has no replay budget left');

    // Time passes: the budgets come back at the sustained rate, not faster.
    clock += 5_000;
    const d = await burst((await visitor(server)).client, old());
    assert.equal(
      d.acked.length,
      5 * limits.messagesPerSecond + limits.messageBurst,
      'five seconds of the IP replay refill at the sustained rate, then the live burst',
    );
    flood.client.close();
  });
});
