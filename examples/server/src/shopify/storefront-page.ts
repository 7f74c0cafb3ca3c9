/**
 * The HTML of the storefront fixture: an Online Store 2.0 product page as Shopify renders it, with the
 * globals a real one carries (`window.Shopify`, `ShopifyAnalytics.meta`, `Shopify.loadFeatures` for the
 * Customer Privacy API), a theme script that uses the Ajax Cart API as Dawn does (no DOM event), a
 * cookie banner, and the Parlor app embed block rendered as `blocks/parlor-chat.liquid` renders it.
 */

/** A product of the fixture catalogue (prices in minor units). */
export interface FixtureProduct {
  id: number;
  handle: string;
  title: string;
  vendor: string;
  variants: { id: number; title: string; price: number }[];
}

/** The three things the fixture sells. */
export const CATALOGUE: readonly FixtureProduct[] = [
  {
    id: 8001,
    handle: 'linen-shirt',
    title: 'Linen shirt',
    vendor: 'Harbour & Co',
    variants: [
      { id: 45001, title: 'S', price: 4900 },
      { id: 45002, title: 'M', price: 4900 },
    ],
  },
  {
    id: 8002,
    handle: 'canvas-tote',
    title: 'Canvas tote',
    vendor: 'Harbour & Co',
    variants: [{ id: 45101, title: 'Default', price: 1900 }],
  },
  {
    id: 8003,
    handle: 'wool-socks',
    title: 'Wool socks <3 pairs>',
    vendor: 'Fjord',
    variants: [{ id: 45201, title: 'Default', price: 1250 }],
  },
];

/**
 * What `blocks/parlor-chat.liquid` reads, in plain form: one storefront request as the platform would hand
 * the block its objects. `test/shopify-embed-block.test.ts` renders the real block from the same inputs.
 */
export interface EmbedInputs {
  /** The block's settings as the merchant saved them; unset ones are absent and take the schema's defaults. */
  settings: Partial<
    Record<'accent' | 'position' | 'greeting' | 'launcher_label' | 'show_on' | 'site_id' | 'server', string>
  >;
  /** The app-data metafields the app writes at install (`app.metafields.parlor.*.value`). */
  metafields: { site_id?: string; server?: string };
  /** `template.name`: `product`, `cart`, `index`… */
  template: string;
  /** `shop.permanent_domain`. */
  shop: string;
  /** `request.locale.iso_code`. */
  locale: string;
  /** `cart.currency.iso_code`. */
  currency: string;
  /** `customer.id` (a number on the platform), or null for a guest. */
  customerId: string | null;
  /** `routes.root_url`. */
  root: string;
  /** `request.design_mode`: rendered inside the theme editor. */
  designMode: boolean;
}

/** The JSON the block renders: exactly its keys, with the types it gives them. */
export interface EmbedConfig {
  siteId: string;
  server: string;
  shop: string;
  locale: string;
  currency: string;
  customer: string | null;
  root: string;
  proxy: string;
  /** An empty string is an unset setting; the loader ignores it. */
  accent: string;
  position: string;
  greeting: string;
  label: string;
  editor: boolean;
}

/** The block schema's defaults, as the platform fills them in for settings the merchant never saved. */
const EMBED_DEFAULTS = { accent: '#3b3bd4', position: 'right', show_on: 'all' } as const;

/** The template language's `blank`: nil, empty or only whitespace. */
const blank = (value: string | undefined): boolean => !value?.trim();

/**
 * What the block renders for these inputs: its JSON config, or null when it renders nothing (a page its
 * `show_on` setting leaves out, or no site id or server).
 */
export function embedConfig(inputs: EmbedInputs): EmbedConfig | null {
  const settings = { ...EMBED_DEFAULTS, ...inputs.settings };
  // `default` takes the setting when the metafield is nil or empty.
  const siteId = inputs.metafields.site_id || settings.site_id;
  const server = inputs.metafields.server || settings.server;
  if (settings.show_on === 'product' && inputs.template !== 'product') return null;
  if (settings.show_on === 'not_cart' && inputs.template === 'cart') return null;
  if (siteId === undefined || blank(siteId) || server === undefined || blank(server)) return null;
  return {
    siteId,
    server,
    shop: inputs.shop,
    locale: inputs.locale,
    currency: inputs.currency,
    customer: inputs.customerId,
    root: inputs.root,
    proxy: '/apps/parlor',
    accent: settings.accent,
    position: settings.position,
    greeting: settings.greeting ?? '',
    label: settings.launcher_label ?? '',
    editor: inputs.designMode,
  };
}

/** JSON safe inside a `<script>` element: no `</script>`, no comment or CDATA openers. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The app embed's markup: the JSON config, then the loader from `loaderSrc` (the block's `asset_url`), in the
 * wrapper the platform puts around an app block.
 */
export function embedBlock(config: EmbedConfig, loaderSrc: string): string {
  return `<div id="shopify-block-parlor-chat" class="shopify-block shopify-app-block">
<script type="application/json" data-parlor-shopify>${scriptJson(config)}</script>
<script src="${escapeHtml(loaderSrc)}" defer></script>
</div>`;
}

