import { CLOSE_CODES, type ErrorCode } from '@parlor/core/protocol';
import type { RawData, WebSocket } from 'ws';
import type { FanoutEvent, FanoutListener } from './fanout.js';
import { PEEK_CHARS, peekFrame, type FramePeek } from './frame-peek.js';
import type { Hub } from './hub.js';
import { newId } from './ids.js';
import type { Logger } from './log.js';
import { TokenBucket } from './token-bucket.js';

/**
 * Frames waiting to be processed on one connection at which the server stops reading its socket: TCP then
 * pushes back on the sender until the queue is down to {@link RESUME_AT}. A fast client is slowed, not dropped.
 */
const PAUSE_AT = 100;
const RESUME_AT = 20;
/**
 * Frames waiting past which the connection is closed (4029). Pausing stops new reads, but frames already read
 * in the same chunk still arrive, so this sits well above {@link PAUSE_AT}; only a client that floods faster
 * than one socket read can carry reaches it.
 */
const MAX_QUEUED = 1000;
/** Refused frames in a row after which a flooding connection is closed (4029). */
const MAX_STRIKES = 100;
/** A client that does not read its socket is dropped once this much is buffered for it. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** The first `bytes` of a WebSocket message, decoded (a character cut at the end is harmless to a peek). */
function head(data: RawData, bytes: number): string {
  const first = Array.isArray(data) ? (data[0] ?? Buffer.alloc(0)) : data;
  const buffer = Buffer.isBuffer(first) ? first : Buffer.from(first); // an ArrayBuffer is viewed, not copied
  return buffer.subarray(0, bytes).toString('utf8');
}

/** A WebSocket message's size in bytes. */
function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, part) => sum + part.length, 0);
  return data.byteLength;
}

/** Where a connection came from. */
export interface Peer {
  ip: string;
  origin: string | undefined;
  /** Base URL for links in frames (attachment URLs), e.g. `https://chat.example.com`. */
  base: string;
}

/**
 * What visitor and agent connections share: one socket, frames processed one at a time in arrival
 * order (so a visitor's messages are stored in the order sent), a frame-rate bucket, fan-out
 * subscriptions, typed error frames, and a way to wait for pending work at shutdown.
 */
export abstract class ConnectionBase {
  readonly id = newId('x');
  readonly peer: Peer;
  lastFrameAt: number;
  protected readonly hub: Hub;
  protected readonly log: Logger;
  readonly #ws: WebSocket;
  readonly #topics = new Set<string>();
  readonly #frames: TokenBucket;
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  #strikes = 0;
  #closed = false;
  /** Fires when the socket has been silent for the idle limit (§4 Heartbeat), re-armed from the last frame. */
  #idleTimer: NodeJS.Timeout;
  /** Reading is paused because too many frames wait to be handled (see {@link PAUSE_AT}). */
  #backlogged = false;
  /** Reading is paused until the peer's inbound byte budget is out of debt (see {@link Hub.ipBytes}). */
  #throttle: NodeJS.Timeout | null = null;
  /** No new frames are read (closing or shutting down). */
  #draining = false;
  /** Frames already queued are dropped rather than handled (closing for cause). */
  #skipQueued = false;
  readonly #listener: FanoutListener = (_topic, event) => {
    if (!this.#closed) this.onEvent(event);
  };

