import type { Body, ConversationState, Message } from '../protocol/types.js';
import { deleteDatabases, listDatabases, openIndexedDbStore } from './indexeddb-store.js';
import { createMemoryStore } from './memory-store.js';
import { wipeUnsent } from './unsent.js';

/** A message the visitor sent that the server has not acked yet. It leaves the outbox only on ack (or discard). */
export interface OutboxEntry {
  /** The client id, a UUIDv7: entries are sent in id order, and the server dedupes by it. */
  id: string;
  /** The conversation it goes to; absent for the message that starts one. */
  conversation?: string;
  /** What the visitor wrote. */
  body: Body;
  /** When the visitor pressed send, in ms since the Unix epoch. */
  createdAt: number;
  /** `pending` until acked; `failed` once the server refused it for good (it stays until discarded). */
  state: 'pending' | 'failed';
  /** Why it failed, as the server said. */
  error?: { code: string; message: string };
}

/** The recent history kept so a reload renders at once, before the socket is back. */
export interface CachedConversation {
  /** The conversation as last seen. */
  conversation: ConversationState;
  /** Its newest messages, in seq order. */
  messages: Message[];
}

/** What a client keeps about its session (never secrets of the site; the anonymous resume token is the visitor's own). */
export interface SessionRecord {
  /** The server's id for this visitor. */
  visitorId: string;
  /** The anonymous visitor's resume token. */
  visitorToken?: string;
}

/**
 * Where one visitor's client keeps its outbox, recent history and session on this browser: IndexedDB
 * (`kind: 'indexeddb'`) or, when that is unavailable, this page's memory (`kind: 'memory'`).
 *
 * Every method is atomic on its own. Two stores on the same database (two tabs, or a reloading page
 * and the page it replaces) can write at the same time without losing each other's entries.
 */
export interface ChatStore {
  /** Which backend holds the data; `memory` means nothing survives the page, and the UI may say so. */
  readonly kind: 'indexeddb' | 'memory';
  /** Returns every unacked entry, in send order (by id). */
  outbox(): Promise<OutboxEntry[]>;
  /** Adds `entry` in id order, atomically (one transaction); an entry with the same id is replaced. */
  enqueue(entry: OutboxEntry): Promise<void>;
  /**
   * Changes entry `id`; does nothing if it is gone (acked meanwhile). Setting `state: 'pending'`
   * without an `error` clears the previous error.
   */
  updateEntry(id: string, patch: Partial<Pick<OutboxEntry, 'state' | 'error' | 'conversation'>>): Promise<void>;
  /**
   * Removes the entries `ids` (acked or discarded) in one atomic write; ids already gone are skipped.
   * A client that drains a long outbox removes the acked entries in batches this way, rather than
   * rewriting the outbox once per ack.
   */
  remove(...ids: string[]): Promise<void>;
  /** Returns the cached history, or `null` if none was written. */
  readCache(): Promise<CachedConversation | null>;
  /** Replaces the cached history, keeping at most the newest N (default 100) messages. */
  writeCache(cache: CachedConversation): Promise<void>;
  /** Returns the session record, or `null`. */
  readSession(): Promise<SessionRecord | null>;
  /** Replaces the session record; `null` deletes it. */
  writeSession(session: SessionRecord | null): Promise<void>;
  /** Deletes everything this store holds (logout on a shared computer). */
  wipe(): Promise<void>;
}

/** Options of {@link openChatStore}. */
export interface OpenChatStoreOptions {
  /** The site id, as configured on the server. */
  siteId: string;
  /**
   * Whose store it is: `'anonymous'`, or a stable key for an identified user (it is hashed, never
   * written into a database name as is).
   */
  identity: string;
  /**
   * The IndexedDB to use. Defaults to the global one; `null` means there is none (SSR, blocked
   * storage) and gives a memory store.
   */
  indexedDB?: IDBFactory | null;
  /** Most messages the cache keeps (the newest). Default: 100. */
  cacheLimit?: number;
}

// How long IndexedDB may take to open and accept a write before we call it broken and use memory.
// Healthy browsers answer in a few ms; the ones that hang (Safari's start-up bug, some private modes)
// never answer at all, so waiting longer only delays the first render.
const OPEN_TIMEOUT_MS = 1000;

/** The name prefix of every database of `siteId`; the site is encoded so no id can be a prefix of another. */
function sitePrefix(siteId: string): string {
  return `parlor:v1:${encodeURIComponent(siteId)}:`;
}

/**
 * The database name for (site, identity). An identified user appears only as a SHA-256 of their key,
 * since database names are visible to anyone with the browser's devtools or profile folder.
 */
