/** How reconnect delays grow: see {@link backoffDelay}. */
export interface BackoffOptions {
  /** The window of the first retry, in ms: it lands somewhere in [0, baseMs). */
  baseMs: number;
  /** The largest window, in ms, however many attempts failed. */
  capMs: number;
}

/**
 * The reconnect schedule of docs/protocol.md §11: a first window of 250 ms that doubles per failed
 * attempt up to 30 s, and a counter that starts again once a connection has stayed up for 5 s (a server
 * that welcomes and then drops every socket must not earn instant retries).
 */
export const DEFAULT_BACKOFF: Readonly<BackoffOptions & { resetAfterMs: number }> = Object.freeze({
  baseMs: 250,
  capMs: 30_000,
  resetAfterMs: 5_000,
});

/**
 * The delay before reconnect attempt `attempt` (counted from 0), with "full jitter": uniform in
 * [0, min(capMs, baseMs · 2^attempt)). Every attempt draws again, so clients dropped together (a
 * server restart) come back spread over the whole window instead of in one wave, and they stay spread
 * on later attempts. `random` is injected so tests can pin it; it must return a number in [0, 1).
 *
 * @example
 * ```ts
 * backoffDelay(0, DEFAULT_BACKOFF, Math.random); // somewhere in [0, 250)
 * backoffDelay(3, DEFAULT_BACKOFF, Math.random); // somewhere in [0, 2000)
 * backoffDelay(20, DEFAULT_BACKOFF, Math.random); // somewhere in [0, 30000)
 * ```
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  // Clamp the exponent: 2^1100 is Infinity, and the cap is reached long before anyway.
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 64);
  const window = Math.min(options.capMs, options.baseMs * 2 ** exponent);
  // A random() of exactly 1 (some fakes) would land on the open end; keep the result strictly below it.
  const r = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return Math.floor(r * window);
}
