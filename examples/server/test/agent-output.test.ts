/**
 * What reaches an agent is bounded whatever visitors send or storage holds: list rows and live visitors are
 * summaries, full contexts come only on request (`details`), live changes are coalesced, typing is relayed a
 * few times a second per conversation. Each case is played against the real server by the client a hostile
 * visitor would write, and the agent's socket counts the bytes and frames it is sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  SUMMARY_LABEL_MAX,
  SUMMARY_PREVIEW_MAX,
  SUMMARY_TITLE_MAX,
  SUMMARY_URL_MAX,
  VISITORS_BATCH_MAX,
} from '@parlor/core/protocol';
import { AGENT_TOKEN, Client, say, startTestServer, uuidv7, visitor, type TestServer } from './harness.js';

const CONSENT = { consent: { context: true, analytics: false } };

/** A context as large as the schema allows, about 50 KB: long page, 50 long attributes, 50 long cart items. */
function bigContext(i: number) {
  const attributes: Record<string, string> = {};
  for (let k = 0; k < 50; k++) attributes[`k${k}`] = `${i}`.padEnd(500, 'a');
  return {
    type: 'context',
    page: { url: `https://shop.test/p/${i}?q=${'q'.repeat(1900)}`, title: 't'.repeat(300), referrer: 'r'.repeat(2000) },
    attributes,
    cart: {
      currency: 'EUR',
      total: 50,
      itemCount: 50,
      items: Array.from({ length: 50 }, (_, n) => ({
        id: `${n}`.padEnd(100, 'i'),
        title: 'c'.repeat(300),
        quantity: 1,
        price: 1,
      })),
    },
  };
}

/**
 * The largest a summary row can be on the wire: every capped string at its cap, each character escaped to six
 * bytes (`\uXXXX`), plus the fixed fields. Rows of this test's visitors are far below it; the bound is what the
 * protocol promises, not what this data happens to produce.
 */
const ROW_BOUND = 6 * (3 * SUMMARY_LABEL_MAX + SUMMARY_URL_MAX + SUMMARY_TITLE_MAX + SUMMARY_PREVIEW_MAX) + 1024;

/** Counts the bytes and frames of each type a client is sent from now on. */
function meter(client: Client) {
  const counts = { bytes: 0, frames: new Map<string, number>(), largest: 0 };
  client.ws.on('message', (data: Buffer) => {
    counts.bytes += data.length;
    counts.largest = Math.max(counts.largest, data.length);
    const type = (JSON.parse(data.toString()) as { type: string }).type;
    counts.frames.set(type, (counts.frames.get(type) ?? 0) + 1);
  });
  return counts;
}

/** An agent socket metered from its very first frame. */
async function meteredAgent(server: TestServer) {
  const client = new Client(`${server.wsUrl}/v1/agent`, `http://127.0.0.1:${server.port}`);
  const counts = meter(client);
  await client.opened;
  client.send({ type: 'hello', v: 1, auth: { mode: 'agent', token: AGENT_TOKEN } });
  await client.next('welcome');
  return { client, counts };
}

