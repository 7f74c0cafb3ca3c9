/**
 * One piece of a chat message: plain text, or a link the widget may render as an `<a>`. A link's `text` is
 * what the sender wrote; its `href` is what the browser will open, built and checked with `new URL()`.
 */
export type Token = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

/** At most this many links come out of one message; later URLs stay text, so a flood of links stays cheap. */
export const MAX_LINKS_PER_MESSAGE = 50;

/** Longer URLs stay text: 2048 is the limit browsers and servers have long agreed on. */
export const MAX_URL_LENGTH = 2048;

const ALLOWED_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:', 'mailto:']);

const codes = (chars: string): ReadonlySet<number> => new Set([...chars].map((c) => c.charCodeAt(0)));

// A link may not start right after these: they would glue it to a word or a URL the sender wrote
// (`xhttps://`, `//www.evil.com`, `javascript:https://…`, `a.b@c.com`), and half a URL is a lie.
const GLUE = codes('_-+.@/\\:%&#=~');

// Punctuation people put after a URL rather than in it (`see https://a.com/x.`).
const TRAILING = codes('.,;:!?\'"»…’”');

const OPENERS = '([{';
const CLOSERS = ')]}';

// Full-width punctuation ends a URL the way a space does in Chinese and Japanese text.
const FULLWIDTH_STOPS = codes('！（），：；？');

// `'` belongs to names like o'brien@example.com; a quote that opens the address is stripped below.
const EMAIL_LOCAL = codes("._+-'");

// Letters, marks and digits of any script, for Unicode domains; tested one code point at a time, so no backtracking.
const UNICODE_WORD = /^[\p{L}\p{M}\p{N}]$/u;

const isAsciiAlnum = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

const isWhitespace = (c: number): boolean =>
  c === 0x20 ||
  (c >= 0x09 && c <= 0x0d) ||
  c === 0x85 ||
  c === 0xa0 ||
  c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 ||
  c === 0x2029 ||
  c === 0x202f ||
  c === 0x205f ||
  c === 0x3000;

// Embeddings, overrides and isolates reorder what follows them on screen: `invoice\u202Efdp.exe` shows as
// `invoiceexe.pdf`, and a URL after an override reads backwards.
const isBidiControl = (c: number): boolean => (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);

// Characters nobody can see: inside a URL they only serve to make it differ from what it looks like.
const isHidden = (c: number): boolean =>
  c <= 0x1f ||
  (c >= 0x7f && c <= 0x9f) ||
  c === 0xad ||
  c === 0x061c ||
  (c >= 0x200b && c <= 0x200f) ||
  (c >= 0x2060 && c <= 0x2064) ||
  c === 0xfeff ||
  isBidiControl(c);

// `<`, `>`, `"` and backticks cannot appear raw in a URL; they are where HTML and Markdown wrap one.
const endsRun = (c: number): boolean =>
  isWhitespace(c) ||
  c === 0x3c ||
  c === 0x3e ||
  c === 0x22 ||
  c === 0x60 ||
  (c >= 0x3000 && c <= 0x303f) ||
  FULLWIDTH_STOPS.has(c);

const isEmailLocal = (c: number): boolean => isAsciiAlnum(c) || EMAIL_LOCAL.has(c);

/** Whether `text` holds `prefix` (lowercase ASCII) at `at`, ignoring ASCII case: `HTTPS://` is a URL too. */
function hasPrefixAt(text: string, at: number, prefix: string): boolean {
  if (at + prefix.length > text.length) return false;
  for (let k = 0; k < prefix.length; k++) {
    const c = text.charCodeAt(at + k);
    if ((c >= 0x41 && c <= 0x5a ? c + 0x20 : c) !== prefix.charCodeAt(k)) return false;
  }
  return true;
}

function isBoundary(text: string, at: number): boolean {
  if (at === 0) return true;
  const c = text.charCodeAt(at - 1);
  return !isAsciiAlnum(c) && !GLUE.has(c);
}

/** End of the stretch a URL starting at `start` could cover: up to a space or a character URLs never hold raw. */
function runEnd(text: string, start: number): number {
  let end = start;
  while (end < text.length && !endsRun(text.charCodeAt(end))) end++;
  return end;
}

/**
 * Drops trailing punctuation, and closing brackets that have no opener in the URL: `(https://a.com)` loses the
 * `)`, while `https://en.wikipedia.org/wiki/Foo_(bar)` keeps it.
 */