  constructor(ws: WebSocket, hub: Hub, peer: Peer, kind: string) {
    this.#ws = ws;
    this.hub = hub;
    this.peer = peer;
    this.log = hub.log.child({ conn: this.id, kind });
    this.lastFrameAt = hub.now();
    const { framesPerSecond } = hub.config.limits;
    this.#frames = new TokenBucket(framesPerSecond, framesPerSecond * 2, hub.now);
    this.#idleTimer = this.#armIdle(this.#idleMs);
    ws.on('message', (data, isBinary) => this.#receive(data, isBinary));
    ws.on('close', () => this.#onClose());
    ws.on('error', (error) => this.log.warn('socket error', { error: error.message }));
  }

  /**
   * Handles one text frame. Runs strictly after the previous frame's handler finished. `peek` is what the
   * frame's first characters say (see {@link peekFrame}), for answers that must name its type or id.
   */
  protected abstract handle(text: string, peek: FramePeek): Promise<void>;
  /**
   * True for a frame the connection meters itself (a visitor's `send` against the message limits), so the
   * frame limit does not refuse it first. Only frames whose type and id the peek found qualify.
   */
  protected metersItself(_peek: FramePeek): boolean {
    return false;
  }
  /** Delivers a fanned-out event to this client. */
  protected abstract onEvent(event: FanoutEvent): void;
  /** Called once when the socket closed. */
  protected abstract closed(): void;

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Bytes sent on this socket and not yet handed to the network: senders of coalesced lists wait while high. */
  protected get buffered(): number {
    return this.#ws.bufferedAmount;
  }

  #receive(data: RawData, isBinary: boolean): void {
    this.lastFrameAt = this.hub.now();
    this.hub.metrics.framesIn++;
    if (this.#closed || this.#draining) return;
    // Only the first bytes are decoded before the frame is accepted: a refusal costs the same for any size.
    const peek = isBinary ? {} : peekFrame(head(data, PEEK_CHARS * 3));
    if (!this.metersItself(peek)) {
      const wait = this.#frames.take();
      if (wait > 0) {
        if (!this.strike()) this.error('rate_limited', 'too many frames', { retryAfterMs: wait, ...this.idOf(peek) });
        return;
      }
      this.#strikes = 0;
    }
    if (isBinary) {
      this.error('bad_frame', 'binary frames are not part of the protocol');
      return;
    }
    const { maxFrameBytes } = this.hub.config.limits;
    if (byteLength(data) > maxFrameBytes) {
      // Refused on arrival, never queued: the queue holds only frames of a size the server handles.
      if (!this.strike()) this.error('too_large', `frame is over ${maxFrameBytes} bytes`, this.idOf(peek));
      return;
    }
    if (this.#queued >= MAX_QUEUED) {
      this.close(CLOSE_CODES.rateLimited, 'rate_limited');
      return;
    }
    // What every frame costs the server grows with its bytes: a peer (IP) gets so many bytes a second, and
    // past that its sockets are read no faster than the budget refills — slowed by TCP, nothing refused.
    const debt = this.hub.ipBytes.spend(this.peer.ip, byteLength(data));
    if (debt > 0) this.#throttleFor(debt);
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data as ArrayBuffer).toString('utf8');
    if (++this.#queued === PAUSE_AT) {
      this.#backlogged = true;
      this.#updateReading();
    }
    this.#queue = this.#queue
      .then(() => (this.#closed || this.#skipQueued ? undefined : this.handle(text, peek)))
      .catch((error: unknown) => {
        this.log.error('frame handler failed', { error: error instanceof Error ? error.message : String(error) });
        this.error('internal', 'the server could not process that frame');
      })
      .finally(() => {
        if (--this.#queued === RESUME_AT && this.#backlogged) {
          this.#backlogged = false;
          this.#updateReading();
        }
      });
  }

  /** Stops reading the socket for `ms` (the byte budget's debt), then reads again unless backlogged. */
  #throttleFor(ms: number): void {
    if (this.#throttle) clearTimeout(this.#throttle);
    this.#throttle = setTimeout(() => {
      this.#throttle = null;
      this.#updateReading();
    }, ms);
    this.#throttle.unref();
    this.#updateReading();
  }

  /** Pauses or resumes reading: paused while backlogged or throttled, reading otherwise. */
  #updateReading(): void {
    if (this.#closed) return;
    const pause = this.#backlogged || this.#throttle !== null;
    if (pause && !this.#ws.isPaused) this.#ws.pause();
    else if (!pause && this.#ws.isPaused) this.#ws.resume();
  }

  /** A refused send or proactive names its id, so a client pipelining sends knows which one to resend. */
  protected idOf(peek: FramePeek): { id?: string } {
    return peek.id && (peek.type === 'send' || peek.type === 'proactive') ? { id: peek.id } : {};
  }

  /**
   * Counts a refused frame. Returns true when that made too many in a row and the connection is closing
   * (4029); the caller then sends nothing more.
   */
  protected strike(): boolean {
    if (++this.#strikes <= MAX_STRIKES) return false;
    this.close(CLOSE_CODES.rateLimited, 'rate_limited');
    return true;
  }

  /** A frame was accepted: the run of refusals is over. */
  protected forgive(): void {
    this.#strikes = 0;
  }

  /** Silence after which the socket is closed: twice the announced ping interval (§4 Heartbeat). */
  get #idleMs(): number {
    return this.hub.config.limits.pingIntervalMs * 2;
  }

  /**
   * Closes the socket exactly when it has been silent for {@link #idleMs}: the timer is armed for the last
   * frame's deadline and, when frames came meanwhile, re-armed for the new one (one timer per connection,
   * nothing done per frame).
   */
  #armIdle(ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      if (this.#closed) return;
      const left = this.lastFrameAt + this.#idleMs - this.hub.now();
      if (left <= 0) this.close(CLOSE_CODES.heartbeatTimeout, 'heartbeat_timeout');
      else this.#idleTimer = this.#armIdle(left);
    }, ms);
    timer.unref();
    return timer;
  }

