/**
 * Who the visitor is, proven by the shop's app proxy: Shopify signs the request with the logged-in
 * customer's id and the Parlor server answers a short-lived JWT. The browser's own idea of the customer
 * (the embed's `customer`) only decides whether to ask.
 *
 * A small record in localStorage (`parlor:<site id>:shopify`: `g` for a guest who chatted, `c:<id>` for a
 * customer who did), written only once the chat has been opened, tells the next page what changed:
 * a guest who logs in keeps their conversation, and a logout or a different customer starts afresh.
 */

/** A JWT from the app proxy and when it expires (ms since the epoch). */
interface ProxyToken {
  token: string;
  expiresAt: number;
}

// Beside the widget's own keys, so forgetting the site's `parlor:<site id>:` keys takes it too.
const recordKey = (siteId: string) => `parlor:${siteId}:shopify`;

/** Reads (or with a value, writes) the record; storage may be blocked, and then there is none. */
export function record(siteId: string, value?: string): string | null {
  try {
    if (value !== undefined) localStorage.setItem(recordKey(siteId), value);
    return localStorage.getItem(recordKey(siteId));
  } catch {
    return null;
  }
}

/**
 * Forgets the chat on this browser before the widget starts: the site's Parlor databases and Web Storage
 * keys, and the record. This is what the widget's `logout()` does once its panel has loaded; here it must
 * happen before anything is loaded, so it goes by the storage names the widget and core use.
 */
export async function forget(siteId: string): Promise<void> {
  try {
    const prefix = `parlor:v1:${encodeURIComponent(siteId)}:`;
    for (const db of await indexedDB.databases()) if (db.name?.startsWith(prefix)) indexedDB.deleteDatabase(db.name);
  } catch {
    // No IndexedDB (or no listing): nothing of ours is there either.
  }
  try {
    for (const store of [localStorage, sessionStorage])
      for (const key of Object.keys(store)) if (key.startsWith(`parlor:${siteId}:`)) store.removeItem(key);
  } catch {
    // Storage blocked.
  }
}

/**
 * A token provider for the widget's `jwt` auth: asks the app proxy (same origin, so Shopify adds the
 * signature) and reuses a token until a minute before it expires. Rejects for a guest or a refused request.
 */
export function proxyTokens(proxy: string): () => Promise<string> {
  let current: ProxyToken | undefined;
  return async () => {
    if (!current || current.expiresAt - Date.now() < 60_000) {
      const r = await fetch(`${proxy}/token`);
      const body = (await r.json()) as ProxyToken;
      if (!r.ok || !body.token) throw new Error('Parlor: app proxy refused');
      current = body;
    }
    return current.token;
  };
}
