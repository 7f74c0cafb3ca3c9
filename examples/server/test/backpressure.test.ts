// A client that sends faster than the server stores: the server stops reading its socket until it has caught
// up (TCP pushes back on the sender) instead of closing a connection that did nothing wrong.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { say, startTestServer, uuidv7, visitor, type TestServer } from './harness.js';

describe('backpressure', () => {
  let server: TestServer;
  before(async () => {
    // Rates that let every frame through: only the processing queue is in play.
    server = await startTestServer({
      limits: { messagesPerSecond: 100_000, messageBurst: 100_000, framesPerSecond: 100_000 },
    });
  });
  after(() => server.stop());

  it('stores a burst of 2,000 messages sent at once, on the same connection, each once and in order', async () => {
    const { client } = await visitor(server);
    const { ack } = await say(client, 'first');
    let closed: { code: number } | null = null;
    void client.closed.then((c) => (closed = c));
    const ids = Array.from({ length: 2000 }, () => uuidv7());
    ids.forEach((id, i) =>
      client.send({ type: 'send', id, conversation: ack.conversation, body: { kind: 'text', text: `burst ${i}` } }),
    );
    const acks: { id: string; seq: number }[] = [];
    while (acks.length < ids.length && !closed)
      acks.push(await client.next<{ id: string; seq: number }>('ack', 30_000));
    assert.equal(closed, null, 'the connection stays open');
    assert.ok((acks[0]?.seq ?? 0) > ack.seq);
    assert.deepEqual(
      acks.map((a) => a.id),
      ids,
      'acked in the order sent',
    );
    assert.deepEqual(
      acks.map((a) => a.seq),
      ids.map((_, i) => (acks[0]?.seq ?? 0) + i),
      'stored once each, seqs without gaps',
    );
    client.close();
  });
});
