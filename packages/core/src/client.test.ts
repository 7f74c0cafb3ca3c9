// @parlor/core's guarantees, in Chromium against the real reference server: nothing lost, nothing
// doubled, order kept — through restarts, network cuts, reloads and many clients.
import { expect, waitUntil } from '@open-wc/testing';
import {
  agentSay,
  restartServer,
  serverConnections,
  siteJwt,
  startServer,
  stopServer,
  storedMessages,
  userHash,
  type TestServerInfo,
} from '../../../test/support/server.js';
import { cuttableSocket } from '../../../test/support/cuttable-socket.js';
import { createChatClient, isParlorError, type ChatClient, type ChatClientOptions, type ParlorError } from './index.js';
import { wipeSite } from './storage/chat-store.js';

describe('@parlor/core client against the real server', function () {
  this.timeout(30_000);
  let server: TestServerInfo;
  const clients: ChatClient[] = [];
  const make = (options: Partial<ChatClientOptions> = {}) => {
    const client = createChatClient({ siteId: server.siteId, server: server.url, shareTabs: false, ...options });
    clients.push(client);
    client.subscribe(() => {});
    return client;
  };
  const conversationOf = (client: ChatClient) => client.getSnapshot().conversation?.id ?? '';
  const acked = (client: ChatClient, n: number) =>
    waitUntil(
      () =>
        client.getSnapshot().timeline.pending.length === 0 &&
        client.getSnapshot().timeline.stored.filter((m) => m.author.role === 'visitor').length >= n,
      `${n} acked`,
      { timeout: 20_000 },
    );

  before(async () => {
    // Bursts of hundreds of messages: limits raised so the tests measure delivery, not pacing.
    server = await startServer({
      siteId: 'client',
      limits: { messagesPerSecond: 1000, messageBurst: 1000, framesPerSecond: 2000 },
    });
  });
  after(() => stopServer(server));
  beforeEach(() => wipeSite(server.siteId));
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await wipeSite(server.siteId);
  });

  it('is lazy: creating and subscribing opens no socket and stores nothing', async () => {
    const before = (await serverConnections(server)).visitor;
    make();
    await new Promise((r) => setTimeout(r, 300));
    expect((await serverConnections(server)).visitor).to.equal(before);
    const databases = await indexedDB.databases();
    expect(databases.filter((d) => d.name?.startsWith('parlor:v1:client:'))).to.deep.equal([]);
  });

  it('sends, is acked, and the server stores each message once, in order', async () => {
    const client = make();
    for (const text of ['one', 'two', 'three']) await client.send(text);
    await acked(client, 3);
    const rows = await storedMessages(server, conversationOf(client));
    expect(rows.filter((r) => r.role === 'visitor').map((r) => r.body.text)).to.deep.equal(['one', 'two', 'three']);
    expect(client.getSnapshot().storage).to.equal('indexeddb');
  });

  it('loses and doubles nothing when the server restarts in the middle of a burst of 200 sends', async () => {
    const client = make();
    await client.send('first');
    await acked(client, 1);
    const sends: Promise<string>[] = [];
    for (let i = 0; i < 200; i++) {
      sends.push(client.send(`m${i}`));
      if (i === 60) server = await restartServer(server, 200);
    }
    await Promise.all(sends);
    await acked(client, 201);
    const rows = (await storedMessages(server, conversationOf(client))).filter((r) => r.role === 'visitor');
    expect(rows.length).to.equal(201);
    expect(new Set(rows.map((r) => r.id)).size).to.equal(201);
    expect(rows.map((r) => r.body.text)).to.deep.equal(['first', ...Array.from({ length: 200 }, (_, i) => `m${i}`)]);
  });

  it('queues 50 messages while the network is cut and delivers each once when it is back', async () => {
    const net = cuttableSocket();
    const win = new EventTarget();
    const client = make({ environment: { WebSocket: net.WebSocket, window: win } });
    await client.send('before the cut');
    await acked(client, 1);
    net.control.blocked = true;
    server = await restartServer(server); // drops the live socket; reconnects now fail
    for (let i = 0; i < 50; i++) await client.send(`offline ${i}`);
    expect(client.getSnapshot().timeline.pending.length).to.equal(50);
    net.control.blocked = false;
    win.dispatchEvent(new Event('online'));
    await acked(client, 51);
    const rows = (await storedMessages(server, conversationOf(client))).filter((r) => r.role === 'visitor');
    expect(rows.map((r) => r.body.text)).to.deep.equal([
      'before the cut',
      ...Array.from({ length: 50 }, (_, i) => `offline ${i}`),
    ]);
  });

  it('delivers what was queued before a reload, from the same IndexedDB outbox, without doubling', async () => {
    const net = cuttableSocket();
    net.control.blocked = true;
    const first = make({ environment: { WebSocket: net.WebSocket, window: new EventTarget() } });
    for (let i = 0; i < 5; i++) await first.send(`queued ${i}`);
    first.destroy(); // the page goes away with five unsent messages
    const second = make({ connect: 'eager' });
    await acked(second, 5);
    const rows = (await storedMessages(server, conversationOf(second))).filter((r) => r.role === 'visitor');
    expect(rows.map((r) => r.body.text)).to.deep.equal(['queued 0', 'queued 1', 'queued 2', 'queued 3', 'queued 4']);
  });

  it('keeps a message whose outbox write had not committed when the page went, and delivers it once', async () => {
    // IndexedDB that never answers: the write of the message cannot commit before the page goes away.
    const hung = { open: () => ({}), databases: async () => [] } as unknown as IDBFactory;
    const page = new EventTarget();
    const first = make({ environment: { window: page, indexedDB: hung } });
    const sent = first.send('sent as the page went');
    page.dispatchEvent(new Event('pagehide'));
    first.destroy();
    await sent.catch(() => undefined);
    expect(localStorage.getItem(`parlor:${server.siteId}:unsent:anonymous`)).to.contain('sent as the page went');
    const second = make({ connect: 'eager' });
    await acked(second, 1);
    const rows = (await storedMessages(server, conversationOf(second))).filter((r) => r.role === 'visitor');
    expect(rows.map((r) => r.body.text)).to.deep.equal(['sent as the page went']);
    expect(localStorage.getItem(`parlor:${server.siteId}:unsent:anonymous`)).to.equal(null);
  });

  it('does not double a kept message that reached the server before the page went', async () => {
    const page = new EventTarget();
    const first = make({ connect: 'eager', environment: { window: page } });
    await first.send('already there');
    await acked(first, 1);
    const second = make({ connect: 'eager', environment: { window: page } });
    void second.send('in flight at pagehide');
    page.dispatchEvent(new Event('pagehide'));
    await acked(second, 2);
    second.destroy();
    first.destroy();
    expect(localStorage.getItem(`parlor:${server.siteId}:unsent:anonymous`)).to.contain('in flight at pagehide');
    const third = make({ connect: 'eager' });
    await waitUntil(() => localStorage.getItem(`parlor:${server.siteId}:unsent:anonymous`) === null, 'requeued', {
      timeout: 10_000,
    });
    await acked(third, 2);
    // The re-sent copy was answered with the stored one: the server holds it once.
    await waitUntil(() => third.getSnapshot().timeline.pending.length === 0, 'the copy acked');
    const rows = (await storedMessages(server, conversationOf(third))).filter((r) => r.role === 'visitor');
    expect(rows.map((r) => r.body.text)).to.deep.equal(['already there', 'in flight at pagehide']);
  });

  it('logout forgets kept messages too', async () => {
    const hung = { open: () => ({}), databases: async () => [] } as unknown as IDBFactory;
    const page = new EventTarget();
    const first = make({ environment: { window: page, indexedDB: hung } });
    void first.send('private').catch(() => undefined);
    page.dispatchEvent(new Event('pagehide'));
    expect(localStorage.getItem(`parlor:${server.siteId}:unsent:anonymous`)).to.contain('private');
    await wipeSite(server.siteId);
    expect(localStorage.getItem(`parlor:${server.siteId}:unsent:anonymous`)).to.equal(null);
  });

  it('two clients flushing one outbox at once store every message once', async () => {
    const net = cuttableSocket();
    net.control.blocked = true;
    const writer = make({ environment: { WebSocket: net.WebSocket, window: new EventTarget() } });
    for (let i = 0; i < 20; i++) await writer.send(`shared ${i}`);
    writer.destroy();
    const a = make({ connect: 'eager' });
    const b = make({ connect: 'eager' });
    await Promise.all([acked(a, 20), acked(b, 20)]);
    const rows = (await storedMessages(server, conversationOf(a))).filter((r) => r.role === 'visitor');
    expect(rows.length).to.equal(20);
    expect(new Set(rows.map((r) => r.id)).size).to.equal(20);
  });

  it('refreshes an expired JWT through the token function and carries on', async () => {
    let calls = 0;
    const client = make({
      auth: { mode: 'jwt', token: async () => siteJwt('jwt-user', ++calls === 1 ? -120 : 600, undefined, 'client') },
    });
    await client.send('with a fresh token');
    await acked(client, 1);
    expect(calls).to.be.greaterThan(1);
    expect(client.getSnapshot().visitor?.userId).to.equal('jwt-user');
  });

  /** A WebSocket that records the type of every frame the client sends and the code of every close. */
  const recordingSocket = () => {
    const log = { opened: 0, sent: [] as string[], closes: [] as number[] };
    class RecordingWebSocket extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        log.opened++;
        this.addEventListener('close', (event) => log.closes.push(event.code));
      }
      override send(data: string): void {
        log.sent.push((JSON.parse(data) as { type: string }).type);
        super.send(data);
      }
    }
    return { log, WebSocket: RecordingWebSocket };
  };
  // Expired 27 s ago: inside the server's 30 s clock tolerance, so it is accepted, and the server closes the
  // socket with token_expired (4002) 2–3 s from now unless the client brings a new one.
  const nearlyClosed = () => siteJwt('jwt-live', -27, undefined, 'client');

  it('refreshes a JWT from a token function on the live socket: no close, no gap, same conversation', async () => {
    const net = recordingSocket();
    const fresh = await siteJwt('jwt-live', 600, undefined, 'client');
    let token = await nearlyClosed();
    const signedAt = Date.now();
    const client = make({ auth: { mode: 'jwt', token: async () => token }, environment: { WebSocket: net.WebSocket } });
    await client.send('before the refresh');
    await acked(client, 1);
    token = fresh; // what the site's backend hands out from now on
    const visitor = client.getSnapshot().visitor?.id;
    const statuses: string[] = [];
    client.subscribe(() => statuses.push(client.getSnapshot().connection.status));
    // Past the moment the server would have closed the first token's socket.
    await new Promise((r) => setTimeout(r, Math.max(0, signedAt + 4000 - Date.now())));
    expect(net.log.closes).to.deep.equal([]);
    expect(net.log.sent).to.include('identify');
    await client.send('after the refresh');
    await acked(client, 2);
    const conversation = conversationOf(client);
    await agentSay(server, conversation, 'the agent still reaches you');
    await waitUntil(() => client.getSnapshot().timeline.stored.length === 3, 'the agent’s reply');
    expect(net.log.closes).to.deep.equal([]);
    expect(net.log.opened).to.equal(1);
    expect(statuses.filter((s) => s !== 'open')).to.deep.equal([]);
    expect(client.getSnapshot().visitor?.id).to.equal(visitor);
    expect(client.getSnapshot().timeline.stored.map((m) => m.body.kind === 'text' && m.body.text)).to.deep.equal([
      'before the refresh',
      'after the refresh',
      'the agent still reaches you',
    ]);
    expect((await storedMessages(server, conversation)).length).to.equal(3);
  });

  it('refreshes a ten-minute JWT about a minute before it expires (the client’s clock injected)', async () => {
    const net = recordingSocket();
    let calls = 0;
    const client = make({
      auth: { mode: 'jwt', token: async () => (calls++, siteJwt('jwt-minute', 600, undefined, 'client')) },
      // 62 s before the first token's exp by this clock: inside the 60–90 s margin, so the refresh is due at once.
      environment: { WebSocket: net.WebSocket, now: () => Date.now() + 538_000 },
    });
    await client.send('a message');
    await acked(client, 1);
    const before = calls;
    await waitUntil(() => net.log.sent.includes('identify'), 'identify sent', { timeout: 10_000 });
    expect(calls).to.equal(before + 1);
    expect(net.log.closes).to.deep.equal([]);
    await client.send('another');
    await acked(client, 2);
  });

  it('stops with token_expired when a static JWT expires (it cannot be refreshed)', async () => {
    const errors: string[] = [];
    const client = make({ auth: { mode: 'jwt', token: await nearlyClosed() } });
    client.subscribe((event) => {
      if (event.type === 'error') errors.push(event.error.code);
    });
    client.connect();
    await waitUntil(() => client.getSnapshot().connection.status === 'open', 'open');
    await waitUntil(() => client.getSnapshot().connection.status === 'stopped', 'stopped', { timeout: 10_000 });
    const connection = client.getSnapshot().connection;
    expect(connection.status === 'stopped' && connection.code).to.equal('token_expired');
    expect(errors).to.include('token_expired');
  });

  it('reports an upload over the visitor’s quota as rate_limited, with when to try again', async () => {
    const quoted = await startServer({ siteId: 'client-quota', uploadQuota: { visitorBytes: 100 } });
    try {
      const client = createChatClient({ siteId: quoted.siteId, server: quoted.url, shareTabs: false });
      clients.push(client);
      client.subscribe(() => {});
      const file = new File(['x'.repeat(200)], 'notes.txt', { type: 'text/plain' });
      const error = (await client.sendFile(file).catch((e: unknown) => e)) as ParlorError;
      expect(isParlorError(error) && error.code).to.equal('rate_limited');
      expect(error.retryAfterMs).to.be.a('number').and.greaterThan(0);
      const failed = client.getSnapshot().timeline.pending[0];
      expect(failed?.state).to.equal('failed');
      expect(failed?.error?.code).to.equal('rate_limited');
    } finally {
      await stopServer(quoted);
      await wipeSite('client-quota');
    }
  });

  it('keeps each JWT user’s history to themselves on a shared browser', async () => {
    const ana = make({ auth: { mode: 'jwt', token: await siteJwt('jwt-ana', 600, undefined, 'client') } });
    await ana.send('Ana’s private question');
    await acked(ana, 1);
    await new Promise((r) => setTimeout(r, 300)); // the history cache is written
    ana.destroy();
    // Offline from here (nobody listens on port 9): whatever shows comes from this browser's storage.
    const offline = { server: 'http://127.0.0.1:9' };
    const anaAgain = make({ ...offline, auth: { mode: 'jwt', token: async () => siteJwt('jwt-ana', 600) } });
    anaAgain.connect();
    await waitUntil(() => anaAgain.getSnapshot().timeline.stored.length === 1, 'Ana’s cache', { timeout: 5000 });
    anaAgain.destroy();
    // Bo signs in next on the same browser: he never sees Ana's history.
    const bo = make({ ...offline, auth: { mode: 'jwt', token: await siteJwt('jwt-bo', 600) } });
    const seen: number[] = [];
    bo.subscribe(() => seen.push(bo.getSnapshot().timeline.stored.length));
    bo.connect();
    await waitUntil(() => seen.length > 0, 'Bo’s storage opened', { timeout: 5000 });
    await new Promise((r) => setTimeout(r, 500));
    expect(Math.max(0, ...seen)).to.equal(0);
  });

  it('an eager client destroyed at once throws nothing later (a framework mounting twice)', async () => {
    const errors: unknown[] = [];
    const onError = (event: ErrorEvent) => {
      errors.push(event.error);
      event.preventDefault();
    };
    window.addEventListener('error', onError);
    try {
      make({ connect: 'eager' }).destroy();
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      window.removeEventListener('error', onError);
    }
    expect(errors).to.deep.equal([]);
  });

  it('stops on an invalid credential instead of hammering the server', async () => {
    const net = cuttableSocket();
    const client = make({
      auth: { mode: 'identified', userId: 'mallory', userHash: 'a'.repeat(64) },
      environment: { WebSocket: net.WebSocket },
    });
    client.connect();
    await waitUntil(() => client.getSnapshot().connection.status === 'stopped', 'stopped');
    const connection = client.getSnapshot().connection;
    expect(connection.status === 'stopped' && connection.code).to.equal('unauthorized');
    const attempts = net.control.opened;
    await new Promise((r) => setTimeout(r, 1500));
    expect(net.control.opened).to.equal(attempts);
  });

  it('keeps the conversation when the visitor logs in mid-conversation', async () => {
    const client = make();
    await client.send('as a guest');
    await acked(client, 1);
    const conversation = conversationOf(client);
    await client.identify({ mode: 'identified', userId: 'ana', userHash: await userHash('ana') });
    await waitUntil(() => client.getSnapshot().visitor?.userId === 'ana', 'identified');
    expect(conversationOf(client)).to.equal(conversation);
    await client.send('as ana');
    await acked(client, 2);
    const rows = await storedMessages(server, conversation);
    expect(rows.filter((r) => r.role === 'visitor').map((r) => r.body.text)).to.deep.equal(['as a guest', 'as ana']);
  });

  it('logout leaves nothing readable behind', async () => {
    const client = make({ auth: { mode: 'identified', userId: 'kim', userHash: await userHash('kim') } });
    await client.send('private');
    await acked(client, 1);
    await client.logout();
    expect(client.getSnapshot().items).to.deep.equal([]);
    expect(client.getSnapshot().visitor).to.equal(null);
    const databases = await indexedDB.databases();
    expect(databases.filter((d) => d.name?.startsWith('parlor:v1:client:'))).to.deep.equal([]);
  });

  it('falls back to memory when IndexedDB throws, and says so', async () => {
    const broken = {
      open: () => {
        throw new Error('blocked');
      },
      deleteDatabase: () => {
        throw new Error('blocked');
      },
      databases: async () => [],
      cmp: () => 0,
    } as unknown as IDBFactory;
    const client = make({ environment: { indexedDB: broken } });
    await client.send('kept in memory');
    await acked(client, 1);
    expect(client.getSnapshot().storage).to.equal('memory');
  });

  it('refuses a wrong option with a typed error at creation', () => {
    expect(() => createChatClient({ siteId: 'client', server: 'not a url' })).to.throw(/server/);
    try {
      createChatClient({ siteId: '', server: server.url });
    } catch (error) {
      expect((error as { code: string }).code).to.equal('invalid_options');
    }
  });
});
