import { expect } from '@open-wc/testing';
import type { Message } from '../protocol/index.js';
import { uuidv7 } from '../uuid-v7.js';
import type { CachedConversation, ChatStore, OutboxEntry } from './chat-store.js';
import { openChatStore, wipeSite } from './chat-store.js';

// Real IndexedDB in Chromium, never a fake: the guarantees under test (atomic appends across tabs,
// data surviving a reload, deletion not being blocked) are properties of the real thing.

let counter = 0;
const sites: string[] = [];
/** A site id no other test uses, deleted after the test. */
const newSite = (): string => {
  const site = `t${Date.now().toString(36)}-${counter++}`;
  sites.push(site);
  return site;
};

const entry = (text: string, extra: Partial<OutboxEntry> = {}): OutboxEntry => ({
  id: uuidv7(),
  body: { kind: 'text', text },
  createdAt: Date.now(),
  state: 'pending',
  ...extra,
});

const C = 'c_AAAAAAAAAAAAAAAAAAAAAA';
const message = (seq: number): Message => ({
  conversation: C,
  seq,
  id: `m${seq}`,
  author: { role: 'agent' },
  body: { kind: 'text', text: `#${seq}` },
  at: seq,
});
const cacheOf = (seqs: number[]): CachedConversation => ({
  conversation: { id: C, status: 'open', epoch: 1, lastSeq: Math.max(0, ...seqs), visitorReadSeq: 0, agentReadSeq: 0 },
  messages: seqs.map(message),
});

const texts = (outbox: OutboxEntry[]) => outbox.map((e) => (e.body.kind === 'text' ? e.body.text : e.body.name));
const ids = (outbox: OutboxEntry[]) => outbox.map((e) => e.id);
const sorted = (values: string[]) => [...values].sort();

/** The names of this browser's databases that belong to `site`. */
const databasesOf = async (site: string) =>
  (await indexedDB.databases()).map((d) => d.name ?? '').filter((name) => name.startsWith(`parlor:v1:${site}:`));

/** The real factory without `databases()`, as in browsers that lack it (Firefox before 126). */
const withoutListing = (): IDBFactory =>
  ({
    open: (name: string, version?: number) =>
      version === undefined ? indexedDB.open(name) : indexedDB.open(name, version),
    deleteDatabase: (name: string) => indexedDB.deleteDatabase(name),
    cmp: (a: unknown, b: unknown) => indexedDB.cmp(a, b),
  }) as unknown as IDBFactory;

afterEach(async () => {
  await Promise.all(sites.splice(0).map((site) => wipeSite(site)));
});

interface Kind {
  kind: ChatStore['kind'];
  open(siteId: string, identity?: string, cacheLimit?: number): Promise<ChatStore>;
  /** A second store on the same data as `first`: a second tab for IndexedDB, the same store for memory. */
  twin(first: ChatStore, siteId: string): Promise<ChatStore>;
}

const kinds: Kind[] = [
  {
    kind: 'indexeddb',
    open: (siteId, identity = 'anonymous', cacheLimit) =>
      openChatStore({ siteId, identity, ...(cacheLimit === undefined ? {} : { cacheLimit }) }),
    twin: (_first, siteId) => openChatStore({ siteId, identity: 'anonymous' }),
  },
  {
    kind: 'memory',
    open: (siteId, identity = 'anonymous', cacheLimit) =>
      openChatStore({ siteId, identity, indexedDB: null, ...(cacheLimit === undefined ? {} : { cacheLimit }) }),
    twin: async (first) => first,
  },
];

