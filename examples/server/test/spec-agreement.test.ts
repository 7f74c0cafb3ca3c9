// What docs/protocol.md says and what the server does are the same thing: each case below is a rule of the spec
// that a client written from the spec alone relies on, checked against the real server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it, mock } from 'node:test';
import { AGENT_TOKEN, Client, agent, say, startTestServer, uuidv7, visitor, type TestServer } from './harness.js';

type Answer = { type: string; id?: string; seq?: number; code?: string; duplicate?: boolean };
type MessageFrame = { message: { seq: number; id: string; body: { text?: string } } };

/** A UUIDv7 of millisecond `ms` whose other bits are random (what clients that do not count produce). */
function randomIdAt(ms: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  for (let i = 0; i < 6; i++) bytes[i] = Math.floor(ms / 2 ** (8 * (5 - i))) & 0xff;
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const text = (id: string, body: string, conversation?: string) => ({
  type: 'send',
  id,
  ...(conversation ? { conversation } : {}),
  body: { kind: 'text', text: body },
});

/** The spec's section starting at `heading` (up to the next heading of the same or a higher level). */
function section(heading: string): string {
  const spec = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  const start = spec.indexOf(`\n${heading}`);
  assert.ok(start >= 0, `docs/protocol.md has "${heading}"`);
  const level = heading.split(' ')[0] ?? '##';
  const rest = spec.slice(start + heading.length + 1);
  const next = rest.search(new RegExp(`\\n#{2,${level.length}} `));
  return next < 0 ? rest : rest.slice(0, next);
}

describe('the server does what docs/protocol.md says', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ limits: { messagesPerSecond: 2, messageBurst: 100 } });
  });
  after(() => server.stop());

  it('§6.2/§9.2: a duplicate send is acked again and broadcast to no one', async () => {
    const a = await visitor(server);
    const { ack } = await say(a.client, 'one');
    const conversation = ack.conversation;
    const b = await visitor(server, { auth: { mode: 'anonymous', token: a.welcome.visitor.token } });
    const ada = await agent(server);
    ada.client.send({ type: 'open', conversation });
    await ada.client.next('transcript');

    const two = uuidv7();
    a.client.send(text(two, 'two', conversation));
    assert.equal((await a.client.next<Answer>('ack')).id, two);
    a.client.send(text(two, 'two', conversation));
    const again = await a.client.next<Answer>('ack');
    assert.deepEqual([again.id, again.duplicate], [two, true]);
    await say(a.client, 'three', { conversation });

    for (const reader of [b.client, ada.client]) {
      const texts: string[] = [];
      while (!texts.includes('three')) texts.push((await reader.next<MessageFrame>('message')).message.body.text ?? '');
      assert.deepEqual(
        texts.filter((t) => t === 'two' || t === 'three'),
        ['two', 'three'],
        'the repeat reached no other tab and no agent',
      );
    }
    for (const c of [a.client, b.client, ada.client]) c.close();
  });

  it('§3.1: client ids are case-insensitive, so an id in upper case is the same message', async () => {
    const { client } = await visitor(server);
    const { ack } = await say(client, 'first');
    const id = uuidv7();
    client.send(text(id.toUpperCase(), 'hello', ack.conversation));
    const first = await client.next<Answer>('ack');
    assert.equal(first.id, id.toUpperCase(), 'the ack names the id as sent');
    client.send(text(id, 'hello', ack.conversation));
    const second = await client.next<Answer>('ack');
    assert.deepEqual([second.seq, second.duplicate], [first.seq, true]);
    const stored = await server.hub.storage.allMessages(ack.conversation);
    assert.equal(stored.filter((m) => m.body.kind === 'text' && m.body.text === 'hello').length, 1);
    client.close();
  });

  it('§7.9: the tab that starts a conversation gets its ack, not a `conversation` frame with lastSeq 0', async () => {
    const { client } = await visitor(server);
    client.send(text(uuidv7(), 'the first message'));
    const first = await client.next<Answer>(['ack', 'conversation']);
    assert.equal(first.type, 'ack', 'the ack comes first');
    await client.next('message'); // the greeting: anything the send caused has arrived by now
    assert.deepEqual(client.seen('conversation'), [], 'no conversation frame for a conversation it just started');
    client.close();
  });

  it('§7.3: no greeting after the first visitor message when an agent started the conversation', async () => {
    const v = await visitor(server);
    const ada = await agent(server);
    ada.client.send({ type: 'proactive', id: uuidv7(), visitor: v.welcome.visitor.id, text: 'Need a hand?' });
    await ada.client.next('ack');
    const proactive = await v.client.next<{ message: { conversation: string } }>('message');
    const { ack } = await say(v.client, 'yes please', { conversation: proactive.message.conversation });
    await say(v.client, 'are you there?', { conversation: ack.conversation }); // the bot hook ran for the first
    const stored = await server.hub.storage.allMessages(ack.conversation);
    assert.deepEqual(
      stored.map((m) => m.role),
      ['agent', 'visitor', 'visitor'],
      'the proactive message stands as the greeting',
    );
    v.client.close();
    ada.client.close();
  });

  it('§8.1/§8.2: an agent gets welcome, presence, visitors, in that order, as both sections say', async () => {
    for (const [heading, row] of [
      ['### 8.1 Agent → server', '| `hello`'],
      ['### 8.2 Server → agent', '| `welcome`'],
    ] as const) {
      const line = section(heading)
        .split('\n')
        .find((l) => l.startsWith(row));
      assert.ok(line, `${heading} has a ${row} row`);
      const presence = line.indexOf('`presence`');
      const visitors = line.indexOf('`visitors`');
      assert.ok(presence > 0 && visitors > presence, `${heading}: presence, then visitors`);
    }
    const again = new Client(`${server.wsUrl}/v1/agent`, `http://127.0.0.1:${server.port}`);
    await again.opened;
    again.send({ type: 'hello', v: 1, auth: { mode: 'agent', token: AGENT_TOKEN } });
    const order: string[] = [];
    for (let i = 0; i < 3; i++) order.push((await again.next()).type);
    assert.deepEqual(order, ['welcome', 'presence', 'visitors']);
    again.close();
  });
});

