import { clear, del, delMany, get, keys, promisifyRequest, set, update } from 'idb-keyval';
import type { Connection } from '../internal/idb-connection.js';
import { connect, deleteDatabase, timeBox } from '../internal/idb-connection.js';
import { cacheLimitOf, trimmedCache, withEntry, withPatch, withoutEntries } from '../internal/store-records.js';
import type { CachedConversation, ChatStore, OutboxEntry, SessionRecord } from './chat-store.js';

// Layout: one database per (site, identity), one object store, three keys.
//
// - `outbox`: ONE key holding every unacked entry as an array sorted by id. Each change is one
//   idb-keyval `update()` — get and put in a single readwrite transaction — and IndexedDB runs
//   readwrite transactions on the same store one after another, across connections and tabs, so two
//   tabs appending at once cannot lose each other's entries. One key rather than one key per entry
//   because (a) reading the outbox in send order is one `get`, with no key range to keep apart from
//   the cache and session keys; (b) `updateEntry` on an entry another tab has just acked maps over
//   what is there and cannot resurrect it, where a per-entry `update()` would write `undefined` back
//   under the removed key; (c) the outbox is short (messages written while offline), so rewriting
//   the array costs less than the transaction: in headless Chromium one enqueue takes ~0.9 ms on a
//   near-empty outbox and ~1.6 ms averaged over growing it from 0 to 500 entries.
// - `cache`: the recent history, overwritten whole with `set` (last writer wins is right for a cache).
// - `session`: the session record, overwritten whole or deleted.

const STORE = 'parlor';
const OUTBOX = 'outbox';
const CACHE = 'cache';
const SESSION = 'session';
const PROBE = 'probe';

// Browsers without `indexedDB.databases()` (Firefox before 126) cannot list databases, so we keep
// their names in a registry database of our own and read it back in `wipeSite`.
const REGISTRY = 'parlor:registry:v1';
const REGISTRY_STORE = 'databases';

/** Options of {@link openIndexedDbStore}. */
export interface IndexedDbStoreOptions {
  /** Where the database lives. */
  indexedDB: IDBFactory;
  /** The database name, already free of personal data. */
  name: string;
  /** Most messages the cache keeps. Default: 100. */
  cacheLimit?: number;
  /** How long opening may take before IndexedDB is declared broken, in ms. */
  timeout: number;
}

/** Whether `factory` can list its databases itself; if not, we register names ourselves. */
function canListDatabases(factory: IDBFactory): boolean {
  return typeof factory.databases === 'function';
}

/** Runs `work` on the registry, closing it afterwards so it never blocks a deletion. */
async function withRegistry<T>(
  factory: IDBFactory,
  ms: number,
  work: (connection: Connection) => Promise<T>,
): Promise<T> {
  const registry = connect(factory, REGISTRY, REGISTRY_STORE, ms);
  try {
    return await work(registry);
  } finally {
    registry.close();
  }
}

/**
 * Opens (or creates) the database `name` and returns a {@link ChatStore} over it (`kind: 'indexeddb'`).
 *
 * Before answering it proves the database can be written — a put and a delete in one transaction,
 * time-boxed — because some private modes open IndexedDB fine and then refuse every write. After
 * that the connection is kept, reopened on the next call if the browser or another tab closes it.
 *
 * @param options - The factory, the database name and limits.
 * @returns The store, once a write has succeeded.
 * @throws Whatever made IndexedDB unusable (a `TimeoutError` if it never answered); {@link openChatStore}
 * turns this into a memory store.
 *
 * @example
 * ```ts
 * const store = await openIndexedDbStore({ indexedDB, name: 'parlor:v1:acme:anonymous', timeout: 1000 });
 * ```
 */
export async function openIndexedDbStore(options: IndexedDbStoreOptions): Promise<ChatStore> {
  const { indexedDB: factory, name, timeout } = options;
  const cacheLimit = cacheLimitOf(options.cacheLimit);
  const register = canListDatabases(factory)
    ? undefined
    : () => withRegistry(factory, timeout, (registry) => set(name, Date.now(), registry.use));
  const connection = connect(factory, name, STORE, timeout, register);
  const { use } = connection;

  try {
    await timeBox(
      use('readwrite', (store) => {
        store.put(Date.now(), PROBE);
        store.delete(PROBE);
        return promisifyRequest(store.transaction);
      }),
      timeout,
      'the IndexedDB write check',
    );
  } catch (error) {
    connection.close();
    throw error;
  }

  return {
    kind: 'indexeddb',
    async outbox() {
      return (await get<OutboxEntry[]>(OUTBOX, use)) ?? [];
    },
    enqueue(entry) {
      return update<OutboxEntry[]>(OUTBOX, (outbox) => withEntry(outbox ?? [], entry), use);
    },
    updateEntry(id, patch) {
      return update<OutboxEntry[]>(OUTBOX, (outbox) => withPatch(outbox ?? [], id, patch), use);
    },
    remove(...ids) {
      return update<OutboxEntry[]>(OUTBOX, (outbox) => withoutEntries(outbox ?? [], ids), use);
    },
    async readCache() {
      return (await get<CachedConversation>(CACHE, use)) ?? null;
    },
    writeCache(cache) {
      return set(CACHE, trimmedCache(cache, cacheLimit), use);
    },
    async readSession() {
      return (await get<SessionRecord>(SESSION, use)) ?? null;
    },
    writeSession(session) {
      return session === null ? del(SESSION, use) : set(SESSION, session, use);
    },
    async wipe() {
      // Clearing first makes the data unreadable at once, in one transaction, even if the deletion
      // below has to wait for a connection outside our control.
      await clear(use);
      connection.close();
      await deleteDatabase(factory, name, timeout);
    },
  };
}

/**
 * Lists the databases on `factory` whose names start with `prefix`: from `indexedDB.databases()`
 * where the browser has it, else from Parlor's registry database.
 *
 * @param factory - Where to look.
 * @param prefix - The name prefix, e.g. `parlor:v1:acme:`.
 * @param timeout - How long the registry may take to open, in ms.
 * @returns The matching names.
 *
 * @example
 * ```ts
 * const names = await listDatabases(indexedDB, 'parlor:v1:acme:', 1000);
 * ```
 */
export async function listDatabases(factory: IDBFactory, prefix: string, timeout: number): Promise<string[]> {
  const all = canListDatabases(factory)
    ? (await factory.databases()).map((info) => info.name ?? '')
    : await withRegistry(factory, timeout, (registry) => keys<string>(registry.use));
  return all.filter((name) => name.startsWith(prefix));
}

/**
 * Deletes the named databases on `factory`, and their registry entries where the registry is used.
 *
 * @param factory - Where they live.
 * @param names - The database names, as {@link listDatabases} returned them.
 * @param timeout - How long to wait on a deletion that something outside Parlor blocks, in ms.
 *
 * @example
 * ```ts
 * await deleteDatabases(indexedDB, await listDatabases(indexedDB, 'parlor:v1:acme:', 1000), 1000);
 * ```
 */
export async function deleteDatabases(factory: IDBFactory, names: readonly string[], timeout: number): Promise<void> {
  await Promise.all(names.map((name) => deleteDatabase(factory, name, timeout)));
  if (!canListDatabases(factory) && names.length > 0) {
    await withRegistry(factory, timeout, (registry) => delMany([...names], registry.use));
  }
}