for (const { kind, open, twin } of kinds) {
  describe(`ChatStore (${kind})`, () => {
    it(`opens as ${kind} and starts empty`, async () => {
      const store = await open(newSite());
      expect(store.kind).to.equal(kind);
      expect(await store.outbox()).to.deep.equal([]);
      expect(await store.readCache()).to.equal(null);
      expect(await store.readSession()).to.equal(null);
    });

    it('returns the outbox in send order, whatever order entries were written in', async () => {
      const store = await open(newSite());
      const [a, b, c] = [entry('a'), entry('b'), entry('c')];
      await store.enqueue(c);
      await store.enqueue(a);
      await store.enqueue(b);
      expect(texts(await store.outbox())).to.deep.equal(['a', 'b', 'c']);
      expect(await store.outbox()).to.deep.equal([a, b, c]);
    });

    it('does not double an entry enqueued twice (a retry after a crash)', async () => {
      const store = await open(newSite());
      const a = entry('a');
      await store.enqueue(a);
      await store.enqueue({ ...a, conversation: C });
      expect(await store.outbox()).to.deep.equal([{ ...a, conversation: C }]);
    });

    it('marks an entry failed with the reason, and clears the reason on retry', async () => {
      const store = await open(newSite());
      const [a, b] = [entry('a'), entry('b')];
      await store.enqueue(a);
      await store.enqueue(b);
      await store.updateEntry(a.id, { state: 'failed', error: { code: 'too_large', message: 'Too long' } });
      await store.updateEntry(b.id, { conversation: C });
      expect(await store.outbox()).to.deep.equal([
        { ...a, state: 'failed', error: { code: 'too_large', message: 'Too long' } },
        { ...b, conversation: C },
      ]);

      await store.updateEntry(a.id, { state: 'pending' });
      expect((await store.outbox())[0]).to.deep.equal(a);
    });

    it('removes an acked entry, and a late update cannot bring it back', async () => {
      const store = await open(newSite());
      const [a, b] = [entry('a'), entry('b')];
      await store.enqueue(a);
      await store.enqueue(b);
      await store.remove(a.id);
      await store.updateEntry(a.id, { state: 'failed' });
      await store.remove(a.id);
      expect(await store.outbox()).to.deep.equal([b]);
    });

    it('keeps all 400 entries, in id order, when two stores enqueue 200 each at once', async () => {
      const site = newSite();
      const first = await open(site);
      const second = await twin(first, site);
      const entries = Array.from({ length: 400 }, (_, i) => entry(`m${i}`));
      // Interleaved: even ones through the first store, odd ones through the second, all in flight together.
      await Promise.all(entries.map((e, i) => (i % 2 === 0 ? first : second).enqueue(e)));
      const expected = sorted(entries.map((e) => e.id));
      expect(ids(await first.outbox())).to.deep.equal(expected);
      expect(ids(await second.outbox())).to.deep.equal(expected);
      expect(expected).to.deep.equal(entries.map((e) => e.id)); // uuidv7 order is creation order
    });

    it('gives out copies: changing what was read or written does not change the store', async () => {
      const store = await open(newSite());
      const a = entry('a');
      await store.enqueue(a);
      a.state = 'failed';
      const [read] = await store.outbox();
      read!.state = 'failed';
      expect((await store.outbox())[0]?.state).to.equal('pending');
    });

    it('keeps only the newest N cached messages, in seq order, and reads back what it kept', async () => {
      const store = await open(newSite(), 'anonymous', 3);
      await store.writeCache(cacheOf([5, 1, 4, 2, 3]));
      expect(await store.readCache()).to.deep.equal(cacheOf([3, 4, 5]));

      const roomy = await open(newSite());
      const many = cacheOf(Array.from({ length: 150 }, (_, i) => i + 1));
      await roomy.writeCache(many);
      const kept = await roomy.readCache();
      expect(kept?.conversation).to.deep.equal(many.conversation);
      expect(kept?.messages).to.deep.equal(many.messages.slice(50));
    });

    it('writes, replaces and deletes the session record', async () => {
      const store = await open(newSite());
      await store.writeSession({ visitorId: 'v_1' });
      expect(await store.readSession()).to.deep.equal({ visitorId: 'v_1' });
      await store.writeSession({ visitorId: 'v_1', visitorToken: 'tok' });
      expect(await store.readSession()).to.deep.equal({ visitorId: 'v_1', visitorToken: 'tok' });
      await store.writeSession(null);
      expect(await store.readSession()).to.equal(null);
    });

    it('wipes everything, and a fresh open sees nothing', async () => {
      const site = newSite();
      const store = await open(site);
      await store.enqueue(entry('a'));
      await store.writeCache(cacheOf([1]));
      await store.writeSession({ visitorId: 'v_1', visitorToken: 'tok' });
      await store.wipe();
      expect(await store.outbox()).to.deep.equal([]);
      expect(await store.readCache()).to.equal(null);
      expect(await store.readSession()).to.equal(null);
      const fresh = await open(site);
      expect(await fresh.outbox()).to.deep.equal([]);
      expect(await fresh.readSession()).to.equal(null);
    });

    it('keeps identities apart: the anonymous visitor and a signed-in user see their own outboxes', async () => {
      const site = newSite();
      const anonymous = await open(site);
      const user = await open(site, 'user-42');
      await anonymous.enqueue(entry('from anonymous'));
      await user.enqueue(entry('from user'));
      expect(texts(await anonymous.outbox())).to.deep.equal(['from anonymous']);
      expect(texts(await user.outbox())).to.deep.equal(['from user']);
    });
  });
}

