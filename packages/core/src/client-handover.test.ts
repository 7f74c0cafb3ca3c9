// The tab holding the socket goes away with messages queued — its own or other tabs' — and another tab
// sends them, once, in order: with IndexedDB shared by the tabs and without it. Tabs are clients on one page
// (each its own member of the tab group, coordinated by the browser's real Web Locks and BroadcastChannel),
// against the real server.
import { expect, waitUntil } from '@open-wc/testing';
import {
  serverConnections,
  startServer,
  stopServer,
  storedMessages,
  type TestServerInfo,
} from '../../../test/support/server.js';
import { createChatClient, type ChatClient, type ChatClientOptions } from './index.js';
import { wipeSite } from './storage/chat-store.js';

/** A WebSocket whose server is never there: the tab holding it queues and waits. */
const Unreachable = class extends WebSocket {
  constructor() {
    super('ws://127.0.0.1:9/');
  }
} as unknown as typeof WebSocket;

/**
 * A WebSocket that makes the server refuse the sends whose text `refuse` picks (it names an upload that is not
 * the visitor's, which the server refuses with the message's id): a failure that does not depend on content rules.
 */
function refusingSocket(refuse: (text: string) => boolean) {
  return class RefusingWebSocket extends WebSocket {
    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      const frame = typeof data === 'string' ? (JSON.parse(data) as { type: string; body?: { text?: string } }) : null;
      if (frame?.type === 'send' && refuse(frame.body?.text ?? '')) {
        const body = {
          kind: 'attachment',
          upload: 'u_notyours0000000000000000',
          name: 'x.txt',
          mime: 'text/plain',
          size: 1,
        };
        return super.send(JSON.stringify({ ...frame, body }));
      }
      super.send(data);
    }
  } as typeof WebSocket;
}

