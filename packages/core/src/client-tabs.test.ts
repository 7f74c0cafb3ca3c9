// Many tabs, gaps and files: one socket per visitor per browser, a hole in the seqs is filled by a
// resync, and files go up with progress — all against the real server.
import { expect, waitUntil } from '@open-wc/testing';
import {
  serverConnections,
  siteJwt,
  startServer,
  stopServer,
  storedContext,
  storedMessages,
  type TestServerInfo,
} from '../../../test/support/server.js';
import { createChatClient, type ChatClient, type ChatClientOptions } from './index.js';
import { wipeSite } from './storage/chat-store.js';

/** A WebSocket that drops incoming frames the test picks (to make a hole in the seqs). */
function droppingSocket(drop: (frame: { type: string; message?: { seq: number } }) => boolean) {
  const wrap = (listener: (event: MessageEvent) => void) => (event: MessageEvent) => {
    const frame = JSON.parse(String(event.data)) as { type: string; message?: { seq: number } };
    if (!drop(frame)) listener(event);
  };
  return class DroppingWebSocket extends WebSocket {
    override set onmessage(listener: ((this: WebSocket, event: MessageEvent) => void) | null) {
      super.onmessage = listener ? wrap((e) => listener.call(this, e)) : null;
    }
    override get onmessage() {
      return super.onmessage;
    }
    override addEventListener(
      type: string,
      listener: EventListenerOrEventListenerObject,
      options?: boolean | AddEventListenerOptions,
    ): void {
      if (type === 'message' && typeof listener === 'function')
        super.addEventListener(type, wrap(listener as (e: MessageEvent) => void) as EventListener, options);
      else super.addEventListener(type, listener, options);
    }
  } as typeof WebSocket;
}

