/**
 * How much of a frame {@link peekFrame} reads: the protocol asks clients to put `type` and `id` before
 * anything else (§6.2), so they sit well inside this even in front of a 64 KiB body.
 */
export const PEEK_CHARS = 1024;

/** The `ClientId` pattern of the protocol (§3.1), case-insensitive. */
const CLIENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** What a frame says about itself in its first characters. */
export interface FramePeek {
  /** The top-level `type`, cut to 32 characters. */
  type?: string;
  /** The top-level `id` when it is a well-formed `ClientId`. */
  id?: string;
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\n' || c === '\r' || c === '\t';

function skipSpace(text: string, i: number, end: number): number {
  while (i < end && isSpace(text[i])) i++;
  return i;
}

/** A JSON string starting at `i` (a quote): its raw value (null when it holds escapes) and where it ends. */
function readString(text: string, i: number, end: number): { value: string | null; next: number } | null {
  let escaped = false;
  for (let j = i + 1; j < end; j++) {
    const c = text[j];
    if (c === '\\') {
      escaped = true;
      j++;
    } else if (c === '"') return { value: escaped ? null : text.slice(i + 1, j), next: j + 1 };
  }
  return null;
}

/** Skips a JSON value that is not a string (object, array, number, literal); -1 when it runs past `end`. */
function skipValue(text: string, i: number, end: number): number {
  let depth = 0;
  while (i < end) {
    const c = text[i];
    if (c === '"') {
      const s = readString(text, i, end);
      if (!s) return -1;
      i = s.next;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (depth === 0) return i;
      depth--;
    } else if (c === ',' && depth === 0) return i;
    i++;
    if (depth === 0 && (text[i] === ',' || text[i] === '}' || isSpace(text[i]))) return i;
  }
  return -1;
}

/**
 * Reads a frame's top-level `type` and `id` from its first {@link PEEK_CHARS} characters without parsing
 * the rest, so a frame refused before parsing (frame rate, message rate, size) is answered with the id it
 * carries at a cost that does not grow with the frame. Keys and values written with escapes are not
 * recognised; the first of duplicate keys wins. Never throws; anything unexpected ends the peek.
 *
 * @example
 * ```ts
 * peekFrame('{"type":"send","id":"0193a5f2-7c1e-7d3a-9b21-5f0e8c4a2b10","body":{…}}');
 * // → { type: 'send', id: '0193a5f2-7c1e-7d3a-9b21-5f0e8c4a2b10' }
 * ```
 */
export function peekFrame(text: string, limit = PEEK_CHARS): FramePeek {
  const end = Math.min(text.length, limit);
  const out: FramePeek = {};
  let i = skipSpace(text, 0, end);
  if (text[i] !== '{') return out;
  i++;
  for (;;) {
    i = skipSpace(text, i, end);
    if (i >= end || text[i] !== '"') return out;
    const key = readString(text, i, end);
    if (!key) return out;
    i = skipSpace(text, key.next, end);
    if (text[i] !== ':') return out;
    i = skipSpace(text, i + 1, end);
    if (i >= end) return out;
    if (text[i] === '"') {
      const value = readString(text, i, end);
      if (!value) return out;
      if (value.value !== null) {
        if (key.value === 'type' && out.type === undefined) out.type = value.value.slice(0, 32);
        else if (key.value === 'id' && out.id === undefined && CLIENT_ID.test(value.value)) out.id = value.value;
      }
      i = value.next;
    } else {
      i = skipValue(text, i, end);
      if (i < 0) return out;
    }
    i = skipSpace(text, i, end);
    if (text[i] !== ',') return out;
    i++;
  }
}

/** The milliseconds-since-epoch timestamp in a UUIDv7's first 48 bits. */
export function uuidv7Time(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
