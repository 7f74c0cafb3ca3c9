import { hkdfSync } from 'node:crypto';
import type { SiteSecret } from './types.js';

/**
 * What a key is for. Each purpose has its own key, so an HMAC made for one purpose is never accepted for
 * another: a user hash the site computed over attacker-chosen bytes is not a JWT signature, and neither
 * is a server token.
 *
 * - `user-hash`: the `userHash` of `identified` auth, computed by the site's backend.
 * - `jwt-hs256`: HS256 site JWTs, signed by the site's backend (and by the Shopify app proxy).
 * - `server-token`: the server's own visitor and session tokens; only the server ever holds this key.
 */
export type KeyPurpose = 'user-hash' | 'jwt-hs256' | 'server-token';

/** The HKDF `info` label of each purpose. Part of the wire contract with sites' backends: never change one. */
export const KEY_LABELS: Readonly<Record<KeyPurpose, string>> = Object.freeze({
  'user-hash': 'parlor user-hash v1',
  'jwt-hs256': 'parlor jwt-hs256 v1',
  'server-token': 'parlor server-token v1',
});

/** Length of every derived key, in bytes (the SHA-256 output size). */
export const DERIVED_KEY_BYTES = 32;

/** A key ready to use, with the `kid` of the secret it comes from. */
export interface PurposeKey {
  readonly kid: string;
  readonly key: Buffer;
}

// Derivation is cheap but not free; a handful of secrets per site, so the cache stays tiny. Keyed by
// purpose then secret; secrets never leave the process.
const cache = new Map<string, Buffer>();
const MAX_CACHED = 1024;

/**
 * The key for `purpose` derived from a site secret: HKDF-SHA256 (RFC 5869) with the secret's UTF-8 bytes as
 * input keying material, no salt (a zero-length salt), `info` = {@link KEY_LABELS}`[purpose]` and 32 bytes
 * of output. A site's backend derives the same key with its platform's HKDF (see docs/auth.md).
 *
 * @throws TypeError for an empty secret (a configuration error, not visitor input).
 *
 * @example
 * ```ts
 * const key = deriveKey(process.env.PARLOR_SITE_SECRET!, 'user-hash');
 * const userHash = createHmac('sha256', key).update(user.id).digest('hex');
 * ```
 */
export function deriveKey(secret: string, purpose: KeyPurpose): Buffer {
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('deriveKey: the secret must not be empty');
  const label = KEY_LABELS[purpose];
  if (label === undefined) throw new TypeError('deriveKey: unknown purpose');
  const id = `${purpose}\u0000${secret}`;
  let key = cache.get(id);
  if (key === undefined) {
    key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), label, DERIVED_KEY_BYTES));
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(id, key);
  }
  return key;
}

/**
 * The keys of one purpose for a site, in order (the first signs, every one verifies): the secrets configured
 * for that purpose alone, used as they are, when there are any; otherwise keys derived from each of the
 * site's `secrets`. Empty secrets are skipped.
 *
 * @param dedicated - Secrets the site configured for this purpose only (`userHashSecrets`, `jwtSecrets`).
 *
 * @example
 * ```ts
 * const [signing] = purposeKeys(site.secrets, 'jwt-hs256', site.jwtSecrets);
 * ```
 */
export function purposeKeys(
  secrets: readonly SiteSecret[],
  purpose: KeyPurpose,
  dedicated?: readonly SiteSecret[],
): PurposeKey[] {
  const usable = (list: readonly SiteSecret[]) =>
    list.filter((s) => typeof s.secret === 'string' && s.secret.length > 0);
  if (dedicated !== undefined && purpose !== 'server-token') {
    const own = usable(dedicated);
    if (own.length > 0) return own.map(({ kid, secret }) => ({ kid, key: Buffer.from(secret, 'utf8') }));
  }
  return usable(secrets).map(({ kid, secret }) => ({ kid, key: deriveKey(secret, purpose) }));
}
