/**
 * The storefront's consent, from Shopify's Customer Privacy API. Cart, page and shop details are shared
 * with agents only when `analyticsProcessingAllowed()` says so; without the API, nothing is.
 */

/** The part of `Shopify.customerPrivacy` the loader reads. */
interface CustomerPrivacy {
  analyticsProcessingAllowed(): boolean;
}

interface ShopifyGlobal {
  customerPrivacy?: CustomerPrivacy;
  loadFeatures?(features: { name: string; version: string }[], callback: (error?: unknown) => void): void;
}

/** Parlor's consent, as the widget takes it. */
export interface Consent {
  context: boolean;
  analytics: boolean;
}

const shopify = (): ShopifyGlobal | undefined => (window as { Shopify?: ShopifyGlobal }).Shopify;

/** What the visitor allows now (nothing until the API says otherwise). */
export function currentConsent(): Consent {
  const allowed = shopify()?.customerPrivacy?.analyticsProcessingAllowed() === true;
  return { context: allowed, analytics: allowed };
}

/** Loads the Customer Privacy API (once, at most 3 s) and resolves when it is there or given up on. */
export function loadPrivacy(): Promise<void> {
  return new Promise((resolve) => {
    const s = shopify();
    setTimeout(resolve, 3000);
    if (s?.loadFeatures && !s.customerPrivacy)
      s.loadFeatures([{ name: 'consent-tracking-api', version: '0.1' }], () => resolve());
    else resolve();
  });
}

/** Calls `onChange` whenever the visitor records a decision (`visitorConsentCollected`, fired by the API). */
export function watchConsent(onChange: (consent: Consent) => void): void {
  document.addEventListener('visitorConsentCollected', () => onChange(currentConsent()));
}