function trimTrailing(text: string, start: number, end: number): number {
  const unmatched = [0, 0, 0];
  for (let k = start; k < end; k++) {
    const ch = text.charAt(k);
    const open = OPENERS.indexOf(ch);
    const close = CLOSERS.indexOf(ch);
    if (open >= 0) unmatched[open] = (unmatched[open] ?? 0) - 1;
    if (close >= 0) unmatched[close] = (unmatched[close] ?? 0) + 1;
  }
  while (end > start) {
    const c = text.charCodeAt(end - 1);
    const close = CLOSERS.indexOf(text.charAt(end - 1));
    if (TRAILING.has(c)) end--;
    else if (close >= 0 && (unmatched[close] ?? 0) > 0) {
      unmatched[close] = (unmatched[close] ?? 0) - 1;
      end--;
    } else break;
  }
  return end;
}

/** End of a domain written from `start`: letters and digits of any script, hyphens and dots. */
function domainEnd(text: string, start: number): number {
  let end = start;
  while (end < text.length) {
    const c = text.charCodeAt(end);
    if (isAsciiAlnum(c) || c === 0x2d || c === 0x2e) {
      end++;
      continue;
    }
    if (c < 0x80) break;
    const cp = text.codePointAt(end) ?? 0;
    if (!UNICODE_WORD.test(String.fromCodePoint(cp))) break;
    end += cp > 0xffff ? 2 : 1;
  }
  return end;
}

/**
 * Whether an ASCII hostname (as `URL` leaves it, punycode for Unicode) is a public-looking domain: two or more
 * labels of letters, digits and inner hyphens, ending in an alphabetic or punycode top-level label.
 */
function isDomainName(hostname: string): boolean {
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (labels.length < 2) return false;
  for (const label of labels) {
    if (label.length === 0 || label.length > 63 || label.startsWith('-') || label.endsWith('-')) return false;
    for (let k = 0; k < label.length; k++) {
      const c = label.charCodeAt(k);
      if (!isAsciiAlnum(c) && c !== 0x2d) return false;
    }
  }
  const tld = labels[labels.length - 1] ?? '';
  if (tld.startsWith('xn--')) return tld.length > 4;
  if (tld.length < 2) return false;
  for (let k = 0; k < tld.length; k++) {
    const c = tld.charCodeAt(k);
    if (c < 0x61 || c > 0x7a) return false;
  }
  return true;
}

function parse(href: string): URL | undefined {
  try {
    return new URL(href);
  } catch {
    return undefined;
  }
}

/**
 * The href for a web URL the sender wrote, or `undefined` to leave it as text. `implicit` marks a `www.` host
 * written without a scheme.
 */
function webHref(written: string, implicit: boolean): string | undefined {
  const authorityStart = implicit ? 0 : written.indexOf('//') + 2;
  let authorityEnd = authorityStart;
  while (authorityEnd < written.length && !'/?#\\'.includes(written.charAt(authorityEnd))) authorityEnd++;
  const authority = written.slice(authorityStart, authorityEnd).toLowerCase();
  // Credentials make `https://bank.com@evil.com` read as one host and open another; `%` hides a host's letters.
  if (authority === '' || authority.includes('@') || authority.includes('%')) return undefined;
  const url = parse(implicit ? `https://${written}` : written);
  if (url === undefined || url.protocol === 'mailto:' || !ALLOWED_PROTOCOLS.has(url.protocol)) return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  const host = url.hostname;
  if (host.startsWith('[')) return authority.startsWith('[') ? url.href : undefined;
  const writtenHost = authority.split(':')[0] ?? '';
  // URL reads `0x7f.1` and `2130706433` as 127.0.0.1; only an address written the way it opens is a link.
  if (/^[\d.]+$/.test(host)) return writtenHost === host ? url.href : undefined;
  if (host === 'localhost' && !implicit) return url.href;
  return isDomainName(host) ? url.href : undefined;
}

/** The `mailto:` href for `local@domain`, with the domain in punycode, or `undefined` to leave it as text. */
function emailHref(local: string, domain: string): string | undefined {
  if (local.length === 0 || local.length > 64 || local.startsWith('.') || local.endsWith('.')) return undefined;
  if (local.includes('..') || domain.length > 253) return undefined;
  // The domain holds only letters, digits, hyphens and dots, so this parses a host and nothing else.
  const hostname = parse(`https://${domain}`)?.hostname;
  if (hostname === undefined || !isDomainName(hostname)) return undefined;
  const url = parse(`mailto:${local}@${hostname}`);
  return url !== undefined && ALLOWED_PROTOCOLS.has(url.protocol) ? url.href : undefined;
}

/** A link found at a position: where it ends and what it opens. */
interface Found {
  start: number;
  end: number;
  href: string;
}

