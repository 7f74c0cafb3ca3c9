import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OTHER_AGENT_TOKEN, agent, say, startTestServer, uuidv7, visitor, type TestServer } from './harness.js';

interface Summary {
  id: string;
  status: string;
  unread: number;
  visitor: { id: string };
  lastMessage?: { preview: string };
  page?: { url: string; title?: string };
}

describe('agent console protocol against the real server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('lists waiting conversations with unread counts and the visitor’s page; details on request', async () => {
    const v = await visitor(server, { consent: { context: true, analytics: false } });
    const cart = {
      currency: 'EUR',
      total: 2999,
      itemCount: 1,
      items: [{ id: 's', title: 'Apron', quantity: 1, price: 2999 }],
    };
    v.client.send({
      type: 'context',
      page: { url: 'https://shop.test/p/9', title: 'Boots' },
      cart,
      attributes: { plan: 'pro' },
    });
    const { ack } = await say(v.client, 'do you ship to Lisbon?');
    const ada = await agent(server);
    ada.client.send({ type: 'list', status: 'waiting' });
    const list = await ada.client.next<{ items: Summary[] }>('conversations');
    const row = list.items.find((i) => i.id === ack.conversation);
    assert.ok(row, 'the new conversation is waiting');
    assert.equal(row.status, 'waiting');
    assert.equal(row.unread, 1);
    assert.deepEqual(row.page, { url: 'https://shop.test/p/9', title: 'Boots' });
    assert.ok(!('context' in row) && !('cart' in row), 'the row is a summary: no cart, no attributes');

    ada.client.send({ type: 'details', visitor: row.visitor.id });
    const details = await ada.client.next<{ visitor: { id: string }; site: string; context: Record<string, unknown> }>(
      'details',
    );
    assert.equal(details.visitor.id, v.welcome.visitor.id);
    assert.equal(details.site, 'shop');
    assert.deepEqual(details.context.cart, cart);
    assert.deepEqual(details.context.attributes, { plan: 'pro' });

    // An agent of another site is refused, as for a visitor that does not exist.
    const bo = await agent(server, OTHER_AGENT_TOKEN);
    bo.client.send({ type: 'details', visitor: row.visitor.id });
    const refused = await bo.client.next<{ code: string; frame: string }>('error');
    assert.deepEqual([refused.code, refused.frame], ['forbidden', 'details']);
    bo.client.send({ type: 'details', visitor: 'v_AAAAAAAAAAAAAAAAAAAAAA' });
    assert.equal((await bo.client.next<{ code: string }>('error')).code, 'forbidden');
    assert.equal(bo.client.seen('details').length, 0);
    v.client.close();
    ada.client.close();
    bo.client.close();
  });

  it('sends a burst’s list row once with its final state, not once per message', async () => {
    const v = await visitor(server);
    const { ack } = await say(v.client, 'first');
    const ada = await agent(server);
    const texts = Array.from({ length: 8 }, (_, i) => `burst ${i + 1}`);
    for (const text of texts)
      v.client.send({ type: 'send', id: uuidv7(), conversation: ack.conversation, body: { kind: 'text', text } });
    for (const _ of texts) assert.equal((await v.client.next<{ type: string }>(['ack', 'error'])).type, 'ack');
    const rows: Summary[] = [];
    const take = (item: Summary) => (item.id === ack.conversation ? rows.push(item) : 0);
    while (rows.at(-1)?.lastMessage?.preview !== 'burst 8')
      take((await ada.client.next<{ item: Summary }>('conversation')).item);
    await new Promise((resolve) => setTimeout(resolve, 300)); // room for late rows to show up
    for (const frame of ada.client.seen('conversation')) take((frame as unknown as { item: Summary }).item);
    assert.ok(rows.length <= 4, `${rows.length} rows for 8 messages in one burst (one per message without coalescing)`);
    assert.equal(rows.at(-1)?.unread, 9);
    assert.equal(rows.at(-1)?.lastMessage?.preview, 'burst 8');
    v.client.close();
    ada.client.close();
  });

  it('replies, with typing and read receipts flowing both ways', async () => {
    const v = await visitor(server);
    const { ack } = await say(v.client, 'hello?');
    await v.client.next('message'); // greeting
    const ada = await agent(server);
    ada.client.send({ type: 'open', conversation: ack.conversation });
    const transcript = await ada.client.next<{ messages: { seq: number }[]; item: Summary }>('transcript');
    assert.deepEqual(
      transcript.messages.map((m) => m.seq),
      [1, 2],
    );

    v.client.send({ type: 'typing', conversation: ack.conversation, on: true });
    const typing = await ada.client.next<{ role: string; on: boolean }>('typing');
    assert.deepEqual([typing.role, typing.on], ['visitor', true]);

    ada.client.send({ type: 'typing', conversation: ack.conversation, on: true });
    const agentTyping = await v.client.next<{ role: string; name: string }>('typing');
    assert.deepEqual([agentTyping.role, agentTyping.name], ['agent', 'Ada']);

    const id = uuidv7();
    ada.client.send({
      type: 'send',
      id,
      conversation: ack.conversation,
      body: { kind: 'text', text: 'Hi, Ada here' },
      quickReplies: ['Yes', 'No'],
    });
    const agentAck = await ada.client.next<{ id: string; seq: number }>('ack');
    assert.equal(agentAck.id, id);
    const got = await v.client.next<{
      message: { author: { role: string; name: string }; quickReplies: string[]; seq: number };
    }>('message');
    assert.deepEqual([got.message.author.role, got.message.author.name], ['agent', 'Ada']);
    assert.deepEqual(got.message.quickReplies, ['Yes', 'No']);

    v.client.send({ type: 'read', conversation: ack.conversation, seq: got.message.seq });
    const read = await ada.client.next<{ role: string; seq: number }>('read');
    assert.deepEqual([read.role, read.seq], ['visitor', got.message.seq]);

    ada.client.send({ type: 'read', conversation: ack.conversation, seq: 1 });
    const agentRead = await v.client.next<{ role: string; seq: number }>('read');
    assert.deepEqual([agentRead.role, agentRead.seq], ['agent', 1]);
    v.client.close();
    ada.client.close();
  });

  it('closes and reopens a conversation; the visitor sees the state change', async () => {
    const v = await visitor(server);
    const { ack } = await say(v.client, 'bye');
    const ada = await agent(server);
    ada.client.send({ type: 'status', conversation: ack.conversation, status: 'closed' });
    // The first state frame announced the new conversation (open); then comes the close.
    let change = await v.client.next<{ conversation: { id: string; status: string } }>('conversation');
    if (change.conversation.status === 'open') change = await v.client.next('conversation');
    assert.deepEqual([change.conversation.id, change.conversation.status], [ack.conversation, 'closed']);
    ada.client.send({ type: 'list', status: 'closed' });
    const closed = await ada.client.next<{ items: Summary[] }>('conversations');
    assert.ok(closed.items.some((i) => i.id === ack.conversation));
    // Writing again reopens it.
    await say(v.client, 'one more thing', { conversation: ack.conversation });
    assert.equal((await server.hub.storage.getConversation(ack.conversation))?.status, 'open');
    v.client.close();
    ada.client.close();
  });

  it('shows live visitors and delivers a proactive message as a greeting bubble', async () => {
    const ada = await agent(server);
    const v = await visitor(server);
    const visitors = await ada.client.next<{ items: { visitor: { id: string } }[] }>('visitors');
    const seen = visitors.items.some((i) => i.visitor.id === v.welcome.visitor.id)
      ? visitors
      : await ada.client.next<{ items: { visitor: { id: string } }[] }>('visitors');
    assert.ok(
      seen.items.some((i) => i.visitor.id === v.welcome.visitor.id),
      'the visitor is listed live',
    );
    ada.client.send({ type: 'proactive', id: uuidv7(), visitor: v.welcome.visitor.id, text: 'Free shipping today!' });
    await ada.client.next('ack');
    const got = await v.client.next<{ message: { proactive: boolean; body: { text: string } } }>('message');
    assert.equal(got.message.proactive, true);
    assert.equal(got.message.body.text, 'Free shipping today!');
    v.client.close();
    ada.client.close();
  });

  it('tells visitors whether an agent is online, away or offline', async () => {
    // A server of its own: other tests' agents would make presence depend on their timing.
    const own = await startTestServer();
    const before = await visitor(own);
    assert.equal((before.welcome.site as { presence: string }).presence, 'offline');
    const ada = await agent(own);
    assert.equal((await before.client.next<{ presence: string }>('presence')).presence, 'online');
    ada.client.send({ type: 'presence', status: 'away' });
    assert.equal((await before.client.next<{ presence: string }>('presence')).presence, 'away');
    ada.client.close();
    assert.equal((await before.client.next<{ presence: string }>('presence')).presence, 'offline');
    before.client.close();
    await own.stop();
  });
});
