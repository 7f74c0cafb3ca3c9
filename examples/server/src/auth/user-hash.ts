import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SiteSecret } from './types.js';

/** Longest `userId` accepted, as in the protocol's `identified` auth. */
export const MAX_USER_ID_LENGTH = 256;

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/**
 * The `userHash` that proves a user in `identified` mode: lowercase hex HMAC-SHA256 of `userId` (UTF-8)
 * keyed with the site secret (UTF-8). A site's own server computes it for its logged-in user and hands it
 * to the page; the secret never reaches the browser.
 *
 * @example
 * What a site's Node server runs (no Parlor package needed):
 * ```ts
 * import { createHmac } from 'node:crypto';
 *
 * const userHash = createHmac('sha256', process.env.PARLOR_SITE_SECRET!).update(user.id).digest('hex');
 * // then render: Parlor.identify({ userId: user.id, userHash, name: user.name })
 * ```
 * which gives the same result as `computeUserHash(process.env.PARLOR_SITE_SECRET!, user.id)`.
 */
export function computeUserHash(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(userId, 'utf8').digest('hex');
}

/**
 * Checks a `userHash` sent by a visitor against every configured site secret (so a hash made with a secret
 * that is being rotated out still passes). Hex is accepted in either case. The comparison is constant time;
 * every secret is tried even after a match. Never throws: malformed input is simply `false`.
 *
 * @example
 * ```ts
 * if (!verifyUserHash(site.secrets, auth.userId, auth.userHash)) refuse('unauthorized');
 * ```
 */
export function verifyUserHash(secrets: readonly SiteSecret[], userId: string, hash: string): boolean {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID_LENGTH) return false;
  if (typeof hash !== 'string' || !HEX_SHA256.test(hash)) return false;
  const given = Buffer.from(hash, 'hex');
  let match = false;
  for (const { secret } of secrets) {
    if (typeof secret !== 'string' || secret.length === 0) continue;
    const expected = createHmac('sha256', secret).update(userId, 'utf8').digest();
    // The comparison runs first, so every secret is checked and the time taken does not say which matched.
    match = timingSafeEqual(expected, given) || match;
  }
  return match;
}
