import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { computeUserHash } from '../src/auth/index.js';
import { Client, ORIGIN, SECRET, agent, say, startTestServer, uuidv7, visitor, type TestServer } from './harness.js';

describe('visitor protocol against the real server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('welcomes an anonymous visitor with a resume token, a session token and the limits', async () => {
    const { client, welcome } = await visitor(server);
    assert.equal(welcome.v, 1);
    assert.match(welcome.visitor.id, /^v_[A-Za-z0-9_-]{22}$/);
    assert.ok(welcome.visitor.token, 'anonymous visitors get a resume token');
    assert.ok(welcome.session.token);
    assert.equal(welcome.conversation, null);
    assert.equal((welcome.limits as { maxTextLength: number }).maxTextLength, 4000);
    client.close();
  });

  it('acks a send with seq 1, 2, 3 in order and creates the conversation server-side', async () => {
    const { client } = await visitor(server);
    const a = await say(client, 'one');
    const b = await say(client, 'two');
    const c = await say(client, 'three');
    // seq 2 is the site's greeting, written by the bot after the first visitor message.
    assert.equal((await client.next<{ message: { seq: number; author: { role: string } } }>('message')).message.seq, 2);
    assert.deepEqual([a.ack.seq, b.ack.seq, c.ack.seq], [1, 3, 4]);
    assert.match(a.ack.conversation, /^c_[A-Za-z0-9_-]{22}$/);
    assert.equal(b.ack.conversation, a.ack.conversation);
    client.close();
  });

  it('stores a client id sent three times once, answering the repeats with the original ack', async () => {
    const { client } = await visitor(server);
    const id = uuidv7();
    const frame = { type: 'send', id, body: { kind: 'text', text: 'only once' } };
    client.send(frame);
    const first = await client.next<{ type: string; seq: number; conversation: string; duplicate?: boolean }>('ack');
    client.send({ ...frame, conversation: first.conversation });
    client.send(frame); // a retried first message names no conversation: it must still dedupe
    const second = await client.next<{ seq: number; duplicate?: boolean }>('ack');
    const third = await client.next<{ seq: number; duplicate?: boolean }>('ack');
    assert.equal(second.seq, first.seq);
    assert.equal(third.seq, first.seq);
    assert.equal(second.duplicate, true);
    assert.equal(third.duplicate, true);
    const rows = await server.hub.storage.allMessages(first.conversation);
    assert.equal(rows.filter((m) => m.clientId === id).length, 1);
    client.close();
  });

  it('refuses the same client id with a different payload as a conflict, keeping the first', async () => {
    const { client } = await visitor(server);
    const { id, ack } = await say(client, 'original');
    client.send({ type: 'send', id, conversation: ack.conversation, body: { kind: 'text', text: 'changed' } });
    const error = await client.next<{ code: string; id: string }>('error');
    assert.equal(error.code, 'conflict');
    assert.equal(error.id, id);
    const rows = await server.hub.storage.allMessages(ack.conversation);
    assert.deepEqual(
      rows.map((m) => (m.body.kind === 'text' ? m.body.text : '')),
      ['original', 'Hello from the bot'],
    );
    client.close();
  });

  it('brings a returning anonymous visitor back to their conversation with the resume token', async () => {
    const first = await visitor(server);
    const { ack } = await say(first.client, 'remember me');
    first.client.close();
    const again = await visitor(server, { auth: { mode: 'anonymous', token: first.welcome.visitor.token } });
    assert.equal(again.welcome.visitor.id, first.welcome.visitor.id);
    assert.equal(again.welcome.conversation?.id, ack.conversation);
    again.client.close();
  });

  it('gives a fresh visitor, not an error, for a forged resume token', async () => {
    const { welcome, client } = await visitor(server, { auth: { mode: 'anonymous', token: 'v1.forged.token' } });
    assert.match(welcome.visitor.id, /^v_/);
    assert.equal(welcome.conversation, null);
    client.close();
  });

  it('resumes after a reconnect: hello with resume replays exactly what was missed, in order', async () => {
    const a = await visitor(server);
    const { ack } = await say(a.client, 'first');
    const greeting = await a.client.next<{ message: { seq: number } }>('message');
    const seen = greeting.message.seq;
    const conversation = ack.conversation;
    a.client.close();
    const ada = await agent(server);
    ada.client.send({ type: 'open', conversation });
    await ada.client.next('transcript');
    for (const text of ['reply 1', 'reply 2', 'reply 3']) {
      ada.client.send({ type: 'send', id: uuidv7(), conversation, body: { kind: 'text', text } });
      await ada.client.next('ack');
    }
    const b = await visitor(server, {
      auth: { mode: 'anonymous', token: a.welcome.visitor.token },
      resume: { conversation, epoch: 1, seq: seen },
    });
    const synced = await b.client.next<{
      messages: { seq: number; body: { text: string } }[];
      recovered: boolean;
      more: boolean;
    }>('synced');
    assert.equal(synced.recovered, true);
    assert.equal(synced.more, false);
    assert.deepEqual(
      synced.messages.map((m) => m.body.text),
      ['reply 1', 'reply 2', 'reply 3'],
    );
    assert.deepEqual(
      synced.messages.map((m) => m.seq),
      [seen + 1, seen + 2, seen + 3],
    );
    b.client.close();
    ada.client.close();
  });

  it('pages a long replay and says recovered:false for a wrong epoch', async () => {
    const small = await startTestServer({ limits: { pageSize: 5, messageBurst: 50, messagesPerSecond: 50 } });
    try {
      const v = await visitor(small);
      let conversation = '';
      for (let i = 1; i <= 12; i++) conversation = (await say(v.client, `m${i}`)).ack.conversation;
      v.client.send({ type: 'sync', conversation, epoch: 1, after: 0 });
      const page1 = await v.client.next<{ messages: { seq: number }[]; more: boolean }>('synced');
      assert.deepEqual(
        page1.messages.map((m) => m.seq),
        [1, 2, 3, 4, 5],
      );
      assert.equal(page1.more, true);
      v.client.send({ type: 'sync', conversation, epoch: 2, after: 3 });
      const lost = await v.client.next<{ recovered: boolean; messages: { seq: number }[] }>('synced');
      assert.equal(lost.recovered, false);
      assert.equal(lost.messages.at(-1)?.seq, 13, 'the newest page, ending with the last message (12 + greeting)');
      v.client.close();
    } finally {
      await small.stop();
    }
  });

  it('delivers a message to the visitor’s other tab but not back to the sender', async () => {
    const a = await visitor(server);
    const { ack } = await say(a.client, 'tab one');
    await a.client.next('message'); // the bot greeting
    const b = await visitor(server, { auth: { mode: 'anonymous', token: a.welcome.visitor.token } });
    await say(a.client, 'hello other tab', { conversation: ack.conversation });
    const got = await b.client.next<{ message: { body: { text: string }; author: { role: string } } }>('message');
    assert.equal(got.message.body.text, 'hello other tab');
    assert.equal(a.client.seen('message').length, 0, 'the sender gets an ack, not its own message');
    a.client.close();
    b.client.close();
  });

  it('refuses to read, write or subscribe to another visitor’s conversation', async () => {
    const owner = await visitor(server);
    const { ack } = await say(owner.client, 'private');
    const intruder = await visitor(server);
    const id = uuidv7();
    intruder.client.send({ type: 'send', id, conversation: ack.conversation, body: { kind: 'text', text: 'x' } });
    assert.equal((await intruder.client.next<{ code: string }>('error')).code, 'forbidden');
    intruder.client.send({ type: 'history', conversation: ack.conversation, before: 10 });
    assert.equal((await intruder.client.next<{ code: string }>('error')).code, 'forbidden');
    intruder.client.send({ type: 'typing', conversation: ack.conversation, on: true });
    assert.equal((await intruder.client.next<{ code: string }>('error')).code, 'forbidden');
    intruder.client.send({ type: 'sync', conversation: ack.conversation, epoch: 1, after: 0 });
    const synced = await intruder.client.next<{ conversation: unknown; messages: unknown[] }>('synced');
    assert.equal(synced.conversation, null, 'a sync of a foreign conversation reveals nothing');
    assert.deepEqual(synced.messages, []);
    await say(owner.client, 'still private', { conversation: ack.conversation });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(intruder.client.seen('message').length, 0, 'no event of the foreign conversation leaked');
    owner.client.close();
    intruder.client.close();
  });

  it('answers frames before hello with not_ready and bad frames with bad_frame, keeping the socket open', async () => {
    const client = new Client(`${server.wsUrl}/v1/connect`);
    await client.opened;
    client.send({ type: 'send', id: uuidv7(), body: { kind: 'text', text: 'too early' } });
    assert.equal((await client.next<{ code: string }>('error')).code, 'not_ready');
    client.send('{not json');
    assert.equal((await client.next<{ code: string }>('error')).code, 'bad_frame');
    client.send({ type: 'hello', v: 1, site: 'shop', auth: { mode: 'anonymous' } });
    await client.next('welcome');
    client.send({ type: 'nonsense' });
    assert.equal((await client.next<{ code: string }>('error')).code, 'bad_frame');
    await say(client, 'still works');
    client.close();
  });

  it('refuses text over the limit with too_large naming the client id', async () => {
    const { client } = await visitor(server);
    const id = uuidv7();
    client.send({ type: 'send', id, body: { kind: 'text', text: 'x'.repeat(4001) } });
    const error = await client.next<{ code: string; id: string }>('error');
    assert.deepEqual([error.code, error.id], ['too_large', id]);
    client.close();
  });

  it('refuses a foreign Origin at the upgrade and a site’s non-allowed Origin after hello', async () => {
    const foreign = new Client(`${server.wsUrl}/v1/connect`, 'https://evil.test');
    await assert.rejects(foreign.opened, /403/);
    const sub = new Client(`${server.wsUrl}/v1/connect`, 'https://a.shop.test');
    await sub.opened;
    sub.send({
      type: 'hello',
      v: 1,
      site: 'members',
      auth: { mode: 'identified', userId: 'u1', userHash: 'a'.repeat(64) },
    });
    assert.equal((await sub.closed).code, 4003);
  });

  it('refuses an unsupported version (4004) and an unknown site (4005)', async () => {
    const old = new Client(`${server.wsUrl}/v1/connect`);
    await old.opened;
    old.send({ type: 'hello', v: 99, site: 'shop', auth: { mode: 'anonymous' } });
    assert.equal((await old.closed).code, 4004);
    const unknown = new Client(`${server.wsUrl}/v1/connect`);
    await unknown.opened;
    unknown.send({ type: 'hello', v: 1, site: 'nope', auth: { mode: 'anonymous' } });
    assert.equal((await unknown.closed).code, 4005);
  });

  it('identifies with a valid user hash and refuses a forged one with 4001', async () => {
    const good = await visitor(server, {
      auth: { mode: 'identified', userId: 'alice', userHash: computeUserHash(SECRET, 'alice'), name: 'Alice' },
    });
    assert.equal(good.welcome.visitor.id.startsWith('v_'), true);
    assert.equal((good.welcome.visitor as { userId?: string }).userId, 'alice');
    assert.equal(good.welcome.visitor.token, undefined, 'identified visitors get no anonymous resume token');
    good.client.close();
    const forged = new Client(`${server.wsUrl}/v1/connect`);
    await forged.opened;
    forged.send({
      type: 'hello',
      v: 1,
      site: 'shop',
      auth: { mode: 'identified', userId: 'alice', userHash: computeUserHash('wrong-secret', 'alice') },
    });
    const error = await forged.next<{ code: string }>('error');
    assert.equal(error.code, 'unauthorized');
    assert.equal((await forged.closed).code, 4001);
  });

  it('refuses anonymous visitors outright on a site that requires identity', async () => {
    const client = new Client(`${server.wsUrl}/v1/connect`);
    await client.opened;
    client.send({ type: 'hello', v: 1, site: 'members', auth: { mode: 'anonymous' } });
    assert.equal((await client.closed).code, 4001);
  });

  it('carries an anonymous conversation over on identify, and rebuilds the connection’s identity', async () => {
    const anon = await visitor(server);
    const { ack } = await say(anon.client, 'before login');
    const userHash = computeUserHash(SECRET, 'bob');
    anon.client.send({ type: 'identify', auth: { mode: 'identified', userId: 'bob', userHash } });
    const welcome = await anon.client.next<{ visitor: { id: string; userId: string }; conversation: { id: string } }>(
      'welcome',
    );
    assert.equal(welcome.visitor.userId, 'bob');
    assert.equal(welcome.conversation.id, ack.conversation, 'the conversation carried over');
    const spent = await visitor(server, { auth: { mode: 'anonymous', token: anon.welcome.visitor.token } });
    assert.equal(spent.welcome.conversation, null, 'the anonymous token no longer opens the conversation');
    spent.client.close();
    anon.client.close();
  });

  it('after logout, the connection receives nothing of the previous identity', async () => {
    const userHash = computeUserHash(SECRET, 'carol');
    const carol = await visitor(server, { auth: { mode: 'identified', userId: 'carol', userHash } });
    const { ack } = await say(carol.client, 'mine');
    carol.client.send({ type: 'logout' });
    const welcome = await carol.client.next<{ visitor: { id: string; mode: string }; conversation: unknown }>(
      'welcome',
    );
    assert.equal(welcome.visitor.mode, 'anonymous');
    assert.notEqual(welcome.visitor.id, carol.welcome.visitor.id);
    assert.equal(welcome.conversation, null);
    carol.client.frames.length = 0;
    const other = await visitor(server, { auth: { mode: 'identified', userId: 'carol', userHash } });
    await say(other.client, 'carol again', { conversation: ack.conversation });
    const ada = await agent(server);
    ada.client.send({
      type: 'send',
      id: uuidv7(),
      conversation: ack.conversation,
      body: { kind: 'text', text: 'for carol' },
    });
    await ada.client.next('ack');
    assert.equal(
      (await other.client.next<{ message: { body: { text: string } } }>('message')).message.body.text,
      'for carol',
    );
    assert.deepEqual(carol.client.seen('message'), [], 'the logged-out socket got nothing');
    carol.client.close();
    other.client.close();
    ada.client.close();
  });

  it('answers ping with pong and keeps context only with consent', async () => {
    const { client, welcome } = await visitor(server, { consent: { context: false, analytics: false } });
    client.send({ type: 'ping', t: 42 });
    assert.equal((await client.next<{ t: number }>('pong')).t, 42);
    client.send({ type: 'context', page: { url: 'https://shop.test/p/1', title: 'Shoes' } });
    client.send({ type: 'ping' });
    await client.next('pong');
    assert.equal((await server.hub.storage.getContext(welcome.visitor.id))?.page, null);
    client.send({
      type: 'context',
      consent: { context: true, analytics: false },
      page: { url: 'https://shop.test/p/2' },
    });
    client.send({ type: 'ping' });
    await client.next('pong');
    assert.equal((await server.hub.storage.getContext(welcome.visitor.id))?.page?.url, 'https://shop.test/p/2');
    client.close();
  });

  it('stores text as sent: markup is text; only a message of white space is refused', async () => {
    const { client } = await visitor(server);
    const text = 'hi <img src=x onerror=alert(1)><script>alert(2)</script> a < b';
    const { ack } = await say(client, text);
    const markupOnly = await say(client, '<svg onload=alert(1)>');
    const rows = await server.hub.storage.messagesAfter(ack.conversation, 0, 10);
    assert.deepEqual(
      rows.filter((r) => r.role === 'visitor').map((r) => r.body),
      [
        { kind: 'text', text },
        { kind: 'text', text: '<svg onload=alert(1)>' },
      ],
    );
    assert.equal(markupOnly.ack.conversation, ack.conversation);
    const id = uuidv7();
    client.send({ type: 'send', id, body: { kind: 'text', text: ' \n\t ' } });
    const error = await client.next<{ code: string; id: string }>('error');
    assert.deepEqual([error.code, error.id], ['bad_frame', id]);
    client.close();
  });

  it('closes a connection that never says hello (4008) and one that floods (rate limited)', async () => {
    const quick = await startTestServer({ helloTimeoutMs: 200 });
    try {
      const silent = new Client(`${quick.wsUrl}/v1/connect`);
      await silent.opened;
      assert.equal((await silent.closed).code, 4008);
      const { client } = await visitor(quick);
      for (let i = 0; i < 60; i++) client.send({ type: 'ping' });
      const error = await client.next<{ code: string; retryAfterMs: number }>('error');
      assert.equal(error.code, 'rate_limited');
      assert.ok(error.retryAfterMs > 0);
      client.close();
    } finally {
      await quick.stop();
    }
  });

  it('limits messages per IP across sockets, so opening more sockets buys no more sends', async () => {
    // Per socket: burst 2. Per IP: burst 6 (3x), refilled at 5/s.
    const tight = await startTestServer({ limits: { messagesPerSecond: 1, messageBurst: 2 } });
    try {
      const sockets = await Promise.all([1, 2, 3, 4].map(() => visitor(tight)));
      for (const { client } of sockets)
        for (let i = 0; i < 2; i++) client.send({ type: 'send', id: uuidv7(), body: { kind: 'text', text: `m${i}` } });
      // Each send is answered by an ack or an error; other frames (greetings) are not counted.
      const answers: string[] = [];
      for (const { client } of sockets)
        for (let i = 0; i < 2; i++) {
          const frame = await client.next<{ type: string; code?: string }>(['ack', 'error']);
          answers.push(frame.type === 'error' ? (frame.code ?? '') : 'ack');
        }
      const limited = answers.filter((a) => a === 'rate_limited').length;
      assert.equal(answers.filter((a) => a === 'ack').length + limited, 8);
      assert.ok(limited >= 2, `8 sends from one IP with an IP burst of 6: ${limited} refused`);
      for (const { client } of sockets) client.close();
    } finally {
      await tight.stop();
    }
  });

  it('limits concurrent connections per IP with close 4029', async () => {
    const tight = await startTestServer({ maxConnectionsPerIp: 2 });
    try {
      const a = new Client(`${tight.wsUrl}/v1/connect`, ORIGIN);
      const b = new Client(`${tight.wsUrl}/v1/connect`, ORIGIN);
      await Promise.all([a.opened, b.opened]);
      const c = new Client(`${tight.wsUrl}/v1/connect`, ORIGIN);
      assert.equal((await c.closed).code, 4029);
      a.close();
      b.close();
    } finally {
      await tight.stop();
    }
  });
});
