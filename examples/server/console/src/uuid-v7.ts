/** Fills a byte array with random values (the shape of `crypto.getRandomValues`). */
export type RandomFill = (bytes: Uint8Array) => Uint8Array;

const defaultRandom: RandomFill = (bytes) => crypto.getRandomValues(bytes);

let lastMs = -1;
let counter = 0;

/**
 * Returns a new UUIDv7 (RFC 9562): a 48-bit millisecond timestamp, version 7, a 12-bit counter seeded at
 * random each millisecond (so ids from one page sort in creation order), variant `10xx` and 62 random bits.
 */
export function uuidV7(now: number = Date.now(), random: RandomFill = defaultRandom): string {
  const bytes = random(new Uint8Array(16));
  let ms = Math.max(0, Math.floor(now));
  if (ms > lastMs) {
    lastMs = ms;
    // Seed below 0x800 so a burst within one millisecond has room to count up.
    counter = (((bytes[6] ?? 0) << 8) | (bytes[7] ?? 0)) & 0x7ff;
  } else {
    ms = lastMs;
    counter++;
    if (counter > 0xfff) {
      // Out of counter space: borrow the next millisecond rather than go backwards.
      lastMs = ms = lastMs + 1;
      counter = 0;
    }
  }
  // 48-bit big-endian timestamp, by arithmetic: it does not fit the 32 bits that shifts work on.
  let t = ms;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  bytes[6] = 0x70 | ((counter >> 8) & 0x0f);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The millisecond timestamp encoded in a UUIDv7. */
export function uuidV7Time(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}
