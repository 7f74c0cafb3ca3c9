import type { OutboxEntry } from './chat-store.js';

// The outbox write is asynchronous: between the moment a message shows as "sending" and the moment its
// IndexedDB transaction commits, a navigation or a closed tab would drop it (a new visitor's first
// message is the worst case: its database is not even open yet). `pagehide` cannot wait for IndexedDB,
// but it can write Web Storage synchronously, so the client keeps the messages whose write has not
// committed under one key, and the next store opened for the same visitor moves them back into its
// outbox. A message that had reached the server as well goes again with the same client id, and the
// server stores it once.
//
// The key starts with `parlor:<site>:`, the prefix of every Parlor Web Storage key of a site, so a
// logout's wipe finds it. An identified visitor appears in it as a hash, not as the user id, for the
// same reason database names do; it only has to tell two people on one browser apart.

const PREFIX = (siteId: string) => `parlor:${siteId}:unsent:`;

/** The Web Storage key of the unsent messages of `identity` on `siteId`. */
export function unsentKey(siteId: string, identity: string): string {
  let hash = 0x811c9dc5; // FNV-1a, 32 bits
  for (let i = 0; i < identity.length; i++) hash = Math.imul(hash ^ identity.charCodeAt(i), 0x01000193);
  return PREFIX(siteId) + (identity === 'anonymous' ? identity : (hash >>> 0).toString(36));
}

/** Runs `work` on localStorage; blocked or missing storage (SSR, privacy settings) or a full one is ignored. */
function withStorage<T>(work: (storage: Storage) => T, otherwise: T): T {
  try {
    return work(localStorage);
  } catch {
    return otherwise;
  }
}

/**
 * The entries kept for (`siteId`, `identity`), in id order. Anything that does not look like an entry
 * is left out; the server validates what is sent, so a damaged one fails visibly instead of vanishing.
 */
export function readUnsent(siteId: string, identity: string): OutboxEntry[] {
  return withStorage((storage) => {
    const kept: unknown = JSON.parse(storage.getItem(unsentKey(siteId, identity)) ?? '[]');
    return Array.isArray(kept)
      ? kept.filter((e: OutboxEntry | null) => typeof e?.id === 'string' && typeof e.body === 'object')
      : [];
  }, []);
}

/** Replaces the kept entries of (`siteId`, `identity`); none removes the key. */
function writeUnsent(siteId: string, identity: string, entries: OutboxEntry[]): void {
  withStorage((storage) => {
    const key = unsentKey(siteId, identity);
    if (entries.length) storage.setItem(key, JSON.stringify(entries.sort((a, b) => (a.id < b.id ? -1 : 1))));
    else storage.removeItem(key);
  }, undefined);
}

/**
 * Adds `entries` to what is kept for (`siteId`, `identity`). Synchronous, for `pagehide`; they stay
 * kept until {@link dropUnsent}, so a crash between reading and re-queueing them loses nothing.
 */
export function keepUnsent(siteId: string, identity: string, entries: readonly OutboxEntry[]): void {
  const ids = new Set(entries.map((e) => e.id));
  writeUnsent(siteId, identity, [...readUnsent(siteId, identity).filter((e) => !ids.has(e.id)), ...entries]);
}

/** Forgets the kept entries `ids` (they are in the outbox again, or acked). */
export function dropUnsent(siteId: string, identity: string, ids: readonly string[]): void {
  writeUnsent(
    siteId,
    identity,
    readUnsent(siteId, identity).filter((e) => !ids.includes(e.id)),
  );
}

/** Forgets the kept entries of every identity of `siteId` (logout). */
export function wipeUnsent(siteId: string): void {
  withStorage((storage) => {
    for (const key of Object.keys(storage)) if (key.startsWith(PREFIX(siteId))) storage.removeItem(key);
  }, undefined);
}
