import type { CachedConversation, OutboxEntry } from '../storage/chat-store.js';

// The record rules both stores share, as pure functions over plain values: the IndexedDB store runs
// them inside idb-keyval's `update()` callback, the memory store on its own copy.

/**
 * Returns `outbox` with `entry` in id order. An entry with the same id replaces the old one, so
 * enqueueing twice (a retry after a crash) never doubles a message.
 */
export function withEntry(outbox: readonly OutboxEntry[], entry: OutboxEntry): OutboxEntry[] {
  const next = outbox.filter((e) => e.id !== entry.id);
  // Ids are UUIDv7 minted in send order, so the new entry almost always goes last: search from the end.
  let at = next.length;
  while (at > 0 && (next[at - 1]?.id ?? '') > entry.id) at--;
  next.splice(at, 0, entry);
  return next;
}

/**
 * Returns `outbox` with `patch` applied to entry `id`, or `outbox` unchanged when the entry is gone
 * (acked or discarded meanwhile: a late patch must not bring it back). Going back to `pending` drops a
 * previous `error`, since an entry being retried has not failed.
 */
export function withPatch(
  outbox: readonly OutboxEntry[],
  id: string,
  patch: Partial<Pick<OutboxEntry, 'state' | 'error' | 'conversation'>>,
): OutboxEntry[] {
  return outbox.map((entry) => {
    if (entry.id !== id) return entry;
    const next: OutboxEntry = { ...entry, ...patch };
    if (patch.state === 'pending' && patch.error === undefined) delete next.error;
    return next;
  });
}

/** Returns `outbox` without the entries `ids`. */
export function withoutEntries(outbox: readonly OutboxEntry[], ids: readonly string[]): OutboxEntry[] {
  const gone = new Set(ids);
  return outbox.filter((entry) => !gone.has(entry.id));
}

/** Returns `cache` keeping only its newest `limit` messages (highest seq), in seq order. */
export function trimmedCache(cache: CachedConversation, limit: number): CachedConversation {
  const messages = [...cache.messages].sort((a, b) => a.seq - b.seq);
  return { conversation: cache.conversation, messages: limit > 0 ? messages.slice(-limit) : [] };
}

/** How many messages a cache keeps unless told otherwise. */
export const DEFAULT_CACHE_LIMIT = 100;

/** Checks a `cacheLimit` option: a whole number ≥ 0, or undefined for the default. */
export function cacheLimitOf(value: number | undefined): number {
  if (value === undefined) return DEFAULT_CACHE_LIMIT;
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`cacheLimit must be a whole number ≥ 0, got ${value}`);
  return value;
}