describe('§6.2: after a rate refusal, the first refused goes first', () => {
  const clock = { now: Date.now() };
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      limits: { messagesPerSecond: 2, messageBurst: 3, framesPerSecond: 1000 },
      now: () => clock.now,
    });
  });
  after(() => server.stop());

  it('lets the first refused send go first, even when a later one has the smaller id', async () => {
    const { client } = await visitor(server);
    const ms = clock.now + 10;
    const ids = Array.from({ length: 5 }, () => randomIdAt(ms)).sort();
    // Arrival order: three that fit the burst, then the largest id, then the smallest of the rest.
    const [small, , , , big] = ids as [string, string, string, string, string];
    const arrival = [ids[1] ?? '', ids[2] ?? '', ids[3] ?? '', big, small];
    for (const id of arrival) client.send(text(id, id));
    const answers: Answer[] = [];
    for (let i = 0; i < 5; i++) answers.push(await client.next<Answer>(['ack', 'error']));
    assert.deepEqual(
      answers.map((a) => [a.type, a.id]),
      [
        ['ack', arrival[0]],
        ['ack', arrival[1]],
        ['ack', arrival[2]],
        ['error', big],
        ['error', small],
      ],
    );
    clock.now += 1000; // two tokens back
    client.send(text(big, big));
    assert.deepEqual([(await client.next<Answer>(['ack', 'error'])).type], ['ack'], 'the first refused goes first');
    client.send(text(small, small));
    assert.equal((await client.next<Answer>(['ack', 'error'])).type, 'ack');
    client.close();
  });
});

