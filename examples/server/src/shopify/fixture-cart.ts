/**
 * The storefront fixture's carts, answering as Shopify's Ajax Cart API does (`/cart.js`, `/cart/add.js`,
 * `/cart/change.js`, `/cart/update.js`, `/cart/clear.js`), in the same JSON shapes, prices in minor units.
 */
import type { FixtureProduct } from './storefront-page.js';

interface Line {
  variantId: number;
  quantity: number;
}

/** An answer for the fixture's router. */
export interface CartAnswer {
  status: number;
  body: unknown;
}

const MAX_CARTS = 1000;
const MAX_QUANTITY = 999;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const quantityOf = (value: unknown): number | null =>
  Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_QUANTITY ? (value as number) : null;

/** Carts by token, in memory, oldest dropped past 1,000. */
export class CartStore {
  readonly #carts = new Map<string, Line[]>();
  readonly #variants = new Map<number, { product: FixtureProduct; title: string; price: number }>();

  constructor(catalogue: readonly FixtureProduct[]) {
    for (const product of catalogue)
      for (const v of product.variants) this.#variants.set(v.id, { product, title: v.title, price: v.price });
  }

  #lines(token: string): Line[] {
    let lines = this.#carts.get(token);
    if (!lines) {
      if (this.#carts.size >= MAX_CARTS) this.#carts.delete(this.#carts.keys().next().value ?? '');
      lines = [];
      this.#carts.set(token, lines);
    }
    return lines;
  }

  #item(line: Line) {
    const variant = this.#variants.get(line.variantId);
    if (!variant) throw new Error(`unknown variant ${line.variantId}`);
    const { product, title, price } = variant;
    const key = `${line.variantId}:fixture`;
    return {
      id: line.variantId,
      properties: {},
      quantity: line.quantity,
      variant_id: line.variantId,
      key,
      title: title === 'Default' ? product.title : `${product.title} - ${title}`,
      price,
      original_price: price,
      final_price: price,
      line_price: price * line.quantity,
      original_line_price: price * line.quantity,
      final_line_price: price * line.quantity,
      sku: null,
      vendor: product.vendor,
      product_id: product.id,
      product_title: product.title,
      variant_title: title === 'Default' ? null : title,
      handle: product.handle,
      url: `/products/${product.handle}?variant=${line.variantId}`,
    };
  }

  /** The cart as `GET /cart.js` returns it. */
  view(token: string) {
    const items = this.#lines(token).map((line) => this.#item(line));
    const total = items.reduce((sum, item) => sum + item.final_line_price, 0);
    return {
      token,
      note: null,
      attributes: {},
      original_total_price: total,
      total_price: total,
      total_discount: 0,
      total_weight: 0,
      item_count: items.reduce((sum, item) => sum + item.quantity, 0),
      items,
      requires_shipping: true,
      currency: 'EUR',
      items_subtotal_price: total,
      cart_level_discount_applications: [],
    };
  }

  #set(token: string, variantId: number, quantity: number, add: boolean): void {
    const lines = this.#lines(token);
    const line = lines.find((l) => l.variantId === variantId);
    const next = Math.min((add ? (line?.quantity ?? 0) : 0) + quantity, MAX_QUANTITY);
    if (line && next === 0) lines.splice(lines.indexOf(line), 1);
    else if (line) line.quantity = next;
    else if (next > 0) lines.push({ variantId, quantity: next });
  }

  /** `POST /cart/<action>.js` with a JSON body. */
  apply(token: string, action: string, body: unknown): CartAnswer {
    const bad = (description: string): CartAnswer => ({
      status: 422,
      body: { status: 422, message: 'Cart Error', description },
    });
    if (!isRecord(body)) return bad('the body must be a JSON object');
    const variantOf = (value: unknown): number | null => {
      const id = typeof value === 'string' ? Number.parseInt(value, 10) : value;
      return typeof id === 'number' && this.#variants.has(id) ? id : null;
    };
    switch (action) {
      case 'add': {
        const items = Array.isArray(body.items) ? body.items : [body];
        const added: Line[] = [];
        for (const raw of items) {
          if (!isRecord(raw)) return bad('each item needs an id');
          const variantId = variantOf(raw.id);
          const quantity = raw.quantity === undefined ? 1 : quantityOf(raw.quantity);
          if (variantId === null)
            return { status: 404, body: { status: 404, message: 'Cart Error', description: 'Cannot find variant' } };
          if (quantity === null || quantity === 0) return bad('quantity must be a positive integer');
          added.push({ variantId, quantity });
        }
        for (const line of added) this.#set(token, line.variantId, line.quantity, true);
        const lines = this.#lines(token);
        const items2 = added.map((a) => this.#item(lines.find((l) => l.variantId === a.variantId) ?? a));
        return { status: 200, body: Array.isArray(body.items) ? { items: items2 } : items2[0] };
      }
      case 'change': {
        const quantity = quantityOf(body.quantity);
        if (quantity === null) return bad('quantity must be an integer');
        const lines = this.#lines(token);
        const byLine = Number.isInteger(body.line) ? lines[(body.line as number) - 1] : undefined;
        const id = typeof body.id === 'string' ? body.id.split(':')[0] : body.id;
        const variantId = byLine?.variantId ?? variantOf(id);
        if (variantId === null || !lines.some((l) => l.variantId === variantId)) return bad('no such line in the cart');
        this.#set(token, variantId, quantity, false);
        return { status: 200, body: this.view(token) };
      }
      case 'update': {
        if (!isRecord(body.updates)) return bad('updates must be an object of variant id to quantity');
        for (const [id, raw] of Object.entries(body.updates)) {
          const variantId = variantOf(id);
          const quantity = quantityOf(raw);
          if (variantId === null || quantity === null) return bad(`bad update for ${id.slice(0, 20)}`);
          this.#set(token, variantId, quantity, false);
        }
        return { status: 200, body: this.view(token) };
      }
      case 'clear':
        this.#lines(token).length = 0;
        return { status: 200, body: this.view(token) };
      default:
        return {
          status: 404,
          body: { status: 404, message: 'Not found', description: `no cart/${action.slice(0, 20)}.js` },
        };
    }
  }
}
