import { createHash, timingSafeEqual } from 'node:crypto';

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Compares two secrets (e.g. an agent's bearer token with the configured one) in constant time. Both are
 * hashed with SHA-256 first, so neither their contents nor their lengths leak through timing. Returns
 * `false` for anything that is not a string.
 *
 * @example
 * ```ts
 * if (!safeEqual(bearerTokenFrom(req), config.agentToken)) return reply(401);
 * ```
 */
export function safeEqual(a: string, b: string): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  return timingSafeEqual(sha256(a), sha256(b));
}