describe('ChatStore on IndexedDB', () => {
  it('survives a reload: a fresh open on the same site and identity sees the pending entries', async () => {
    const site = newSite();
    const before = await openChatStore({ siteId: site, identity: 'user-42' });
    const [a, b] = [entry('a'), entry('b')];
    await before.enqueue(a);
    await before.enqueue(b);
    await before.updateEntry(b.id, { state: 'failed', error: { code: 'rate_limited', message: 'Slow down' } });
    await before.writeCache(cacheOf([1, 2]));
    await before.writeSession({ visitorId: 'v_1', visitorToken: 'tok' });

    const after = await openChatStore({ siteId: site, identity: 'user-42' });
    expect(after.kind).to.equal('indexeddb');
    expect(await after.outbox()).to.deep.equal([
      a,
      { ...b, state: 'failed', error: { code: 'rate_limited', message: 'Slow down' } },
    ]);
    expect(await after.readCache()).to.deep.equal(cacheOf([1, 2]));
    expect(await after.readSession()).to.deep.equal({ visitorId: 'v_1', visitorToken: 'tok' });
  });

  it('names databases by site and a hash of the identity, never the identity itself', async () => {
    const site = newSite();
    await openChatStore({ siteId: site, identity: 'anonymous' });
    await openChatStore({ siteId: site, identity: 'jane@example.com' });
    const names = sorted(await databasesOf(site));
    expect(names).to.have.length(2);
    expect(names[0]).to.match(new RegExp(`^parlor:v1:${site}:[0-9a-f]{64}$`));
    expect(names[1]).to.equal(`parlor:v1:${site}:anonymous`);
    expect(names.join()).not.to.contain('jane');
  });

  it('deletes the database itself on wipe, so not even its name is left', async () => {
    const site = newSite();
    const store = await openChatStore({ siteId: site, identity: 'user-42' });
    await store.enqueue(entry('a'));
    await store.wipe();
    expect(await databasesOf(site)).to.deep.equal([]);
  });

  it('wipeSite deletes every identity of the site, leaves other sites alone, and open stores carry on empty', async () => {
    const site = newSite();
    const other = newSite();
    const anonymous = await openChatStore({ siteId: site, identity: 'anonymous' });
    const user = await openChatStore({ siteId: site, identity: 'user-42' });
    const neighbour = await openChatStore({ siteId: other, identity: 'anonymous' });
    await anonymous.enqueue(entry('a'));
    await user.enqueue(entry('u'));
    await user.writeSession({ visitorId: 'v_1' });
    await neighbour.enqueue(entry('n'));

    await wipeSite(site); // both stores still hold open connections: it must not be blocked

    expect(await databasesOf(site)).to.deep.equal([]);
    expect(await (await openChatStore({ siteId: site, identity: 'anonymous' })).outbox()).to.deep.equal([]);
    expect(await (await openChatStore({ siteId: site, identity: 'user-42' })).readSession()).to.equal(null);
    expect(await user.outbox()).to.deep.equal([]);
    expect(texts(await neighbour.outbox())).to.deep.equal(['n']);
  });

  it('wipeSite finds the databases through its registry where indexedDB.databases() is missing', async () => {
    const site = newSite();
    const other = newSite();
    const factory = withoutListing();
    const anonymous = await openChatStore({ siteId: site, identity: 'anonymous', indexedDB: factory });
    const user = await openChatStore({ siteId: site, identity: 'user-42', indexedDB: factory });
    const neighbour = await openChatStore({ siteId: other, identity: 'anonymous', indexedDB: factory });
    expect(anonymous.kind).to.equal('indexeddb');
    await anonymous.enqueue(entry('a'));
    await user.enqueue(entry('u'));
    await neighbour.enqueue(entry('n'));

    await wipeSite(site, factory);

    expect(await databasesOf(site)).to.deep.equal([]);
    expect(await databasesOf(other)).to.have.length(1);
    expect(texts(await neighbour.outbox())).to.deep.equal(['n']);
  });

  it('keeps working when its connection is closed under it (another tab upgrades or deletes the database)', async () => {
    const site = newSite();
    const store = await openChatStore({ siteId: site, identity: 'anonymous' });
    await store.enqueue(entry('a'));
    const [name] = await databasesOf(site);

    // An upgrade from elsewhere fires `versionchange`; the store steps aside instead of blocking it.
    const upgrade = indexedDB.open(name!, 50);
    const upgraded = await new Promise<IDBDatabase>((resolve, reject) => {
      upgrade.onsuccess = () => resolve(upgrade.result);
      upgrade.onerror = () => reject(upgrade.error);
    });
    upgraded.close();
    await store.enqueue(entry('b'));
    expect(texts(await store.outbox())).to.deep.equal(['a', 'b']);

    await new Promise<void>((resolve, reject) => {
      const deletion = indexedDB.deleteDatabase(name!);
      deletion.onsuccess = () => resolve();
      deletion.onerror = () => reject(deletion.error);
      deletion.onblocked = () => reject(new Error('blocked by the store'));
    });
    await store.enqueue(entry('c'));
    expect(texts(await store.outbox())).to.deep.equal(['c']);
  });
});