  /**
   * Graceful close (server shutdown): stops reading new frames, finishes every frame already received —
   * so each stored message is acked while the socket is still open — then closes with `code`. Frames
   * that arrive after this are neither stored nor acked; the client re-sends them elsewhere.
   */
  async shutdown(code: number, reason: string): Promise<void> {
    this.#draining = true;
    await this.#queue;
    this.#closeSocket(code, reason);
  }

  /** Sends one frame (JSON). Drops a client that stopped reading. */
  protected send(frame: object): void {
    if (this.#closed || this.#ws.readyState !== this.#ws.OPEN) return;
    if (this.#ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.close(CLOSE_CODES.tryAgainLater, 'slow_consumer');
      return;
    }
    this.#ws.send(JSON.stringify(frame));
    this.hub.metrics.framesOut++;
  }

  /** Sends an `error` frame; the connection stays open. */
  protected error(
    code: ErrorCode,
    message: string,
    extra: { id?: string; frame?: string; retryAfterMs?: number } = {},
  ): void {
    this.hub.metrics.error(code);
    this.send({ type: 'error', code, message, ...extra });
  }

  /** Sends an `error` frame, then closes with `closeCode`. */
  protected fail(code: ErrorCode, message: string, closeCode: number): void {
    this.log.info('connection refused', { code, close: closeCode });
    this.error(code, message);
    this.close(closeCode, code);
  }

  /**
   * Closes with a code from the protocol's close code table. Frames queued behind the current one are
   * dropped unhandled (never stored without an ack); the one being handled finishes first, so its ack
   * still goes out before the close.
   */
  close(code: number, reason: string): void {
    this.#draining = true;
    this.#skipQueued = true;
    void this.#queue.then(() => this.#closeSocket(code, reason));
  }

  #closeSocket(code: number, reason: string): void {
    if (this.#ws.readyState === this.#ws.OPEN || this.#ws.readyState === this.#ws.CONNECTING)
      this.#ws.close(code, reason);
  }

  protected subscribe(topic: string): void {
    if (this.#topics.has(topic)) return;
    this.#topics.add(topic);
    this.hub.fanout.subscribe(topic, this.#listener);
  }

  protected unsubscribe(topic: string): void {
    if (this.#topics.delete(topic)) this.hub.fanout.unsubscribe(topic, this.#listener);
  }

  /** Drops every subscription: used when the connection's identity changes. */
  protected unsubscribeAll(): void {
    for (const topic of this.#topics) this.hub.fanout.unsubscribe(topic, this.#listener);
    this.#topics.clear();
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    if (this.#throttle) clearTimeout(this.#throttle);
    this.unsubscribeAll();
    this.closed();
  }
}