describe('@parlor/core client: tabs, gaps and files', function () {
  this.timeout(30_000);
  let server: TestServerInfo;
  const clients: ChatClient[] = [];
  const make = (options: Partial<ChatClientOptions> = {}) => {
    const client = createChatClient({ siteId: server.siteId, server: server.url, ...options });
    clients.push(client);
    client.subscribe(() => {});
    return client;
  };
  const visitorTexts = (client: ChatClient) =>
    client
      .getSnapshot()
      .timeline.stored.filter((m) => m.author.role === 'visitor' && m.body.kind === 'text')
      .map((m) => (m.body.kind === 'text' ? m.body.text : ''));

  before(async () => {
    server = await startServer({
      siteId: 'tabs',
      limits: { messagesPerSecond: 1000, messageBurst: 1000, framesPerSecond: 2000 },
    });
  });
  after(() => stopServer(server));
  beforeEach(() => wipeSite(server.siteId));
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await wipeSite(server.siteId);
  });

  it('only the tab holding the socket refreshes a JWT; the others follow its welcome', async () => {
    const sent: string[][] = [[], []];
    const recording = (tab: number) =>
      class RecordingWebSocket extends WebSocket {
        override send(data: string): void {
          sent[tab]!.push((JSON.parse(data) as { type: string }).type);
          super.send(data);
        }
      };
    const fresh = await siteJwt('jwt-tabs', 600, undefined, 'tabs');
    // Expired 27 s ago, inside the server's 30 s tolerance: due for a refresh at once.
    let token = await siteJwt('jwt-tabs', -27, undefined, 'tabs');
    const calls = [0, 0];
    const tabs = [0, 1].map((tab) =>
      make({
        auth: { mode: 'jwt', token: async () => (calls[tab]!++, token) },
        environment: { WebSocket: recording(tab) },
      }),
    );
    await tabs[0]!.send('from the leader');
    await waitUntil(() => tabs[0]!.getSnapshot().timeline.pending.length === 0, 'acked');
    tabs[1]!.connect();
    await waitUntil(() => tabs[1]!.getSnapshot().tab === 'follower' && tabs[1]!.getSnapshot().visitor, 'a follower');
    token = fresh;
    const followerCalls = calls[1];
    await waitUntil(() => sent[0]!.includes('identify'), 'the leader’s identify', { timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 1500)); // a follower's own refresh would have come due by now
    expect(calls[1]).to.equal(followerCalls);
    expect(sent[1]).to.deep.equal([]);
    await tabs[1]!.send('from the follower after the refresh');
    await waitUntil(() => visitorTexts(tabs[0]!).includes('from the follower after the refresh'), 'relayed');
  });

  it('three tabs share one socket; closing the leader hands over and nothing is lost', async () => {
    const before = (await serverConnections(server)).visitor;
    const tabs = [make(), make(), make()];
    await tabs[0]!.send('from tab 0');
    await waitUntil(() => tabs[0]!.getSnapshot().timeline.pending.length === 0, 'acked');
    for (const tab of tabs.slice(1)) tab.connect();
    await waitUntil(() => tabs.filter((t) => t.getSnapshot().tab === 'follower').length === 2, 'two followers');
    expect((await serverConnections(server)).visitor - before).to.equal(1);

    await tabs[1]!.send('from tab 1 via the leader');
    await waitUntil(() => visitorTexts(tabs[2]!).includes('from tab 1 via the leader'), 'tab 2 sees tab 1’s message');

    const leader = tabs.find((t) => t.getSnapshot().tab === 'leader')!;
    leader.destroy(); // the leader tab closes
    const rest = tabs.filter((t) => t !== leader);
    const t0 = performance.now();
    await waitUntil(() => rest.some((t) => t.getSnapshot().tab === 'leader'), 'a new leader', { timeout: 2000 });
    expect(performance.now() - t0).to.be.below(1000);
    await rest[0]!.send('after the handover');
    await waitUntil(
      () => rest.every((t) => visitorTexts(t).includes('after the handover')),
      'delivered after handover',
    );
    const conversation = rest[0]!.getSnapshot().conversation!.id;
    const rows = (await storedMessages(server, conversation)).filter((r) => r.role === 'visitor');
    expect(rows.map((r) => r.body.text)).to.deep.equal([
      'from tab 0',
      'from tab 1 via the leader',
      'after the handover',
    ]);
    await waitUntil(async () => (await serverConnections(server)).visitor - before === 1, 'still one socket');
  });

  it('a client destroyed while its storage opens never takes the tab lock, so the next one leads', async () => {
    const early = make();
    early.connect();
    early.destroy(); // before IndexedDB has opened: activation is still in flight
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await navigator.locks.query()).held ?? []).to.have.length(0);
    const next = make();
    next.connect();
    await waitUntil(() => next.getSnapshot().connection.status === 'open', 'the next client leads and connects');
    expect(next.getSnapshot().tab).to.equal('leader');
  });

  it('a tab without Web Locks connects on its own and dedupe keeps it correct', async () => {
    const a = make({ environment: { locks: null } });
    const b = make({ environment: { locks: null } });
    await a.send('a1');
    await waitUntil(() => a.getSnapshot().timeline.pending.length === 0, 'a acked');
    b.connect();
    await waitUntil(() => b.getSnapshot().connection.status === 'open', 'b open');
    expect(a.getSnapshot().tab).to.equal('solo');
    await b.send('b1');
    await waitUntil(() => b.getSnapshot().timeline.pending.length === 0, 'b acked');
    const rows = (await storedMessages(server, b.getSnapshot().conversation!.id)).filter((r) => r.role === 'visitor');
    expect(rows.map((r) => r.body.text)).to.deep.equal(['a1', 'b1']);
  });

  it('a hole in the seqs triggers a resync that fills it', async () => {
    let dropped = 0;
    const reader = make({
      shareTabs: false,
      environment: {
        WebSocket: droppingSocket((f) => f.type === 'message' && f.message?.seq === 3 && dropped++ === 0),
      },
    });
    await reader.send('one');
    await waitUntil(() => reader.getSnapshot().timeline.pending.length === 0, 'acked');
    const writer = make({ shareTabs: false, connect: 'eager' }); // same visitor (shared session), its own socket
    await waitUntil(() => writer.getSnapshot().connection.status === 'open', 'writer open');
    for (const text of ['two', 'three', 'four']) await writer.send(text);
    await waitUntil(() => visitorTexts(reader).length === 4, 'reader has all four', { timeout: 5000 });
    expect(dropped).to.equal(1);
    expect(reader.getSnapshot().timeline.stored.map((m) => m.seq)).to.deep.equal([1, 2, 3, 4]);
  });

  it('follows single-page navigation and sends context only with consent, debounced', async () => {
    const start = location.href;
    const client = make({
      shareTabs: false,
      consent: { context: true, analytics: false },
      attributes: { plan: 'pro' },
    });
    await client.send('context please');
    await waitUntil(() => client.getSnapshot().timeline.pending.length === 0, 'acked');
    const visitor = client.getSnapshot().visitor!.id;
    history.pushState(null, '', '/product/42?color=red');
    try {
      await waitUntil(
        async () => (await storedContext(server, visitor))?.page?.url.endsWith('/product/42?color=red'),
        'the new page reached the server',
        { timeout: 3000 },
      );
      expect((await storedContext(server, visitor))?.attributes).to.deep.equal({ plan: 'pro' });
    } finally {
      history.replaceState(null, '', start);
    }
    client.destroy();
    await wipeSite(server.siteId); // a different visitor, not the stored one
    const shy = make({ shareTabs: false });
    await shy.send('no consent');
    await waitUntil(() => shy.getSnapshot().timeline.pending.length === 0, 'acked');
    await new Promise((r) => setTimeout(r, 700));
    expect((await storedContext(server, shy.getSnapshot().visitor!.id))?.page ?? null).to.equal(null);
  });

  it('uploads a file with progress, then sends it as an attachment', async () => {
    const client = make({ shareTabs: false });
    await client.send('here comes a file');
    await waitUntil(() => client.getSnapshot().timeline.pending.length === 0, 'acked');
    const progress: number[] = [];
    client.subscribe(() => {
      for (const item of client.getSnapshot().timeline.pending)
        if (item.progress !== undefined) progress.push(item.progress);
    });
    const png = new Blob([new Uint8Array(200_000)], { type: 'image/png' });
    await client.sendFile(png, { name: 'receipt.png', caption: 'my receipt' });
    await waitUntil(
      () => client.getSnapshot().timeline.stored.some((m) => m.body.kind === 'attachment'),
      'attachment stored',
    );
    const stored = client.getSnapshot().timeline.stored.find((m) => m.body.kind === 'attachment')!;
    expect(stored.body).to.include({ name: 'receipt.png', mime: 'image/png', size: 200_000, caption: 'my receipt' });
    expect(progress.at(-1)).to.equal(1);
    await client.sendFile(new Blob(['<html>'], { type: 'text/html' }), { name: 'page.html' }).then(
      () => expect.fail('an HTML file must be refused'),
      (error: { code: string }) => expect(error.code).to.equal('bad_frame'),
    );
  });
});