describe('openChatStore without usable IndexedDB', () => {
  const fake = (open: () => unknown): IDBFactory =>
    ({ open, deleteDatabase: () => ({}), databases: async () => [], cmp: () => 0 }) as unknown as IDBFactory;

  it('uses memory when told there is no IndexedDB, and memory still works', async () => {
    const store = await openChatStore({ siteId: newSite(), identity: 'anonymous', indexedDB: null });
    expect(store.kind).to.equal('memory');
    await store.enqueue(entry('a'));
    expect(texts(await store.outbox())).to.deep.equal(['a']);
  });

  it('uses memory when opening throws (some private modes)', async () => {
    const store = await openChatStore({
      siteId: newSite(),
      identity: 'anonymous',
      indexedDB: fake(() => {
        throw new DOMException('The user denied permission to access the database.', 'SecurityError');
      }),
    });
    expect(store.kind).to.equal('memory');
  });

  it('uses memory when opening fails', async () => {
    const store = await openChatStore({
      siteId: newSite(),
      identity: 'anonymous',
      indexedDB: fake(() => {
        const request: { onerror?: () => void; error: DOMException } = {
          error: new DOMException('no', 'InvalidStateError'),
        };
        setTimeout(() => request.onerror?.());
        return request;
      }),
    });
    expect(store.kind).to.equal('memory');
  });

  it('uses memory within the time box when opening never answers', async function () {
    this.timeout(4000);
    const started = performance.now();
    const store = await openChatStore({ siteId: newSite(), identity: 'anonymous', indexedDB: fake(() => ({})) });
    const waited = performance.now() - started;
    expect(store.kind).to.equal('memory');
    expect(waited).to.be.within(900, 1500);
    await store.enqueue(entry('a'));
    expect(texts(await store.outbox())).to.deep.equal(['a']);
  });

  it('wipeSite does nothing, and does not throw, without IndexedDB', async () => {
    await wipeSite(newSite(), null);
  });
});
