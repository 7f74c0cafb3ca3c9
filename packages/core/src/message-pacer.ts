import type { Limits } from './protocol/index.js';

/**
 * What the pacer needs to know of a server: its announced message limits (`welcome.limits`) and the
 * `serverTime` of the `welcome` on the current socket, which separates replays from live messages.
 */
export interface PaceLimits extends Pick<Limits, 'messagesPerSecond' | 'messageBurst'> {
  /** {@link Limits.replayPerSecond}; absent, no replay lane. */
  replayPerSecond?: number | undefined;
  /** {@link Limits.replayBudget}; absent, no replay lane. */
  replayBudget?: number | undefined;
  /** The current socket's `welcome.serverTime`: a message whose id was minted before it is a replay. */
  replayBefore?: number | undefined;
}

/** One token bucket, full until first used. */
class Bucket {
  #tokens = Number.POSITIVE_INFINITY;
  #at = 0;

  /** Milliseconds until a token is there at `now` (0: there is one), spending nothing. */
  wait(rate: number, size: number, now: number): number {
    const refilled = this.#tokens === Number.POSITIVE_INFINITY ? size : this.#tokens + ((now - this.#at) / 1000) * rate;
    this.#tokens = Math.min(size, refilled);
    this.#at = now;
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / rate) * 1000);
  }

  /** Spends a token at `now`: 0 when allowed, else the milliseconds until one is back. */
  take(rate: number, size: number, now: number): number {
    const wait = this.wait(rate, size, now);
    if (wait === 0) this.#tokens -= 1;
    return wait;
  }
}

/** The millisecond timestamp in a UUIDv7's first 48 bits. */
function mintedAt(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/**
 * Token buckets mirroring the message limits a server announces in `welcome.limits`. The client paces
 * its sends with them: a message refused for rate while a later one got through would arrive out of
 * order, so the client never gives the server a reason to refuse.
 *
 * A message written before the current socket's `welcome` (its UUIDv7 id minted before
 * `welcome.serverTime`) is a replay: while the visitor's replay budget lasts it goes at
 * `replayPerSecond` (and the ordinary rate on top), so a backlog queued during an outage drains in
 * seconds; past the budget, and for every message written since, the ordinary
 * `messagesPerSecond`/`messageBurst` apply. The server draws the same line (protocol §6.2).
 *
 * @example
 * ```ts
 * const pacer = new MessagePacer();
 * const wait = pacer.take({ ...welcome.limits, replayBefore: welcome.serverTime }, entry.id, Date.now());
 * if (wait > 0) setTimeout(flush, wait);
 * ```
 */
export class MessagePacer {
  readonly #live = new Bucket();
  readonly #replay = new Bucket();
  readonly #budget = new Bucket();

  /** Spends a token for the message `id` at `now`: 0 when it may go, else the milliseconds to wait. */
  take(limits: PaceLimits, id: string, now: number): number {
    const { replayPerSecond, replayBudget, replayBefore, messagesPerSecond, messageBurst } = limits;
    const replay =
      replayPerSecond !== undefined &&
      replayBudget !== undefined &&
      replayBefore !== undefined &&
      mintedAt(id) < replayBefore;
    let replayWait = Number.POSITIVE_INFINITY;
    if (replay && this.#budget.wait(messagesPerSecond, replayBudget, now) === 0) {
      replayWait = this.#replay.take(replayPerSecond, replayPerSecond, now);
      if (replayWait === 0) return this.#budget.take(messagesPerSecond, replayBudget, now);
    }
    // Live messages, and replays while the replay bucket refills (the server does the same).
    return Math.min(replayWait, this.#live.take(messagesPerSecond, messageBurst, now));
  }
}
