import { createHmac, timingSafeEqual } from 'node:crypto';
import { deriveKey, purposeKeys } from './keys.js';
import type { SiteSecret } from './types.js';

/** Longest `userId` accepted, as in the protocol's `identified` auth. */
export const MAX_USER_ID_LENGTH = 256;

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/**
 * The `userHash` that proves a user in `identified` mode: lowercase hex HMAC-SHA256 of `userId` (UTF-8)
 * keyed with the site's **user-hash key**, which is derived from the site secret with HKDF-SHA256 and the
 * label `"parlor user-hash v1"` (see {@link deriveKey}). The key serves nothing else, so a hash the site
 * computes for any string is only ever that user's hash, never a JWT or server-token signature. A site's
 * own server computes it for its logged-in user and hands it to the page; the secret never reaches the
 * browser.
 *
 * @example
 * What a site's Node server runs (no Parlor package needed):
 * ```ts
 * import { createHmac, hkdfSync } from 'node:crypto';
 *
 * const key = Buffer.from(hkdfSync('sha256', process.env.PARLOR_SITE_SECRET!, '', 'parlor user-hash v1', 32));
 * const userHash = createHmac('sha256', key).update(user.id).digest('hex');
 * // then render: Parlor.identify({ userId: user.id, userHash, name: user.name })
 * ```
 * which gives the same result as `computeUserHash(process.env.PARLOR_SITE_SECRET!, user.id)`.
 */
export function computeUserHash(secret: string, userId: string): string {
  return createHmac('sha256', deriveKey(secret, 'user-hash')).update(userId, 'utf8').digest('hex');
}

/**
 * Checks a `userHash` sent by a visitor against the user-hash key of every configured site secret (so a hash
 * made with a secret that is being rotated out still passes), or against the site's dedicated
 * `userHashSecrets` when it has them. Hex is accepted in either case. The comparison is constant time;
 * every key is tried even after a match. Never throws: malformed input is simply `false`.
 *
 * @param dedicated - Secrets configured for user hashes alone, used as HMAC keys as they are.
 *
 * @example
 * ```ts
 * if (!verifyUserHash(site.secrets, auth.userId, auth.userHash)) refuse('unauthorized');
 * ```
 */
export function verifyUserHash(
  secrets: readonly SiteSecret[],
  userId: string,
  hash: string,
  dedicated?: readonly SiteSecret[],
): boolean {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID_LENGTH) return false;
  if (typeof hash !== 'string' || !HEX_SHA256.test(hash)) return false;
  const given = Buffer.from(hash, 'hex');
  let match = false;
  for (const { key } of purposeKeys(secrets, 'user-hash', dedicated)) {
    const expected = createHmac('sha256', key).update(userId, 'utf8').digest();
    // The comparison runs first, so every key is checked and the time taken does not say which matched.
    match = timingSafeEqual(expected, given) || match;
  }
  return match;
}
