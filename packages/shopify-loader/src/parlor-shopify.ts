/**
 * The Shopify storefront loader, `dist/parlor-shopify.js`.
 *
 * Rendered by the theme app embed as
 * `<script src=".../parlor-shopify.js" data-widget-src=".../parlor.js" data-site-id="…" data-server="…" defer>`.
 * It costs the store nothing up front: the widget script is injected only when the browser is idle or
 * the visitor first interacts with the page, whichever comes first, and only once per page even if the
 * theme editor injects this loader again.
 */

const script = document.currentScript as HTMLScriptElement | null;
const MARK = 'data-parlor-shopify';

function inject(): void {
  const data = script?.dataset;
  if (!script || !data?.widgetSrc || document.querySelector(`script[${MARK}]`)) return;
  const tag = document.createElement('script');
  tag.src = new URL(data.widgetSrc, script.src).href;
  tag.async = true;
  tag.setAttribute(MARK, '');
  for (const key of ['siteId', 'server', 'position', 'launcherLabel'] as const) {
    const value = data[key];
    if (value) tag.dataset[key] = value;
  }
  document.head.append(tag);
}

let started = false;
function start(): void {
  if (started) return;
  started = true;
  for (const type of events) removeEventListener(type, start);
  inject();
}

const events = ['pointerdown', 'keydown', 'touchstart', 'scroll'] as const;
for (const type of events) addEventListener(type, start, { once: true, passive: true });
if ('requestIdleCallback' in window) requestIdleCallback(start, { timeout: 4000 });
else setTimeout(start, 2000);
