/** Schemes a link in a message may use; anything else stays plain text. */
const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** Candidate links in message text: only ones that start with an allowed scheme are ever considered. */
const LINK_PATTERN = /\b(?:https?:\/\/|mailto:)[^\s<>"'`]+/gi;

/** Punctuation that usually ends a sentence rather than a URL. */
const TRAILING_PUNCTUATION = /[.,;:!?'")\]}]+$/;

/**
 * Returns the normalised href when `candidate` is an http(s) or mailto URL (resolved against `base` when
 * given), else null; `javascript:`, `data:` and friends are refused.
 */
export function safeHref(candidate: string, base?: string): string | null {
  let url: URL;
  try {
    url = base === undefined ? new URL(candidate) : new URL(candidate, base);
  } catch {
    return null;
  }
  return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
}

/** Sets an anchor up to open outside the console without handing it a reference or a referrer. */
export function makeExternalLink(anchor: HTMLAnchorElement, href: string): HTMLAnchorElement {
  anchor.href = href;
  anchor.rel = 'noopener noreferrer nofollow';
  anchor.target = '_blank';
  return anchor;
}

/**
 * Renders message text as text nodes and safe links. Never parses HTML: `<img onerror>` comes out as the
 * literal characters, and only http, https and mailto URLs become links.
 */
export function linkifyText(text: string, doc: Document = document): DocumentFragment {
  const fragment = doc.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(LINK_PATTERN)) {
    const start = match.index;
    let raw = match[0];
    const trailing = TRAILING_PUNCTUATION.exec(raw)?.[0] ?? '';
    raw = raw.slice(0, raw.length - trailing.length);
    const href = safeHref(raw);
    if (!href || raw.length === 0) continue;
    if (start > last) fragment.append(doc.createTextNode(text.slice(last, start)));
    const anchor = makeExternalLink(doc.createElement('a'), href);
    anchor.textContent = raw;
    fragment.append(anchor);
    last = start + raw.length;
  }
  if (last < text.length) fragment.append(doc.createTextNode(text.slice(last)));
  return fragment;
}
