import type { ErrorCode } from './protocol/index.js';

/**
 * Every code a {@link ParlorError} can carry: the protocol's stable error codes (what the server says in
 * `error` frames) plus the ones only a client can see.
 *
 * - `invalid_options`: the options given to the client are wrong (the message names the field).
 * - `storage_unavailable`: IndexedDB cannot be used here (private mode, blocked storage, SSR).
 * - `network`: the server could not be reached, or the connection dropped.
 * - `upload_failed`: an attachment upload did not complete.
 * - `destroyed`: the client was destroyed and cannot be used any more.
 */
export type ParlorErrorCode =
  ErrorCode | 'invalid_options' | 'storage_unavailable' | 'network' | 'upload_failed' | 'destroyed';

/**
 * The one error type of `@parlor/core`. Code branches on `code`, which is stable across versions; the
 * message is for people and may change.
 *
 * @example
 * ```ts
 * try {
 *   await client.send('hello');
 * } catch (error) {
 *   if (isParlorError(error) && error.code === 'too_large') showTooLong();
 *   else throw error;
 * }
 * ```
 */
export class ParlorError extends Error {
  /** What went wrong, as a stable code. */
  readonly code: ParlorErrorCode;
  /** For `rate_limited`: how long to wait before trying again, in milliseconds. */
  readonly retryAfterMs?: number;

  /**
   * Creates an error with a stable `code` and a human-readable `message`.
   *
   * @param code - What went wrong.
   * @param message - A sentence for developers; not meant to be matched on.
   * @param retryAfterMs - For `rate_limited`: when to try again, as the server said.
   * @param options - `cause`: the underlying error, kept for debugging.
   */
  constructor(code: ParlorErrorCode, message: string, retryAfterMs?: number, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ParlorError';
    this.code = code;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Tells whether `value` is a {@link ParlorError}. It also recognises one made by another copy of this
 * package (two bundles on one page), where `instanceof` would say no.
 *
 * @example
 * ```ts
 * client.subscribe((event) => {
 *   if (event.type === 'error' && isParlorError(event.error)) console.warn(event.error.code);
 * });
 * ```
 */
export function isParlorError(value: unknown): value is ParlorError {
  return (
    value instanceof ParlorError ||
    (value instanceof Error && value.name === 'ParlorError' && typeof (value as { code?: unknown }).code === 'string')
  );
}