/**
 * The snippet a merchant without the app pastes into `layout/theme.liquid` (`examples/shopify/README.md`), as
 * the theme renders it: the loader tag alone, its settings in `data-*` attributes. There is no app proxy, so
 * no `data-proxy`; the merchant's settings (position, label…) go in attributes of their own when set.
 */
export function snippetTag(config: EmbedConfig, loaderSrc: string): string {
  const attributes: [string, string | null][] = [
    ['site-id', config.siteId],
    ['server', config.server],
    ['shop', config.shop],
    ['locale', config.locale],
    ['currency', config.currency],
    ['root', config.root],
    ['customer', config.customer],
    ['accent', config.accent],
    ['position', config.position],
    ['greeting', config.greeting],
    ['label', config.label],
  ];
  const data = attributes
    .filter((entry): entry is [string, string] => !!entry[1])
    .map(([name, value]) => ` data-${name}="${escapeHtml(value)}"`)
    .join('');
  return `<script src="${escapeHtml(loaderSrc)}" defer${data}></script>`;
}

/** Everything the product page varies on. */
export interface PageOptions {
  product: FixtureProduct;
  shop: string;
  root: string;
  locale: string;
  customer: string | null;
  /** The app embed's markup (or the pasted snippet), or null when it is switched off. */
  embed: string | null;
  /** Theme editor preview (`Shopify.designMode`). */
  editor: boolean;
  /** Delay of the product image, in ms: a page whose load event comes late. */
  slowImageMs: number;
  /** The consent banner is shown (no decision recorded yet). */
  banner: boolean;
}

/** The product page. */
export function productPage(o: PageOptions): string {
  const p = o.product;
  const shopify = {
    shop: o.shop,
    locale: o.locale,
    currency: { active: 'EUR', rate: '1.0' },
    country: 'FR',
    theme: { name: 'Dawn', id: 141000000001, schema_name: 'Dawn', schema_version: '15.0.0', role: 'main' },
    routes: { root: o.root },
    cdnHost: 'cdn.shopify.com',
    ...(o.editor ? { designMode: true } : {}),
  };
  const meta = {
    currency: 'EUR',
    product: {
      id: p.id,
      vendor: p.vendor,
      type: 'Apparel',
      variants: p.variants.map((v) => ({
        id: v.id,
        price: v.price,
        name: `${p.title} - ${v.title}`,
        public_title: v.title,
        sku: '',
      })),
    },
    page: { pageType: 'product', resourceType: 'product', resourceId: p.id },
  };
  const image = `${o.root}fixture-image.svg${o.slowImageMs ? `?ms=${o.slowImageMs}` : ''}`;
  const price = (p.variants[0]?.price ?? 0) / 100;
  return `<!doctype html>
<html lang="${escapeHtml(o.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(p.title)} – Harbour Store</title>
<script>var Shopify = Shopify || {};
Object.assign(Shopify, ${scriptJson(shopify)});
Shopify.loadFeatures = function (features, callback) {
  // As Shopify's storefront does: each feature's script is fetched from the platform, then the callback runs.
  var wanted = features.some(function (f) { return f.name === 'consent-tracking-api'; });
  if (!wanted || Shopify.customerPrivacy) { setTimeout(function () { callback(false); }); return; }
  var s = document.createElement('script');
  s.src = ${scriptJson(`${o.root}shopifycloud/consent-tracking-api.js`)};
  s.onload = function () { callback(false); };
  s.onerror = function () { callback(new Error('consent-tracking-api failed to load')); };
  document.head.appendChild(s);
};</script>
<script>window.ShopifyAnalytics = window.ShopifyAnalytics || {};
window.ShopifyAnalytics.meta = ${scriptJson(meta)};</script>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1a1a1a; }
  header { display: flex; gap: 16px; align-items: center; padding: 12px 24px; border-bottom: 1px solid #ddd; }
  header .logo { font-weight: 700; margin-right: auto; }
  main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 32px; max-width: 960px; margin: 24px auto; padding: 0 24px; }
  .media { aspect-ratio: 1; background: #f3efe8; }
  .media img { width: 100%; height: 100%; display: block; }
  button { font: inherit; padding: 10px 18px; }
  #cookie-banner { position: fixed; left: 16px; bottom: 16px; max-width: 360px; background: #fff; border: 1px solid #ccc; padding: 12px; }
</style>
</head>
<body>
<div id="shopify-section-header" class="shopify-section"><header>
  <a class="logo" href="${escapeHtml(o.root)}">Harbour Store</a>
  <small id="fixture-label">Test fixture: not a real store</small>
  ${
    o.customer
      ? `<span id="account">Signed in (customer ${escapeHtml(o.customer)})</span> <a id="logout" href="${escapeHtml(o.root)}account/logout">Log out</a>`
      : `<a id="login" href="${escapeHtml(o.root)}account/login?customer=7">Log in</a>`
  }
  <a href="${escapeHtml(o.root)}cart">Cart (<span id="cart-count">0</span>)</a>
</header></div>
<main id="shopify-section-template--main" class="shopify-section">
  <div class="media"><img src="${escapeHtml(image)}" alt="${escapeHtml(p.title)}" width="600" height="600"></div>
  <div>
    <p>${escapeHtml(p.vendor)}</p>
    <h1>${escapeHtml(p.title)}</h1>
    <p class="price">€${price.toFixed(2)} EUR</p>
    <form id="product-form" data-product-id="${p.id}">
      <select name="id">${p.variants.map((v) => `<option value="${v.id}">${escapeHtml(v.title)}</option>`).join('')}</select>
      <input name="quantity" type="number" value="1" min="1">
      <button id="add-to-cart" type="submit">Add to cart</button>
    </form>
    <p>Soft washed linen, cut for warm days by the sea.</p>
  </div>
</main>
${
  o.banner
    ? `<div id="cookie-banner" role="dialog" aria-label="Cookie preferences"><p>We use cookies for analytics and to remember your choices.</p>
<button id="consent-accept" type="button">Accept</button> <button id="consent-decline" type="button">Decline</button></div>`
    : ''
}
<script>(function () {
  var root = Shopify.routes.root;
  function count() {
    return fetch(root + 'cart.js').then(function (r) { return r.json(); }).then(function (cart) {
      document.getElementById('cart-count').textContent = String(cart.item_count);
    });
  }
  count();
  document.getElementById('product-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var data = new FormData(event.target);
    fetch(root + 'cart/add.js', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ items: [{ id: Number(data.get('id')), quantity: Number(data.get('quantity')) }] }),
    })
      // As Dawn does: the added items come back and update the drawer.
      .then(function (r) { return r.json(); })
      .then(count);
  });
  var banner = document.getElementById('cookie-banner');
  function decide(allowed) {
    Shopify.loadFeatures([{ name: 'consent-tracking-api', version: '0.1' }], function (error) {
      if (error) return;
      Shopify.customerPrivacy.setTrackingConsent(
        { analytics: allowed, marketing: allowed, preferences: allowed, sale_of_data: allowed },
        function () { banner.remove(); }
      );
    });
  }
  if (banner) {
    document.getElementById('consent-accept').addEventListener('click', function () { decide(true); });
    document.getElementById('consent-decline').addEventListener('click', function () { decide(false); });
  }
})();</script>
${o.embed ?? ''}
</body>
</html>
`;
}

