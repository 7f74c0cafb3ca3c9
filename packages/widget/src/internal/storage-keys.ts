/**
 * The only keys the widget writes to Web Storage, per site so two widgets never share them. Nothing is written
 * before the visitor opens the panel or has a conversation, and nothing is read before the site has a database in
 * this browser (see {@link mayHaveChat}).
 */

/** Session storage: the panel is open (it reopens on the next page of the same site). */
export const openKey = (siteId: string): string => `parlor:${siteId}:open`;

/** Session storage: the proactive greeting was shown in this session (it pops up once). */
export const greetedKey = (siteId: string): string => `parlor:${siteId}:greeted`;

/** Local storage: the visitor has a conversation, so the next page reconnects on idle instead of on click. */
export const returningKey = (siteId: string): string => `parlor:${siteId}:returning`;

/** Reads a key; null when storage is blocked (privacy settings, sandboxed frames). */
export function readKey(store: 'localStorage' | 'sessionStorage', key: string): string | null {
  try {
    return window[store].getItem(key);
  } catch {
    return null;
  }
}

/** Writes (or with null, removes) a key; does nothing when storage is blocked. */
export function writeKey(store: 'localStorage' | 'sessionStorage', key: string, value: string | null): void {
  try {
    if (value === null) window[store].removeItem(key);
    else window[store].setItem(key, value);
  } catch {
    // Storage blocked: the state just does not survive navigation.
  }
}

/** The name prefix of a site's IndexedDB databases, as `@parlor/core` names them (its `chat-store.ts`). */
export const databasePrefix = (siteId: string): string => `parlor:v1:${encodeURIComponent(siteId)}:`;

/**
 * Whether this browser may hold a chat with the site: a database of the site exists, or the browser cannot list
 * databases (then we must look). Asking is asynchronous and costs the page nothing, whereas the first touch of Web
 * Storage is a synchronous load of a few milliseconds: a first-time visitor never pays it.
 */
export async function mayHaveChat(siteId: string): Promise<boolean> {
  try {
    if (!('databases' in indexedDB)) return true;
    const prefix = databasePrefix(siteId);
    return (await indexedDB.databases()).some((db) => db.name?.startsWith(prefix));
  } catch {
    return true; // IndexedDB blocked: Web Storage may still work
  }
}
