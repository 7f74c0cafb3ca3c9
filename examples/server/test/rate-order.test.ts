// A message refused for rate is stored before any later one, whatever the bucket holds when the later one is
// handled: the order a visitor wrote in survives rate limits.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { say, startTestServer, uuidv7, visitor, type TestServer } from './harness.js';

type Answer = { type: string; id?: string; seq?: number; code?: string };

describe('rate limits keep the order', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ limits: { messagesPerSecond: 2, messageBurst: 3, framesPerSecond: 1000 } });
  });
  after(() => server.stop());

  it('refuses later messages until the refused one is stored, even once the bucket has refilled', async () => {
    const { client } = await visitor(server);
    const { ack } = await say(client, 'm1');
    const conversation = ack.conversation;
    const [m2, m3, m4, m5] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    const send = (id: string, text: string) =>
      client.send({ type: 'send', id, conversation, body: { kind: 'text', text } });
    const answer = () => client.next<Answer>(['ack', 'error'], 5000);
    send(m2, 'm2');
    send(m3, 'm3');
    assert.deepEqual([(await answer()).type, (await answer()).type], ['ack', 'ack']);
    send(m4, 'm4');
    const refused = await answer();
    assert.equal(refused.code, 'rate_limited', 'the bucket of 3 is spent');
    await new Promise((resolve) => setTimeout(resolve, 1200)); // two tokens back
    send(m5, 'm5');
    const held = await answer();
    assert.deepEqual([held.id, held.code], [m5, 'rate_limited'], 'the later one waits for the refused one');
    send(m4, 'm4');
    assert.deepEqual([(await answer()).type], ['ack']);
    send(m5, 'm5');
    assert.deepEqual([(await answer()).type], ['ack']);
    client.send({ type: 'sync', conversation, epoch: 1, after: 0 });
    const synced = await client.next<{ messages: { body: { text?: string } }[] }>('synced');
    const texts = synced.messages.map((m) => m.body.text).filter((t) => t?.startsWith('m'));
    assert.deepEqual(texts, ['m1', 'm2', 'm3', 'm4', 'm5']);
    client.close();
  });
});