/**
 * The Customer Privacy API as `Shopify.loadFeatures` delivers it, for a shop in a region where consent is
 * required: nothing is allowed until the visitor decides; the decision is kept in the `_tracking_consent`
 * cookie and announced with a `visitorConsentCollected` event on the document.
 */
export const CONSENT_TRACKING_API = `(function () {
  function read() {
    var m = document.cookie.match(/(?:^|; )_tracking_consent=([^;]*)/);
    try { return m ? JSON.parse(decodeURIComponent(m[1])) : null; } catch (e) { return null; }
  }
  function allowed(key) { var c = read(); return !!(c && c[key]); }
  window.Shopify = window.Shopify || {};
  window.Shopify.customerPrivacy = {
    analyticsProcessingAllowed: function () { return allowed('analytics'); },
    preferencesProcessingAllowed: function () { return allowed('preferences'); },
    marketingAllowed: function () { return allowed('marketing'); },
    saleOfDataAllowed: function () { return allowed('sale_of_data'); },
    userCanBeTracked: function () { return allowed('analytics') && allowed('marketing'); },
    shouldShowBanner: function () { return read() === null; },
    currentVisitorConsent: function () {
      var c = read() || {};
      function v(b) { return b === undefined ? '' : b ? 'yes' : 'no'; }
      return { analytics: v(c.analytics), marketing: v(c.marketing), preferences: v(c.preferences), sale_of_data: v(c.sale_of_data) };
    },
    setTrackingConsent: function (consent, callback) {
      var value = { analytics: !!consent.analytics, marketing: !!consent.marketing, preferences: !!consent.preferences, sale_of_data: !!consent.sale_of_data };
      document.cookie = '_tracking_consent=' + encodeURIComponent(JSON.stringify(value)) + '; path=/; SameSite=Lax';
      setTimeout(function () {
        document.dispatchEvent(new CustomEvent('visitorConsentCollected', {
          detail: {
            analyticsAllowed: value.analytics,
            marketingAllowed: value.marketing,
            preferencesAllowed: value.preferences,
            saleOfDataAllowed: value.sale_of_data,
            firstPartyMarketingAllowed: value.marketing,
            thirdPartyMarketingAllowed: value.marketing,
          },
        }));
        if (callback) callback();
      });
    },
  };
})();
`;

/** The product image (a flat illustration). */
export const PRODUCT_IMAGE = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 60 60"><rect width="60" height="60" fill="#f3efe8"/><path d="M18 14h8l4 4 4-4h8l6 10-6 3v19H18V27l-6-3z" fill="#c9b79c"/></svg>`;
