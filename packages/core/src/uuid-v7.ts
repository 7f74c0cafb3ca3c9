// RFC 9562 §6.2 method 1 ("fixed bit-length dedicated counter"): a 42-bit counter fills rand_a (12 bits)
// and the top 30 bits of rand_b; the last 32 bits stay random. The counter is seeded at random each new
// millisecond with its top bit clear, so a page can mint ≥ 2^41 ids in one millisecond before it runs out
// and, if it ever does, borrows the next millisecond (the RFC allows that) instead of going backwards.

const COUNTER_BITS = 42;
const COUNTER_MAX = 2 ** COUNTER_BITS - 1;
const LOW_BITS = 30;
const LOW_MASK = 2 ** LOW_BITS - 1;

// Per page (per module instance), like the RFC's "monotonicity within a single generator".
let lastTime = -1;
let counter = 0;

/**
 * Returns a new RFC 9562 UUIDv7: a 48-bit Unix millisecond timestamp, version 7, variant `10`, and
 * random bits from `crypto.getRandomValues`.
 *
 * Ids from one page are strictly increasing, so sorting them as strings gives the order they were
 * made in: within one millisecond a counter in the random bits goes up by one, and if the clock steps
 * back the last timestamp is kept. The outbox relies on this to send in the order the visitor wrote.
 *
 * @param now - The time to encode, in ms since the Unix epoch; defaults to `Date.now()`.
 * @returns A lower-case UUID string such as `0193a5f2-7c1e-7d3a-9b21-5f0e8c4a2b10`.
 *
 * @example
 * ```ts
 * const id = uuidv7();
 * outbox.enqueue({ id, body, createdAt: Date.now(), state: 'pending' });
 * ```
 */
export function uuidv7(now: number = Date.now()): string {
  const random = crypto.getRandomValues(new Uint32Array(3));
  const r0 = random[0] ?? 0;
  const r1 = random[1] ?? 0;
  const r2 = random[2] ?? 0;

  let time = Math.max(0, Math.floor(now));
  if (time > lastTime) {
    lastTime = time;
    // 41 random bits: top bit of the 42-bit counter clear, leaving headroom to count up.
    counter = (r0 & 0x1ff_ffff) * 2 ** 16 + (r1 >>> 16);
  } else {
    time = lastTime;
    counter += 1;
    if (counter > COUNTER_MAX) {
      lastTime += 1;
      time = lastTime;
      counter = (r0 & 0x1ff_ffff) * 2 ** 16 + (r1 >>> 16);
    }
  }

  const high = Math.floor(counter / 2 ** LOW_BITS); // 12 bits → rand_a
  const low = counter & LOW_MASK; // 30 bits → top of rand_b

  const bytes = new Uint8Array(16);
  const timeHigh = Math.floor(time / 2 ** 32);
  const timeLow = time >>> 0;
  bytes[0] = (timeHigh >>> 8) & 0xff;
  bytes[1] = timeHigh & 0xff;
  bytes[2] = timeLow >>> 24;
  bytes[3] = (timeLow >>> 16) & 0xff;
  bytes[4] = (timeLow >>> 8) & 0xff;
  bytes[5] = timeLow & 0xff;
  bytes[6] = 0x70 | (high >>> 8);
  bytes[7] = high & 0xff;
  bytes[8] = 0x80 | (low >>> 24);
  bytes[9] = (low >>> 16) & 0xff;
  bytes[10] = (low >>> 8) & 0xff;
  bytes[11] = low & 0xff;
  bytes[12] = r2 >>> 24;
  bytes[13] = (r2 >>> 16) & 0xff;
  bytes[14] = (r2 >>> 8) & 0xff;
  bytes[15] = r2 & 0xff;

  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
