/**
 * A token bucket mirroring the message rate a server announces in `welcome.limits`. The client paces
 * its sends with it: a message refused for rate while a later one got through would arrive out of
 * order, so the client never gives the server a reason to refuse.
 */
export class MessagePacer {
  #tokens = Number.POSITIVE_INFINITY;
  #at = 0;

  /** Spends a token at `now`: 0 when allowed, else the milliseconds until one is back. */
  take(rate: number, burst: number, now: number): number {
    const refilled =
      this.#tokens === Number.POSITIVE_INFINITY ? burst : this.#tokens + ((now - this.#at) / 1000) * rate;
    this.#tokens = Math.min(burst, refilled);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) / rate) * 1000);
  }
}
