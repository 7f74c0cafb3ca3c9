import type { Body } from '@parlor/core/protocol';

/**
 * Text is stored as text. Before anything a client sent is stored, markup is removed here, so a message
 * is safe even where a later consumer (an e-mail digest, a CRM export, a careless renderer) forgets to
 * escape it. Renderers still render text as text; this is the second layer, not the only one.
 *
 * Removed: HTML/XML tags, comments, CDATA and processing instructions (`<b>`, `</script>`, `<!-- -->`,
 * `<![CDATA[…]]>`, `<?php …?>`), C0 control characters other than tab and newline, and the bidi
 * embedding/override characters (U+202A–U+202E) used to disguise text direction. Kept: everything else,
 * including a lone `<` or `>` ("a < b", "<3") and bidi isolates, which RTL text uses legitimately.
 */
const MARKUP =
  /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<\?[\s\S]*?(?:\?>|$)|<\/?[A-Za-z][^<>]*(?:>|$)|<![A-Za-z][^<>]*>/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e]/g;

/** `text` without markup, control characters or bidi overrides, with line breaks normalised to `\n`. */
export function plainText(text: string): string {
  let out = text.replace(/\r\n?/g, '\n');
  // Removing one tag can join the halves of another ("<scr<b>ipt>"): repeat until nothing changes.
  for (let previous = ''; previous !== out;) {
    previous = out;
    out = out.replace(MARKUP, '');
  }
  // Half of a surrogate pair is not text: it cannot be stored or sent as valid UTF-8.
  return out.replace(CONTROL, '').replace(LONE_SURROGATE, '\uFFFD');
}

/** `text` cut to at most `max` UTF-16 units without splitting a character in two. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** A short single-line label (names, file names): plain text, line breaks folded, trimmed, capped. */
export function plainLabel(text: string, max: number): string {
  return truncate(plainText(text).replace(/\s+/g, ' ').trim(), max);
}

/**
 * A message body as it will be stored: text and caption as {@link plainText}, file name as a label.
 * Null when a text message has nothing left once markup is removed.
 */
export function plainBody(body: Body): Body | null {
  if (body.kind === 'text') {
    const text = plainText(body.text);
    return text.trim() ? { kind: 'text', text } : null;
  }
  const { caption, url: _url, ...rest } = body;
  const clean: Body = { ...rest, name: plainLabel(body.name, 255) || 'file' };
  const text = caption === undefined ? '' : plainText(caption);
  if (text.trim()) clean.caption = text;
  return clean;
}
