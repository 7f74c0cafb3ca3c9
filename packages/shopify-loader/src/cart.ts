/**
 * The visitor's cart, read from the Ajax Cart API (`<routes.root>cart.js`, so the locale is kept) and
 * refreshed after every cart change: on the cart events some themes fire, and otherwise by watching the
 * page's own requests to the cart endpoints finish (Resource Timing: no fetch or XHR is wrapped). Chromium
 * reports a fetch only once its response body has been read, which every theme that shows the new cart does.
 */

/** The cart as Parlor's protocol carries it (prices in minor units, at most 50 lines; line keys are short). */
export interface Cart {
  currency: string;
  total: number;
  itemCount: number;
  items: { id: string; title: string; quantity: number; price: number }[];
}

interface ShopifyCart {
  currency: string;
  total_price: number;
  item_count: number;
  items: {
    key: string;
    product_title?: string;
    title: string;
    quantity: number;
    final_price?: number;
    price: number;
  }[];
}

/** Requests that change the cart. */
const CHANGES = /\/cart\/(add|change|update|clear)\b/;

/**
 * Reads the cart now and after each change, while `allowed()` holds (it is asked before every read, so
 * withdrawn consent stops the reads without unhooking anything).
 */
export function watchCart(root: string, allowed: () => boolean, onCart: (cart: Cart) => void): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (allowed())
        fetch(`${root}cart.js`)
          .then((r) => r.json() as Promise<ShopifyCart>)
          .then((c) =>
            onCart({
              currency: c.currency,
              total: c.total_price,
              itemCount: c.item_count,
              items: c.items.slice(0, 50).map((i) => ({
                id: i.key,
                title: (i.product_title ?? i.title).slice(0, 300),
                quantity: i.quantity,
                price: i.final_price ?? i.price,
              })),
            }),
          )
          .catch(() => undefined);
    }, 250);
  };
  refresh();
  for (const name of ['cart:update', 'shopify:cart:update', 'shopify:cart:change'])
    document.addEventListener(name, refresh);
  new PerformanceObserver((list) => {
    if (list.getEntries().some((e) => CHANGES.test(e.name))) refresh();
  }).observe({ type: 'resource' });
}