describe('@parlor/core client: read state, failures, cache, several sites', function () {
  this.timeout(30_000);
  let server: TestServerInfo;
  let other: TestServerInfo;
  const clients: ChatClient[] = [];
  const make = (options: Partial<ChatClientOptions> = {}, on = server) => {
    const client = createChatClient({ siteId: on.siteId, server: on.url, ...options });
    clients.push(client);
    client.subscribe(() => {});
    return client;
  };
  before(async () => {
    server = await startServer({
      siteId: 'state',
      greeting: 'Welcome!',
      limits: { messagesPerSecond: 1000, messageBurst: 1000, framesPerSecond: 2000 },
    });
    other = await startServer({ siteId: 'elsewhere' });
  });
  after(async () => {
    await stopServer(server);
    await stopServer(other);
  });
  beforeEach(() => Promise.all([wipeSite('state'), wipeSite('elsewhere')]));
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await Promise.all([wipeSite('state'), wipeSite('elsewhere')]);
  });

  it('keeps unread counts in step across tabs when one of them reads', async () => {
    const a = make();
    await a.send('hi');
    await waitUntil(() => a.getSnapshot().unread === 1, 'the greeting is unread');
    const b = make();
    b.connect();
    await waitUntil(() => b.getSnapshot().unread === 1, 'the other tab sees it unread too');
    b.markRead();
    await waitUntil(() => a.getSnapshot().unread === 0, 'reading in one tab clears the count in the other', {
      timeout: 5000, // a busy CI machine once took over the default second
    });
  });

  it('logout in one tab wipes the other tabs too', async () => {
    const a = make();
    await a.send('shared computer');
    await waitUntil(
      () => a.getSnapshot().timeline.stored.length >= 1 && a.getSnapshot().timeline.pending.length === 0,
      'acked',
    );
    const b = make();
    b.connect();
    await waitUntil(() => b.getSnapshot().timeline.stored.length >= 1, 'the other tab shows the conversation');
    await a.logout();
    await waitUntil(
      () => b.getSnapshot().items.length === 0 && b.getSnapshot().visitor === null,
      'the other tab forgot it',
    );
    const databases = await indexedDB.databases();
    expect(databases.filter((d) => d.name?.startsWith('parlor:v1:state:'))).to.deep.equal([]);
  });

  it('marks a refused message failed with the reason; discard removes it everywhere', async () => {
    const client = make({ shareTabs: false });
    const id = await client.send('\u200b'); // a zero-width space only: the server refuses it (it shows nothing)
    await waitUntil(
      () => client.getSnapshot().timeline.pending.some((p) => p.id === id && p.state === 'failed'),
      'failed',
    );
    const item = client.getSnapshot().timeline.pending.find((p) => p.id === id);
    expect(item?.error?.code).to.equal('bad_frame');
    await client.retry(id);
    await waitUntil(
      () => client.getSnapshot().timeline.pending.some((p) => p.id === id && p.state === 'failed'),
      'failed again',
    );
    await client.discard(id);
    expect(client.getSnapshot().timeline.pending.map((p) => p.id)).to.not.include(id);
    const reloaded = make({ shareTabs: false });
    reloaded.connect();
    await waitUntil(() => reloaded.getSnapshot().connection.status === 'open', 'open');
    expect(reloaded.getSnapshot().timeline.pending).to.deep.equal([]);
  });

  it('renders cached history at once after a reload, before the socket is back', async () => {
    const first = make({ shareTabs: false });
    await first.send('remember this');
    await waitUntil(() => first.getSnapshot().timeline.stored.length === 2, 'message and greeting stored');
    await new Promise((r) => setTimeout(r, 100)); // the cache write is debounced
    first.destroy();
    const blocked = class extends WebSocket {
      constructor() {
        super('ws://127.0.0.1:9/');
      }
    } as unknown as typeof WebSocket;
    const second = make({ shareTabs: false, environment: { WebSocket: blocked } });
    await waitUntil(() => second.getSnapshot().timeline.stored.length === 2, 'history from the cache');
    expect(second.getSnapshot().connection.status).to.not.equal('open');
  });

  it('runs clients of two sites side by side on one page without sharing anything', async () => {
    const here = make({ shareTabs: true });
    const there = make({ shareTabs: true }, other);
    await here.send('to the first site');
    await there.send('to the second site');
    await waitUntil(
      () => here.getSnapshot().timeline.pending.length === 0 && there.getSnapshot().timeline.pending.length === 0,
      'both acked',
    );
    expect(here.getSnapshot().tab).to.equal('leader');
    expect(there.getSnapshot().tab).to.equal('leader');
    expect(here.getSnapshot().visitor?.id).to.not.equal(there.getSnapshot().visitor?.id);
    const texts = (c: ChatClient) =>
      c
        .getSnapshot()
        .timeline.stored.filter((m) => m.author.role === 'visitor')
        .map((m) => (m.body.kind === 'text' ? m.body.text : ''));
    expect(texts(here)).to.deep.equal(['to the first site']);
    expect(texts(there)).to.deep.equal(['to the second site']);
  });
});
