// The limits' values and type, apart from their schema: code that only needs the numbers (a widget checking a
// file before upload) imports this module without pulling in the schema library.

/** The attachment types a server accepts unless its configuration narrows them. */
export const DEFAULT_ATTACHMENT_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
] as const;

/**
 * The limits a server enforces, announced in `welcome` so the client can refuse oversized input before
 * it touches the wire. Every violation is answered with a typed error (`too_large`, `rate_limited`).
 */
export interface Limits {
  /** Largest WebSocket frame the server reads, in bytes (UTF-8). */
  maxFrameBytes: number;
  /** Longest message text, in UTF-16 code units (the unit of `String.prototype.length`). */
  maxTextLength: number;
  /** Sustained messages per second one connection may send (token bucket refill rate). */
  messagesPerSecond: number;
  /** Messages one connection may send in a burst (token bucket size). */
  messageBurst: number;
  /**
   * Replayed messages per second one connection may send (token bucket refill rate and size). A message is
   * a replay when its client id was minted before the `welcome`'s `serverTime`: the visitor wrote it while
   * disconnected, and it drains at this rate instead of `messagesPerSecond`, within {@link replayBudget}.
   * Absent: the server has no replay lane, and every message is paced to `messagesPerSecond`.
   */
  replayPerSecond?: number | undefined;
  /**
   * Messages a visitor may replay at {@link replayPerSecond} before replays fall back to the ordinary
   * message rate; the budget refills at `messagesPerSecond`. Absent: no replay lane.
   */
  replayBudget?: number | undefined;
  /** Frames of any kind per second one connection may send, sustained. */
  framesPerSecond: number;
  /** Largest attachment, in bytes. */
  maxAttachmentBytes: number;
  /** MIME types accepted for attachments. */
  attachmentTypes: string[];
  /** Most messages returned by one `sync` or `history` page. */
  pageSize: number;
  /** How often the client should ping, in ms; the server closes a socket silent for twice this. */
  pingIntervalMs: number;
}

/** The limits the reference server uses unless configured otherwise. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFrameBytes: 64 * 1024,
  maxTextLength: 4000,
  messagesPerSecond: 2,
  messageBurst: 20,
  replayPerSecond: 100,
  replayBudget: 500,
  framesPerSecond: 20,
  maxAttachmentBytes: 10 * 1024 * 1024,
  attachmentTypes: [...DEFAULT_ATTACHMENT_TYPES],
  pageSize: 100,
  pingIntervalMs: 25_000,
});
