import type { Body } from '@parlor/core/protocol';

/**
 * Text is stored as sent. Every client renders text as text (never as HTML), so the server does not rewrite
 * what people write: "My template has `<div class="cart">`" is stored, delivered and shown exactly so.
 *
 * The one change made to message text: half of a surrogate pair (possible in JSON through a `\ud800` escape)
 * becomes U+FFFD. It is not a character, cannot be encoded as UTF-8, and every socket on the way would turn it
 * into U+FFFD anyway; doing it before storage keeps what is stored, acked and delivered the same.
 *
 * Labels (names, titles, attribute values, file names) are one line: control characters become spaces, the
 * ends are trimmed and the length capped. Nothing else is removed.
 *
 * Every function here makes one pass over its input, with no backtracking and no repetition, so the work
 * per input is linear in its length whatever it contains.
 */

/**
 * `text` as stored: exactly as sent, except that each lone surrogate becomes U+FFFD. Native, one pass, and
 * `text` itself (no copy) in the usual case where there is none.
 */
export function plainText(text: string): string {
  const checked = text as string & WellFormed;
  return checked.isWellFormed() ? text : checked.toWellFormed();
}

/** ES2024's `isWellFormed`/`toWellFormed` (in Node since 20), typed here so the ES2022 lib still suffices. */
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** `text` cut to at most `max` UTF-16 units without splitting a character in two. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/** C0 and C1 control characters and DEL: never part of a one-line label. A single character class, so linear. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * A short single-line label (names, titles, attribute values, file names): lone surrogates as in
 * {@link plainText}, control characters (line breaks and tabs included) as spaces, trimmed, capped at
 * `max` UTF-16 units. Linear; markup and everything else are kept as sent.
 *
 * @example
 * plainLabel('  <b>Ada</b>\nLovelace ', 100); // '<b>Ada</b> Lovelace'
 */
export function plainLabel(text: string, max: number): string {
  return truncate(plainText(text.replace(CONTROL, ' ')).trim(), max);
}

/** A character that shows: anything but white space and the zero-width format characters. One class, linear. */
const VISIBLE = /[^\s\u200b-\u200d\u2060]/;

/**
 * A message body as it will be stored: text and caption as {@link plainText} (as sent), the file name as a
 * label. Null when a text message has nothing to show (only white space or zero-width characters).
 */
export function plainBody(body: Body): Body | null {
  if (body.kind === 'text') {
    const text = plainText(body.text);
    return VISIBLE.test(text) ? { kind: 'text', text } : null;
  }
  const { caption, url: _url, ...rest } = body;
  const clean: Body = { ...rest, name: plainLabel(body.name, 255) || 'file' };
  if (caption !== undefined && VISIBLE.test(caption)) clean.caption = plainText(caption);
  return clean;
}