describe('@parlor/core client: the leader tab goes away with messages queued', function () {
  this.timeout(30_000);
  let server: TestServerInfo;
  const clients: ChatClient[] = [];
  const make = (options: Partial<ChatClientOptions> = {}) => {
    const client = createChatClient({ siteId: server.siteId, server: server.url, ...options });
    clients.push(client);
    client.subscribe(() => {});
    return client;
  };
  const texts = (client: ChatClient) =>
    client
      .getSnapshot()
      .timeline.stored.filter((m) => m.author.role === 'visitor')
      .map((m) => (m.body.kind === 'text' ? m.body.text : ''));
  const stored = async (client: ChatClient) => {
    const conversation = client.getSnapshot().conversation?.id;
    if (!conversation) return [];
    return (await storedMessages(server, conversation)).filter((r) => r.role === 'visitor').map((r) => r.body.text);
  };
  /** The first tab, leading but unable to reach the server, then `followers` more tabs that follow it. */
  const tabs = async (
    followers: number,
    options: Partial<ChatClientOptions> = {},
    leaderEnvironment: ChatClientOptions['environment'] = {},
  ) => {
    const leader = make({ ...options, environment: { ...leaderEnvironment, WebSocket: Unreachable } });
    leader.connect();
    await waitUntil(() => leader.getSnapshot().tab === 'leader', 'the first tab leads');
    const rest = Array.from({ length: followers }, () => make(options));
    for (const tab of rest) tab.connect();
    await waitUntil(() => rest.every((t) => t.getSnapshot().tab === 'follower'), 'the others follow');
    return { leader, rest };
  };

  before(async () => {
    server = await startServer({
      siteId: 'handover',
      limits: { messagesPerSecond: 1000, messageBurst: 1000, framesPerSecond: 2000 },
    });
  });
  after(() => stopServer(server));
  beforeEach(() => wipeSite(server.siteId));
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await wipeSite(server.siteId);
  });

  it('the next leader sends what the closed leader queued in the shared IndexedDB outbox', async () => {
    const { leader, rest } = await tabs(1);
    for (const text of ['one', 'two', 'three']) await leader.send(text); // each resolves once written
    expect(leader.getSnapshot().storage).to.equal('indexeddb');
    leader.destroy(); // the tab closes: the lock passes on
    const [next] = rest as [ChatClient];
    await waitUntil(() => texts(next).length === 3, 'the next leader sent them', { timeout: 10_000 });
    expect(next.getSnapshot().tab).to.equal('leader');
    expect(await stored(next)).to.deep.equal(['one', 'two', 'three']);
    expect(texts(next)).to.deep.equal(['one', 'two', 'three']);
    expect(next.getSnapshot().timeline.pending).to.deep.equal([]);
  });

  it('a message whose write had not reached the shared outbox when the leader went is sent by the next one', async () => {
    // The leader's own writes land in a database no other tab reads: to the others, they never committed.
    const elsewhere = {
      open: (name: string, version?: number) =>
        version === undefined ? indexedDB.open(`${name}:elsewhere`) : indexedDB.open(`${name}:elsewhere`, version),
      deleteDatabase: (name: string) => indexedDB.deleteDatabase(`${name}:elsewhere`),
      databases: () => indexedDB.databases(),
      cmp: (a: unknown, b: unknown) => indexedDB.cmp(a, b),
    } as unknown as IDBFactory;
    const { leader, rest } = await tabs(1, {}, { indexedDB: elsewhere });
    void leader.send('sent as the tab closed');
    leader.destroy(); // in the same task: the write has not even started
    const [next] = rest as [ChatClient];
    await waitUntil(() => texts(next).length === 1, 'the next leader sent it', { timeout: 10_000 });
    expect(await stored(next)).to.deep.equal(['sent as the tab closed']);
  });

  it('without IndexedDB, the next leader sends what the closed leader held in memory', async () => {
    const { leader, rest } = await tabs(1, { storage: 'memory' });
    for (const text of ['one', 'two', 'three']) await leader.send(text);
    expect(leader.getSnapshot().storage).to.equal('memory');
    leader.destroy();
    const [next] = rest as [ChatClient];
    await waitUntil(() => texts(next).length === 3, 'the next leader sent them', { timeout: 10_000 });
    expect(await stored(next)).to.deep.equal(['one', 'two', 'three']);
  });

  it('without IndexedDB, a follower’s message handed to a leader that closes is sent by the next one', async () => {
    const { leader, rest } = await tabs(2, { storage: 'memory' });
    const [next, writer] = rest as [ChatClient, ChatClient];
    await leader.send('from the leader');
    await writer.send('from a follower');
    leader.destroy();
    await waitUntil(() => texts(next).length === 2, 'the next leader sent both', { timeout: 10_000 });
    expect(next.getSnapshot().tab).to.equal('leader', 'the first in line leads, not the writer');
    expect(await stored(next)).to.deep.equal(['from the leader', 'from a follower']);
    await waitUntil(() => texts(writer).length === 2, 'the writer sees both stored');
    expect(writer.getSnapshot().timeline.pending).to.deep.equal([]);
  });

  it('a tab that loses the lock drops its socket, so only the tab holding it ever sends', async () => {
    const first = make();
    await first.send('hello');
    await waitUntil(() => first.getSnapshot().timeline.pending.length === 0, 'acked');
    const second = make();
    second.connect();
    await waitUntil(() => second.getSnapshot().tab === 'follower', 'the second tab follows');
    expect((await serverConnections(server)).visitor).to.equal(1);
    // Someone else takes the lock from the leader (as a page on its way into the back/forward cache gives it up).
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let taken: () => void = () => undefined;
    const stolen = new Promise<void>((resolve) => (taken = resolve));
    void navigator.locks.request(`tab-group:parlor:${server.siteId}:anonymous`, { steal: true }, () => {
      taken();
      return held;
    });
    await stolen;
    try {
      await waitUntil(async () => (await serverConnections(server)).visitor === 0, 'its socket is gone');
      await waitUntil(() => first.getSnapshot().tab === 'follower', 'the old leader steps down');
    } finally {
      release(); // a failing check must not keep the lock from the tests after it
    }
    await waitUntil(() => [first, second].some((t) => t.getSnapshot().tab === 'leader'), 'a tab leads again');
    const leader = [first, second].find((t) => t.getSnapshot().tab === 'leader')!;
    const other = leader === first ? second : first;
    await other.send('after the hand-over');
    await waitUntil(() => texts(leader).includes('after the hand-over'), 'sent through the new leader');
    expect(await stored(leader)).to.deep.equal(['hello', 'after the hand-over']);
    expect((await serverConnections(server)).visitor).to.equal(1);
  });

  it('a message retried in a follower is sent again by the leader', async () => {
    let refusals = 0;
    const leader = make({
      environment: { WebSocket: refusingSocket((t) => t === 'refused once' && refusals++ === 0) },
    });
    await leader.send('hello');
    await waitUntil(() => leader.getSnapshot().timeline.pending.length === 0, 'acked');
    const follower = make();
    follower.connect();
    await waitUntil(() => follower.getSnapshot().tab === 'follower', 'the second tab follows');
    const id = await follower.send('refused once');
    await waitUntil(
      () => follower.getSnapshot().timeline.pending.some((p) => p.id === id && p.state === 'failed'),
      'failed',
    );
    await follower.retry(id);
    await waitUntil(() => texts(follower).includes('refused once'), 'stored on retry', { timeout: 10_000 });
    expect(await stored(leader)).to.deep.equal(['hello', 'refused once']);
  });

  it('a message discarded in one tab is not brought back by a tab that held a copy', async () => {
    const leader = make({ environment: { WebSocket: refusingSocket((t) => t === 'always refused') } });
    await leader.send('hello');
    await waitUntil(() => leader.getSnapshot().timeline.pending.length === 0, 'acked');
    const [next, writer] = [make(), make()];
    for (const tab of [next, writer]) tab.connect();
    await waitUntil(() => [next, writer].every((t) => t.getSnapshot().tab === 'follower'), 'both follow');
    const id = await writer.send('always refused');
    await waitUntil(
      () => writer.getSnapshot().timeline.pending.some((p) => p.id === id && p.state === 'failed'),
      'failed',
    );
    await writer.discard(id);
    leader.destroy();
    await waitUntil(() => next.getSnapshot().tab === 'leader', 'the next tab leads');
    await next.send('after the discard');
    await waitUntil(() => texts(next).includes('after the discard'), 'sent');
    await waitUntil(() => next.getSnapshot().timeline.pending.length === 0, 'nothing pending in the new leader');
    // The next page reads the shared outbox: the discarded message is not in it.
    const later = make({ shareTabs: false });
    later.connect();
    await waitUntil(() => later.getSnapshot().connection.status === 'open', 'open');
    expect(later.getSnapshot().timeline.pending).to.deep.equal([]);
    expect(await stored(next)).to.deep.equal(['hello', 'after the discard']);
  });
});
