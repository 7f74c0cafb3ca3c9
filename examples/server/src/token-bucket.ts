/**
 * A token bucket: `capacity` tokens, refilled at `ratePerSecond`. `take()` spends one token when there is
 * one; otherwise it reports how long until there will be. The clock is injected for tests.
 */
export class TokenBucket {
  #tokens: number;
  #last: number;
  readonly #capacity: number;
  readonly #rate: number;
  readonly #now: () => number;

  constructor(ratePerSecond: number, capacity: number, now: () => number = Date.now) {
    this.#rate = ratePerSecond;
    this.#capacity = capacity;
    this.#tokens = capacity;
    this.#now = now;
    this.#last = now();
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
  }

  /** Spends a token. Returns 0 when allowed, else the milliseconds to wait for the next token. */
  take(): number {
    const wait = this.wait();
    if (wait === 0) this.#tokens -= 1;
    return wait;
  }

  /**
   * What {@link take} would answer, spending nothing: 0 when a token is there, else the milliseconds until
   * one is. Lets a caller check several buckets and spend from all of them only when every one allows.
   */
  wait(): number {
    this.#refill();
    if (this.#tokens >= 1) return 0;
    return Math.ceil(((1 - this.#tokens) / this.#rate) * 1000);
  }

  /**
   * Spends `cost` tokens at once, even past empty (the debt is capped at one capacity): for costs known only
   * once the thing is already here, such as the bytes of a frame that was read. Returns 0 when the bucket is
   * still not in debt, else the milliseconds until it is out of debt again.
   */
  spend(cost: number): number {
    this.#refill();
    this.#tokens = Math.max(-this.#capacity, this.#tokens - cost);
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.#rate) * 1000);
  }

  /** True when the bucket is full again, i.e. the caller has been quiet long enough to be forgotten. */
  get idle(): boolean {
    this.#refill();
    return this.#tokens >= this.#capacity;
  }
}

/**
 * Token buckets by key (e.g. client IP), forgetting keys whose bucket refilled, so memory stays bounded
 * by the number of recently active keys.
 */
export class KeyedBuckets {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #make: () => TokenBucket;

  constructor(ratePerSecond: number, capacity: number, now: () => number = Date.now) {
    this.#make = () => new TokenBucket(ratePerSecond, capacity, now);
  }

  /** Spends a token of `key`'s bucket: 0 when allowed, else milliseconds to wait. */
  take(key: string): number {
    return this.#bucket(key).take();
  }

  /** Spends `cost` tokens of `key`'s bucket (see {@link TokenBucket.spend}): 0, or milliseconds of debt. */
  spend(key: string, cost: number): number {
    return this.#bucket(key).spend(cost);
  }

  /** What {@link take} would answer for `key`, spending nothing (see {@link TokenBucket.wait}). */
  wait(key: string): number {
    return this.#buckets.get(key)?.wait() ?? 0; // a key with no bucket yet has a full one
  }

  #bucket(key: string): TokenBucket {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size > 10_000) this.sweep();
      bucket = this.#make();
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Drops buckets that are full again. */
  sweep(): void {
    for (const [key, bucket] of this.#buckets) if (bucket.idle) this.#buckets.delete(key);
  }
}
