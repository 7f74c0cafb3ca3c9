import { randomBytes } from 'node:crypto';

/**
 * Mints a server id: `prefix_` + 22 base64url characters from 16 random bytes (128 bits), matching the
 * protocol's `serverIdSchema`. Ids are unguessable, so knowing one is not access to it — every read is
 * still authorised — but guessing one is not a way in either.
 */
export function newId(prefix: 'v' | 'c' | 'u' | 'm' | 'x'): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}