/** Live visitors the agent knows of, from every `visitors` frame received so far (not consumed). */
function liveIds(client: Client): Set<string> {
  const ids = new Set<string>();
  for (const frame of client.seen('visitors') as unknown as {
    reset?: boolean;
    items: { visitor: { id: string } }[];
    gone: string[];
  }[]) {
    if (frame.reset) ids.clear();
    for (const id of frame.gone ?? []) ids.delete(id);
    for (const item of frame.items) ids.add(item.visitor.id);
  }
  return ids;
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('output to agents is bounded', { timeout: 120_000 }, () => {
  let server: TestServer;
  const visitors: Awaited<ReturnType<typeof visitor>>[] = [];

  before(async () => {
    server = await startTestServer({ limits: { messageBurst: 200, messagesPerSecond: 50, framesPerSecond: 1000 } });
    // 100 anonymous visitors, each with a conversation and a context of about 50 KB.
    for (let i = 0; i < 100; i++) {
      const v = await visitor(server, CONSENT);
      v.client.send(bigContext(i));
      await say(v.client, `visitor ${i} <b>needs</b> help`);
      visitors.push(v);
    }
  });
  after(async () => {
    for (const v of visitors) v.client.close();
    await server.stop();
  });

  it('an agent connecting after 100 visitors with 50 KB contexts stays connected, and its first frames are bounded', async (t) => {
    const { client, counts } = await meteredAgent(server);
    client.send({ type: 'list' });
    const list = await client.next<{ items: { id: string }[] }>('conversations', 10_000);
    assert.ok(list.items.length >= 100, `${list.items.length} rows`);
    await until('every live visitor listed', () => liveIds(client).size >= 100);
    client.send({ type: 'ping' });
    await client.next('pong', 10_000);

    // welcome + presence + 100 live visitors + 100 rows, each summary below ROW_BOUND; 16 KB for the rest.
    const bound = 16 * 1024 + 2 * 100 * ROW_BOUND;
    t.diagnostic(`first frames: ${counts.bytes} bytes, largest ${counts.largest} (bound ${bound})`);
    assert.ok(counts.bytes < bound, `${counts.bytes} bytes sent to the agent (bound ${bound})`);
    assert.ok(counts.largest <= 200 * ROW_BOUND, `largest frame ${counts.largest} bytes`);
    for (const frame of client.seen('visitors') as unknown as { items: unknown[] }[])
      assert.ok(frame.items.length <= VISITORS_BATCH_MAX, 'live visitors come in bounded batches');
    // A second agent and a reconnect fare the same.
    const again = await meteredAgent(server);
    again.client.send({ type: 'list' });
    await again.client.next('conversations', 10_000);
    await until('every live visitor listed again', () => liveIds(again.client).size >= 100);
    assert.ok(again.counts.bytes < bound, `${again.counts.bytes} bytes on reconnect`);
    client.close();
    again.client.close();
    const closes = await Promise.all([client.closed, again.client.closed]);
    assert.deepEqual(
      closes.map((c) => c.code),
      [1005, 1005],
      'closed by the test, never by the server (1013)',
    );
  });

  it('context frames at 4/s from 20 visitors cost an idle agent a bounded number of bytes', async (t) => {
    const { client, counts } = await meteredAgent(server);
    await until('the live list', () => liveIds(client).size >= 100);
    const sent = 20 * 4 * 2;
    const started = counts.bytes;
    const t0 = Date.now();
    // Two seconds: the first one repeats the same (empty) context, the second moves each visitor to a new page.
    for (let tick = 0; tick < 8; tick++) {
      for (const [i, v] of visitors.slice(0, 20).entries()) {
        v.client.send(
          tick < 4 ? { type: 'context' } : { type: 'context', page: { url: `https://shop.test/n/${i}/${tick}` } },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // Let the last coalescing windows close, then ask for nothing and see what came.
    client.send({ type: 'ping' });
    await client.next('pong');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const seconds = (Date.now() - t0) / 1000;
    const bytes = counts.bytes - started;
    // Per second at most: 2 live batches and 4 row windows, each with at most the 20 changed visitors'
    // summaries (plus 2 frames of slack per second for windows cut by the measurement's edges).
    const bound = Math.ceil(seconds + 2) * (2 + 4) * 20 * ROW_BOUND;
    t.diagnostic(`${bytes} bytes for ${sent} context frames in ${seconds.toFixed(1)} s (bound ${bound})`);
    assert.ok(bytes < bound, `${bytes} bytes for ${sent} context frames in ${seconds.toFixed(1)} s (bound ${bound})`);
    // Each visitor's last page arrived (coalescing keeps the final state).
    const latest = new Map<string, string>();
    for (const frame of client.seen('visitors') as unknown as {
      items: { visitor: { id: string }; page?: { url: string } }[];
    }[])
      for (const item of frame.items) if (item.page) latest.set(item.visitor.id, item.page.url);
    for (const [i, v] of visitors.slice(0, 20).entries())
      assert.equal(latest.get(v.welcome.visitor.id), `https://shop.test/n/${i}/7`);
    client.close();
  });

  it('a transcript of long, escape-heavy messages comes in bounded pages, and paging loses nothing', async (t) => {
    const v = await visitor(server);
    // 4,000 control characters: 24 KB each as JSON (\u0001), 2.4 MB for a page of 100.
    let conversation = '';
    for (let i = 0; i < 100; i++) {
      v.client.send({ type: 'send', id: uuidv7(), body: { kind: 'text', text: `${i}`.padEnd(4000, '\u0001') } });
      const answer = await v.client.next<{ type: string; conversation: string }>(['ack', 'error']);
      assert.equal(answer.type, 'ack', JSON.stringify(answer));
      conversation = answer.conversation;
    }
    const { client, counts } = await meteredAgent(server);
    const before = counts.largest;
    client.send({ type: 'open', conversation });
    type Page = { messages: { seq: number }[]; more: boolean };
    let page = await client.next<Page>('transcript', 10_000);
    const seqs = page.messages.map((m) => m.seq);
    while (page.more) {
      client.send({ type: 'history', conversation, before: page.messages[0]!.seq });
      page = await client.next<Page>('older', 10_000);
      seqs.unshift(...page.messages.map((m) => m.seq));
    }
    t.diagnostic(`largest page frame ${counts.largest} bytes (${before} before the transcript)`);
    assert.ok(counts.largest <= 256 * 1024 + 4096, `largest frame ${counts.largest} bytes`);
    const stored = (await server.hub.storage.allMessages(conversation)).map((m) => m.seq);
    assert.deepEqual(seqs, stored, 'every message, once, in order');
    v.client.close();
    client.close();
  });

  it('a typing flood of 380 frames a second reaches an agent as a few frames a second, ending in the last state', async (t) => {
    const first = visitors[0]!;
    const conversation = (await say(first.client, 'typing test')).ack.conversation;
    const { client } = await meteredAgent(server);
    client.send({ type: 'open', conversation });
    await client.next('transcript');
    // 20 sockets of one visitor (its token resumes it), each within the frame limit: 19 frames a second each.
    const token = first.welcome.visitor.token;
    const tabs = await Promise.all(
      Array.from({ length: 20 }, () => visitor(server, { auth: { mode: 'anonymous', token } })),
    );
    const t0 = Date.now();
    let sent = 0;
    for (let round = 0; round < 38; round++) {
      for (const tab of tabs) {
        tab.client.send({ type: 'typing', conversation, on: round % 2 === 0 });
        sent++;
      }
      await new Promise((resolve) => setTimeout(resolve, 52));
    }
    for (const tab of tabs) tab.client.send({ type: 'typing', conversation, on: false });
    const floodMs = Date.now() - t0;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const typing = client.seen('typing') as unknown as { on: boolean; conversation: string }[];
    const seconds = (Date.now() - t0) / 1000;
    assert.ok(sent / (floodMs / 1000) > 300, `the flood ran at ${(sent / (floodMs / 1000)).toFixed(0)} frames/s`);
    // At most one frame per 250 ms per conversation and role, plus the first.
    const bound = Math.ceil(seconds * 4) + 1;
    t.diagnostic(`${sent} typing frames in ${floodMs} ms → ${typing.length} at the agent in ${seconds.toFixed(1)} s`);
    assert.ok(typing.length <= bound, `${typing.length} typing frames in ${seconds.toFixed(1)} s (bound ${bound})`);
    assert.ok(typing.length >= 1, 'typing still reaches the agent');
    assert.equal(typing.at(-1)?.on, false, 'the last state sent is the last state typed');
    for (const tab of tabs) tab.client.close();
    client.close();
  });
});