/** The `mailto:` link starting at `start`, or `undefined`. */
function mailtoAt(text: string, start: number): Found | undefined {
  const localStart = start + 'mailto:'.length;
  let at = localStart;
  while (at < text.length && isEmailLocal(text.charCodeAt(at))) at++;
  return text.charCodeAt(at) === 0x40 ? emailFrom(text, start, localStart, at) : undefined;
}

/** The email whose local part spans `[localStart, at)` and whose `@` is at `at`, or `undefined`. */
function emailFrom(text: string, start: number, localStart: number, at: number): Found | undefined {
  let end = domainEnd(text, at + 1);
  // `a@b.com@c.com` is no address; leave it whole rather than link half of it.
  if (text.charCodeAt(end) === 0x40) return undefined;
  while (end > at + 1 && (text.charCodeAt(end - 1) === 0x2e || text.charCodeAt(end - 1) === 0x2d)) end--;
  const href = emailHref(text.slice(localStart, at), text.slice(at + 1, end));
  return href === undefined ? undefined : { start, end, href };
}

/**
 * Splits chat message text into text and link tokens, for the widget to render as text nodes and `<a>` elements
 * (never as HTML). Links are `http:`/`https:` URLs, `www.` hosts (opened over https) and email addresses or
 * `mailto:` (opened as `mailto:`); every other scheme stays text. Every href is built with `new URL()`, its
 * protocol checked after parsing, and refused if it carries credentials, an invalid host, invisible or bidi
 * control characters, or more than {@link MAX_URL_LENGTH} characters. After a bidi control character, the rest of
 * the message stays text, since the override would make a link read differently from where it goes.
 *
 * The token texts joined give back the input exactly. The scan is linear in the input's length.
 *
 * @param text - The message as the sender wrote it.
 * @returns The tokens in order; adjacent text is merged, and no token is empty.
 *
 * @example
 * ```ts
 * linkify('Docs at https://example.com/help.');
 * // [
 * //   { kind: 'text', text: 'Docs at ' },
 * //   { kind: 'link', text: 'https://example.com/help', href: 'https://example.com/help' },
 * //   { kind: 'text', text: '.' },
 * // ]
 * ```
 */
export function linkify(text: string): Token[] {
  const tokens: Token[] = [];
  let textStart = 0;
  // Nothing before `floor` may join a link: it is linked already, or was refused as a whole.
  let floor = 0;
  let links = 0;
  let limit = 0;
  while (limit < text.length && !isBidiControl(text.charCodeAt(limit))) limit++;

  let i = 0;
  while (i < limit && links < MAX_LINKS_PER_MESSAGE) {
    const raw = text.charCodeAt(i);
    const c = raw >= 0x41 && raw <= 0x5a ? raw + 0x20 : raw;
    let found: Found | undefined;
    if (c === 0x40) {
      // `@`: walk back over the local part. Each character is walked at most once, as `@` ends every walk.
      let localStart = i;
      while (localStart > floor && isEmailLocal(text.charCodeAt(localStart - 1))) localStart--;
      if (isBoundary(text, localStart)) {
        while (localStart < i && text.charCodeAt(localStart) === 0x27) localStart++;
        if (localStart < i) found = emailFrom(text, localStart, localStart, i);
      }
    } else if ((c === 0x68 || c === 0x77) && isBoundary(text, i)) {
      const prefix = ['https://', 'http://', 'www.'].find((p) => hasPrefixAt(text, i, p));
      if (prefix !== undefined) {
        const stretch = runEnd(text, i);
        const end = trimTrailing(text, i, stretch);
        let href: string | undefined;
        if (end > i + prefix.length && end - i <= MAX_URL_LENGTH) {
          let hidden = false;
          for (let k = i; k < end && !hidden; k++) hidden = isHidden(text.charCodeAt(k));
          if (!hidden) href = webHref(text.slice(i, end), prefix === 'www.');
        }
        if (href === undefined) {
          // Skip the whole stretch: a refused URL's pieces (`pass@host` in `https://user:pass@host`) are no links,
          // and never scanning a stretch twice keeps the work linear.
          i = floor = stretch;
          continue;
        }
        found = { start: i, end, href };
      }
    } else if (c === 0x6d && isBoundary(text, i) && hasPrefixAt(text, i, 'mailto:')) {
      found = mailtoAt(text, i);
    }

    if (found === undefined) {
      i++;
      continue;
    }
    if (found.start > textStart) tokens.push({ kind: 'text', text: text.slice(textStart, found.start) });
    tokens.push({ kind: 'link', text: text.slice(found.start, found.end), href: found.href });
    links++;
    i = textStart = floor = found.end;
  }
  if (textStart < text.length) tokens.push({ kind: 'text', text: text.slice(textStart) });
  return tokens;
}
