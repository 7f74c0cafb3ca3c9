import { cacheLimitOf, trimmedCache, withEntry, withPatch, withoutEntries } from '../internal/store-records.js';
import type { CachedConversation, ChatStore, OutboxEntry, SessionRecord } from './chat-store.js';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Most messages {@link ChatStore.writeCache} keeps (the newest). Default: 100. */
  cacheLimit?: number;
}

/**
 * Creates a {@link ChatStore} that keeps everything in this page's memory (`kind: 'memory'`).
 *
 * It is what {@link openChatStore} falls back to when IndexedDB is missing (SSR), blocked or broken
 * (some private modes), and it behaves the same in every respect but one: nothing outlives the page.
 * Each call makes a new, empty store; two stores never share data, so a server rendering for many
 * visitors in one process cannot leak one visitor's outbox to another. Values are copied in and out
 * (`structuredClone`) as IndexedDB copies them, so callers cannot change stored records by mutating
 * what they passed or got back.
 *
 * @param options - How many cached messages to keep.
 * @throws RangeError when `cacheLimit` is not a whole number ≥ 0.
 * @returns An empty memory store.
 *
 * @example
 * ```ts
 * // Server-side rendering, or a test that needs no browser storage:
 * const store = createMemoryStore();
 * await store.enqueue({ id: uuidv7(), body: { kind: 'text', text: 'Hi' }, createdAt: Date.now(), state: 'pending' });
 * ```
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): ChatStore {
  const cacheLimit = cacheLimitOf(options.cacheLimit);
  let outbox: OutboxEntry[] = [];
  let cache: CachedConversation | null = null;
  let session: SessionRecord | null = null;

  // Every method is async like the IndexedDB store's, so callers cannot come to rely on an order
  // the real store does not give.
  return {
    kind: 'memory',
    async outbox() {
      return structuredClone(outbox);
    },
    async enqueue(entry) {
      outbox = withEntry(outbox, structuredClone(entry));
    },
    async updateEntry(id, patch) {
      outbox = withPatch(outbox, id, structuredClone(patch));
    },
    async remove(...ids) {
      outbox = withoutEntries(outbox, ids);
    },
    async readCache() {
      return structuredClone(cache);
    },
    async writeCache(next) {
      cache = trimmedCache(structuredClone(next), cacheLimit);
    },
    async readSession() {
      return structuredClone(session);
    },
    async writeSession(next) {
      session = structuredClone(next);
    },
    async wipe() {
      outbox = [];
      cache = null;
      session = null;
    },
  };
}
