/**
 * The loader's settings: the JSON the app embed block renders (`<script type="application/json"
 * data-parlor-shopify>`, the last one on the page wins), else the `data-*` attributes of the loader's own
 * tag (the pasted snippet). Storefront globals only fill in the cart route.
 */

/** What the app embed (or the snippet) tells the loader. Everything here is a hint, not proof. */
export interface LoaderConfig {
  /** The Parlor site id. */
  siteId: string;
  /** The Parlor server's base URL. */
  server: string;
  /** The widget script; default `<server>/cdn/parlor.js`. */
  widget: string;
  /** The shop's permanent domain (`x.myshopify.com`), shown to agents with consent. */
  shop?: string;
  /** The storefront's locale (`request.locale.iso_code`). */
  locale?: string;
  /** The cart's currency (`cart.currency.iso_code`). */
  currency?: string;
  /** The logged-in customer's id, or null for a guest. Only the app proxy's signature proves it. */
  customer: string | null;
  /** `routes.root_url` with a trailing slash: where `cart.js` lives, locale included. */
  root: string;
  /** The app proxy's storefront path, no trailing slash; default `/apps/parlor`. */
  proxy: string;
  /** Merchant settings from the theme editor. */
  accent?: string;
  position?: string;
  greeting?: string;
  label?: string;
  /** Rendered inside the theme editor (`request.design_mode`; any `data-editor` value on the snippet). */
  editor?: boolean | string;
}

/** Reads the settings; undefined (with a console warning) when the site id or server is missing. */
export function readConfig(script: HTMLScriptElement | null): LoaderConfig | undefined {
  const nodes = document.querySelectorAll('script[type="application/json"][data-parlor-shopify]');
  let raw: Partial<LoaderConfig> = {};
  try {
    raw = JSON.parse(nodes[nodes.length - 1]?.textContent ?? '{}') as Partial<LoaderConfig>;
  } catch {
    // A broken block falls back to the attributes.
  }
  // An empty theme setting means "not set" (an empty launcher label would leave the button nameless).
  const c = Object.fromEntries(
    Object.entries({ ...script?.dataset, ...raw }).filter(([, value]) => value !== ''),
  ) as unknown as LoaderConfig;
  const { siteId, server } = c;
  if (!siteId || !/^https?:\/\//.test(server)) {
    console.warn('Parlor: bad config');
    return undefined;
  }
  const root = (window as { Shopify?: { routes?: { root?: string } } }).Shopify?.routes?.root;
  c.widget ||= new URL('/cdn/parlor.js', server).href;
  c.customer ??= null;
  c.root = `${c.root || root || ''}/`.replace(/\/+$/, '/');
  c.proxy ||= '/apps/parlor';
  return c;
}
