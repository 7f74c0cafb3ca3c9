import type { Page } from './protocol/index.js';

/** The page the visitor is on, or undefined outside a browser. */
export function currentPage(): Page | undefined {
  if (typeof location === 'undefined' || typeof document === 'undefined') return undefined;
  return { url: location.href.slice(0, 2048), ...(document.title ? { title: document.title.slice(0, 300) } : {}) };
}

/**
 * Calls `onChange` when the page's URL changes in a single-page app: the Navigation API's
 * `currententrychange` (pushState, replaceState, back/forward) where it exists, `popstate` and
 * `hashchange` everywhere. History methods are never patched: the host page's code stays untouched.
 * Returns the function that stops watching.
 */
export function watchPage(win: EventTarget, onChange: () => void): () => void {
  let last = currentPage()?.url;
  const changed = () => {
    const url = currentPage()?.url;
    if (url === last) return;
    last = url;
    onChange();
  };
  const stops: (() => void)[] = [];
  for (const type of ['popstate', 'hashchange'] as const) {
    win.addEventListener(type, changed);
    stops.push(() => win.removeEventListener(type, changed));
  }
  const navigation = (globalThis as { navigation?: EventTarget }).navigation;
  if (navigation && win === globalThis) {
    navigation.addEventListener('currententrychange', changed);
    stops.push(() => navigation.removeEventListener('currententrychange', changed));
  }
  return () => {
    for (const stop of stops) stop();
  };
}