async function databaseName(siteId: string, identity: string): Promise<string> {
  if (identity === 'anonymous') return `${sitePrefix(siteId)}anonymous`;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(identity));
  const hex = Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${sitePrefix(siteId)}${hex}`;
}

/** The injected factory, else the global one if there is one and it may be touched. */
function factoryOf(injected: IDBFactory | null | undefined): IDBFactory | null {
  if (injected !== undefined) return injected;
  try {
    return typeof indexedDB === 'undefined' ? null : indexedDB;
  } catch {
    // Reading the global throws SecurityError in some sandboxed frames.
    return null;
  }
}

/**
 * Opens the store of one visitor of one site on this browser: IndexedDB when it works, memory
 * otherwise (`kind` says which).
 *
 * Each (site, identity) gets its own database, so an identified user never sees the anonymous
 * visitor's outbox on the same computer, and logging one out cannot touch another. Storage being
 * unavailable is a normal state, not an error: without an `indexedDB` global (SSR), with
 * `indexedDB: null`, when opening throws, fails or does not answer within a second (private modes,
 * blocked storage), when the first write is refused, or without `crypto.subtle` to hash an identity
 * (pages not served over HTTPS), this resolves to a memory store and never rejects.
 *
 * @param options - The site, the identity, and optionally the `IDBFactory` and cache size.
 * @returns The store; check `kind` to know whether messages will survive a reload.
 * @throws RangeError when `cacheLimit` is not a whole number ≥ 0 (a programming error, not storage).
 *
 * @example
 * ```ts
 * const store = await openChatStore({ siteId: 'acme', identity: 'anonymous' });
 * if (store.kind === 'memory') console.info('Unsent messages will not survive a reload.');
 * const id = uuidv7();
 * await store.enqueue({ id, body: { kind: 'text', text: 'Hello' }, createdAt: Date.now(), state: 'pending' });
 * // …send it; once the server acks:
 * await store.remove(id);
 * ```
 */
export async function openChatStore(options: OpenChatStoreOptions): Promise<ChatStore> {
  const memory = createMemoryStore(options.cacheLimit === undefined ? {} : { cacheLimit: options.cacheLimit });
  const factory = factoryOf(options.indexedDB);
  if (factory === null) return memory;
  try {
    const name = await databaseName(options.siteId, options.identity);
    return await openIndexedDbStore({
      indexedDB: factory,
      name,
      timeout: OPEN_TIMEOUT_MS,
      ...(options.cacheLimit === undefined ? {} : { cacheLimit: options.cacheLimit }),
    });
  } catch {
    // Unusable storage is expected (see above); the caller learns of it from `kind`, not an error.
    return memory;
  }
}

/**
 * Whether this browser holds any Parlor store of a site (any identity). Only looks: nothing is opened
 * or created, so a client can tell a returning visitor without writing anything for a new one.
 */
export async function hasSiteStore(siteId: string, indexedDB?: IDBFactory | null): Promise<boolean> {
  const factory = factoryOf(indexedDB);
  if (factory === null) return false;
  try {
    return (await listDatabases(factory, sitePrefix(siteId), OPEN_TIMEOUT_MS)).length > 0;
  } catch {
    return false;
  }
}

/**
 * Deletes every Parlor store of a site on this browser, all identities (logout), and the messages a
 * closing page kept in Web Storage because their outbox write had not committed.
 *
 * Parlor's own open connections, in this tab and others, close themselves when asked to, so the
 * deletion is not blocked by them; their next use starts again from an empty database. A connection
 * held by code outside Parlor can only delay it: the browser finishes the deletion when that connection
 * closes, and this resolves after a short wait instead of hanging. Memory stores are not reached: call
 * {@link ChatStore.wipe} on a live one. Storage that cannot be reached holds nothing of ours, so this
 * resolves then too.
 *
 * @param siteId - The site whose stores to delete.
 * @param indexedDB - Injected factory; `null` means there is no IndexedDB (nothing to do). Defaults to
 * the global one.
 * @returns Once the databases are deleted.
 *
 * @example
 * ```ts
 * logoutButton.addEventListener('click', async () => {
 *   await wipeSite('acme');
 * });
 * ```
 */
export async function wipeSite(siteId: string, indexedDB?: IDBFactory | null): Promise<void> {
  wipeUnsent(siteId);
  const factory = factoryOf(indexedDB);
  if (factory === null) return;
  let names: string[];
  try {
    names = await listDatabases(factory, sitePrefix(siteId), OPEN_TIMEOUT_MS);
  } catch {
    return;
  }
  await deleteDatabases(factory, names, OPEN_TIMEOUT_MS);
}