describe('§6.2/§12: every refusal of a send names it', () => {
  const clock = Date.now(); // frozen: no bucket refills, so the frame limit surely refuses
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      limits: { messagesPerSecond: 2, messageBurst: 3, framesPerSecond: 2, maxFrameBytes: 2048 },
      now: () => clock,
    });
  });
  after(() => server.stop());

  it('never refuses sends within the message limit for the frame limit, and names every refused send', async () => {
    const { client } = await visitor(server);
    const { ack } = await say(client, 'start');
    const ids = [uuidv7(), uuidv7()];
    client.send({ type: 'typing', conversation: ack.conversation, on: true }); // spends frame tokens
    client.send({ type: 'typing', conversation: ack.conversation, on: false });
    client.send({ type: 'typing', conversation: ack.conversation, on: true });
    client.send({ type: 'typing', conversation: ack.conversation, on: false });
    for (const id of ids) client.send(text(id, id, ack.conversation));
    for (const id of ids) assert.equal((await client.next<Answer>(['ack'])).id, id, 'frame limit spent, sends go');

    // The agent socket has no message bucket: its sends count as frames, and each refusal names its send.
    const ada = await agent(server);
    const agentIds = Array.from({ length: 8 }, () => uuidv7());
    for (const id of agentIds) ada.client.send(text(id, id, ack.conversation));
    const answers: Answer[] = [];
    for (let i = 0; i < agentIds.length; i++) answers.push(await ada.client.next<Answer>(['ack', 'error']));
    assert.ok(
      answers.some((a) => a.type === 'error'),
      'the frame limit refused some',
    );
    assert.deepEqual(answers.map((a) => a.id).sort(), [...agentIds].sort(), 'every answer names its send');
    client.close();
    ada.client.close();
  });

  it('names the send in `bad_frame` on both sockets', async () => {
    const { client } = await visitor(server);
    const id = uuidv7();
    client.send({ type: 'send', id, body: { kind: 'text', text: 42 } });
    const refused = await client.next<Answer>('error');
    assert.deepEqual([refused.code, refused.id], ['bad_frame', id]);
    client.close();
    const ada = await agent(server);
    const agentId = uuidv7();
    ada.client.send({ type: 'proactive', id: agentId, visitor: 'not a visitor id', text: 'hi' });
    const agentRefused = await ada.client.next<Answer>('error');
    assert.deepEqual([agentRefused.code, agentRefused.id], ['bad_frame', agentId]);
    ada.client.close();
  });

  it('refuses a send whose duplicate keys say two ids, storing neither', async () => {
    const { client } = await visitor(server);
    const [first, second] = [uuidv7(), uuidv7()];
    client.send(`{"type":"send","id":"${first}","body":{"kind":"text","text":"which?"},"id":"${second}"}`);
    const refused = await client.next<Answer>(['ack', 'error']);
    assert.deepEqual([refused.type, refused.code, refused.id], ['error', 'bad_frame', first]);
    client.close();
  });

  it('names the send in `too_large` for a frame over maxFrameBytes', async () => {
    const { client } = await visitor(server);
    const id = uuidv7();
    client.send(text(id, 'x'.repeat(4000)));
    const refused = await client.next<Answer>('error');
    assert.deepEqual([refused.code, refused.id], ['too_large', id]);
    client.close();
  });
});

describe('§4: the idle close comes when the spec says', () => {
  let clock = Date.now();
  let server: TestServer;
  before(async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    server = await startTestServer({ now: () => clock });
  });
  after(async () => {
    mock.timers.reset();
    await server.stop();
  });

  it('closes a socket silent for 2 × pingIntervalMs with 4010 at that moment, not at the next sweep', async () => {
    const idle = 2 * 25_000;
    const { client } = await visitor(server);
    let closed: number | null = null;
    client.ws.once('close', (code) => (closed = code));
    const settle = async () => {
      const end = Date.now() + 300; // real time for the close handshake to travel (timers are mocked)
      while (closed === null && Date.now() < end) await new Promise((resolve) => setImmediate(resolve));
    };
    clock += idle - 1;
    mock.timers.tick(idle - 1);
    await settle();
    assert.equal(closed, null, 'open 1 ms before the limit');
    clock += 1;
    mock.timers.tick(1);
    const end = Date.now() + 5000;
    while (closed === null && Date.now() < end) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(closed, 4010);
  });
});
