import { expect } from '@open-wc/testing';
import { DEFAULT_BACKOFF, backoffDelay } from './backoff.js';

const { baseMs, capMs } = DEFAULT_BACKOFF;

describe('backoffDelay', () => {
  it('stays in [0, min(cap, base·2^attempt)) for every attempt, including at the edges of random()', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const window = Math.min(capMs, baseMs * 2 ** attempt);
      for (const r of [0, 0.5, 0.999999, 1]) {
        const delay = backoffDelay(attempt, DEFAULT_BACKOFF, () => r);
        expect(delay, `attempt ${attempt}, random ${r}`).to.be.at.least(0);
        expect(delay, `attempt ${attempt}, random ${r}`).to.be.below(window);
      }
    }
  });

  it('doubles the window per attempt until the cap', () => {
    const top = (attempt: number) => backoffDelay(attempt, { baseMs: 100, capMs: 10_000 }, () => 0.99999);
    expect([0, 1, 2, 3, 4].map(top)).to.deep.equal([99, 199, 399, 799, 1599]);
    expect(top(7)).to.equal(9999); // 100·2^7 = 12 800 is over the cap
    expect(top(1000)).to.equal(9999); // no overflow to Infinity or NaN
  });

  it('draws again on every call: the same attempt gives different delays', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, DEFAULT_BACKOFF, Math.random)));
    expect(delays.size).to.be.greaterThan(40);
  });

  it('spreads 1,000 clients dropped by one server restart over the whole first window (no herd)', () => {
    const delays = Array.from({ length: 1000 }, () => backoffDelay(0, DEFAULT_BACKOFF, Math.random));
    // The first retry window is [0, base). Cut it into 25 ms buckets: an even spread puts ~10% in each.
    const bucketMs = 25;
    const buckets = new Array<number>(Math.ceil(baseMs / bucketMs)).fill(0);
    for (const d of delays) buckets[Math.floor(d / bucketMs)]! += 1;
    expect(Math.max(...buckets), `busiest of ${buckets.join(',')}`).to.be.below(150);
    expect(Math.min(...buckets), `quietest of ${buckets.join(',')}`).to.be.above(50);
    expect(Math.min(...delays)).to.be.below(baseMs * 0.05);
    expect(Math.max(...delays)).to.be.above(baseMs * 0.95);

    // The second wave (those whose first retry met a server still restarting) spreads over [0, base·2).
    const second = Array.from({ length: 1000 }, () => backoffDelay(1, DEFAULT_BACKOFF, Math.random));
    expect(Math.max(...second)).to.be.below(2 * baseMs);
    const per100ms = new Array<number>(5).fill(0);
    for (const d of second) per100ms[Math.floor(d / 100)]! += 1;
    expect(Math.max(...per100ms), `100 ms buckets ${per100ms.join(',')}`).to.be.below(270); // ~200 each
  });
});
