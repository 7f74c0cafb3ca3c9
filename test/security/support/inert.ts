/**
 * Checks, inside a real page, that untrusted text stayed text: no element, attribute or URL that could run
 * code or restyle the page came out of it. Runs in the browser (through `page.evaluate`), walking open shadow
 * roots, so it sees the widget's nested panel as well as the console's plain DOM.
 */
import type { Page } from 'playwright-core';

/** Elements that must never come out of untrusted text. */
const FORBIDDEN = [
  'script',
  'iframe',
  'frame',
  'object',
  'embed',
  'style',
  'link',
  'meta',
  'base',
  'form',
  'input',
  'textarea',
  'select',
  'button',
  'svg',
  'math',
  'video',
  'audio',
  'source',
  'marquee',
  'details',
  'body',
  'img',
];

/**
 * Offences under the elements matching `scope` (searched through shadow roots): forbidden elements (except
 * those matching `allow`), `on*` and `style` attributes, and links or images whose URL is not http(s) or mailto.
 */
export function offences(page: Page, scope: string, allow = ''): Promise<string[]> {
  return page.evaluate(
    ({ scope, allow, forbidden }) => {
      const found: string[] = [];
      const roots: (Document | ShadowRoot)[] = [document];
      const containers: Element[] = [];
      for (let root = roots.pop(); root; root = roots.pop()) {
        containers.push(...root.querySelectorAll(scope));
        for (const el of root.querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
      }
      if (containers.length === 0) found.push(`nothing matches ${scope}: the check would see nothing`);
      for (const container of containers) {
        for (const el of container.querySelectorAll('*')) {
          const tag = el.localName;
          if (forbidden.includes(tag) && !(allow && el.matches(allow))) found.push(`<${tag}> in ${scope}`);
          for (const attr of el.getAttributeNames()) {
            if (/^on/i.test(attr)) found.push(`${attr}= on <${tag}>`);
            if (attr === 'style' || attr === 'srcdoc' || attr === 'formaction') found.push(`${attr}= on <${tag}>`);
          }
          const url = el.getAttribute('href') ?? (tag === 'img' ? el.getAttribute('src') : null);
          if (url !== null) {
            let protocol = 'bad:';
            try {
              protocol = new URL(url, location.href).protocol;
            } catch {
              // unparsable: counts as bad
            }
            if (!['http:', 'https:', 'mailto:'].includes(protocol)) found.push(`${protocol} URL on <${tag}>: ${url}`);
            if (tag === 'a' && !/noopener/.test(el.getAttribute('rel') ?? '') && !url.startsWith('mailto:'))
              found.push(`<a> without rel=noopener: ${url}`);
          }
        }
      }
      return found;
    },
    { scope, allow, forbidden: FORBIDDEN },
  );
}

/** Counts `securitypolicyviolation` events from now on (read with {@link violations}). */
export async function countViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
}

/** The CSP violations the page saw since {@link countViolations}. */
export function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __violations?: string[] }).__violations ?? []);
}
