/**
 * Stable error codes carried by `error` frames and HTTP error bodies. Clients branch on these, never on
 * the human-readable message.
 */
export const ERROR_CODES = [
  /** The frame is not valid JSON, or not a valid frame of this protocol. The connection stays open. */
  'bad_frame',
  /** A frame other than `hello` arrived before the session was established. */
  'not_ready',
  /** The credential is missing, forged or for another site. Fatal: the connection is closed. */
  'unauthorized',
  /** The credential was valid but has expired: get a fresh one and reconnect. */
  'token_expired',
  /** The page's Origin is not on the site's allowlist. Fatal. */
  'forbidden_origin',
  /**
   * The caller may not read or write that resource. Also the answer for ids that do not exist, so
   * the reply never tells whether someone else's conversation or upload exists.
   */
  'forbidden',
  /** Too many frames, messages or connections; `retryAfterMs` says when to try again. */
  'rate_limited',
  /** A frame, message or upload is over the limit announced in `welcome.limits`. */
  'too_large',
  /** The client speaks a protocol version this server does not. Fatal. */
  'unsupported_version',
  /** No such site (at hello). Resources that exist but are not the caller's are `forbidden`. */
  'not_found',
  /** The same client id was sent before with a different payload. The first one stands. */
  'conflict',
  /** The frame is well-formed but not allowed now (e.g. a second `hello` on one connection). */
  'invalid_state',
  /** Something failed on the server; safe to retry. */
  'internal',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * WebSocket close codes and what a client must do after each. 1000–1015 are the standard ones; 4000–4999
 * are Parlor's.
 *
 * - `retry`: reconnect with backoff (full jitter).
 * - `refresh`: get a new credential (JWT), then reconnect at once.
 * - `stop`: do not reconnect; surface the error to the user or developer.
 */
export const CLOSE_CODES = {
  /** Normal closure (client logout, page hidden). */
  normal: 1000,
  /** The server is going away (shutting down without a restart planned). Retry. */
  goingAway: 1001,
  /** A text frame that is not valid UTF-8. Retry. */
  invalidData: 1007,
  /** A frame over the size limit. Retry (the outbox marks the oversized message failed first). */
  tooLarge: 1009,
  /** Unexpected server error. Retry. */
  internalError: 1011,
  /** The server is restarting (rolling deploy): reconnect with jitter, possibly to another process. */
  serviceRestart: 1012,
  /** The server is overloaded. Retry later. */
  tryAgainLater: 1013,
  /** The credential is invalid or forged. Stop. */
  unauthorized: 4001,
  /** The credential expired. Refresh, then reconnect. */
  tokenExpired: 4002,
  /** The page's Origin is not allowed for this site. Stop. */
  forbiddenOrigin: 4003,
  /** Protocol version not supported. Stop. */
  unsupportedVersion: 4004,
  /** Unknown site id. Stop. */
  unknownSite: 4005,
  /** No `hello` within the allowed time. Retry. */
  helloTimeout: 4008,
  /** Rate or connection limit exceeded. Retry with backoff. */
  rateLimited: 4029,
  /** The heartbeat went unanswered. Retry. */
  heartbeatTimeout: 4010,
} as const;

/** What a client does after a close code: see {@link CLOSE_CODES}. */
export type CloseAction = 'retry' | 'refresh' | 'stop';

/**
 * Tells a client what to do after the socket closed with `code`. Unknown codes are retried: a client
 * must never stop for good on a code it does not understand.
 *
 * @example
 * ```ts
 * socket.addEventListener('close', (e) => {
 *   if (closeAction(e.code) === 'stop') showError();
 * });
 * ```
 */
export function closeAction(code: number): CloseAction {
  switch (code) {
    case CLOSE_CODES.unauthorized:
    case CLOSE_CODES.forbiddenOrigin:
    case CLOSE_CODES.unsupportedVersion:
    case CLOSE_CODES.unknownSite:
      return 'stop';
    case CLOSE_CODES.tokenExpired:
      return 'refresh';
    default:
      return 'retry';
  }
}
