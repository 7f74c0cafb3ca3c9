import { ChatWidget, type ChatWidgetHandle } from '@parlor/react';
import { useRef, useState } from 'react';
import { PARLOR } from './config.ts';

const PRODUCT = { sku: 'walnut-desk', name: 'Walnut desk', price: 64900, currency: 'EUR' };

/** A product page with the widget: the cart and the product go to the agent, a button asks about the product. */
export function ProductPage({ onUnread }: { onUnread: (count: number) => void }) {
  const chat = useRef<ChatWidgetHandle>(null);
  const [quantity, setQuantity] = useState(0);
  const [consent, setConsent] = useState(false);
  const [log, setLog] = useState<string[]>([]);
  const note = (line: string) => setLog((lines) => [line, ...lines].slice(0, 5));

  return (
    <main className="product">
      <section>
        <h1>{PRODUCT.name}</h1>
        <p>Solid walnut, oiled by hand, 140 × 70 cm. Ships in two weeks.</p>
        <p className="price">€{(PRODUCT.price / 100).toFixed(2)}</p>
        <button type="button" onClick={() => setQuantity((n) => n + 1)}>
          Add to cart ({quantity})
        </button>
        <button type="button" onClick={() => void chat.current?.send(`A question about the ${PRODUCT.name}:`)}>
          Ask about this product
        </button>
        <label>
          <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} />
          Share my cart and this page with support
        </label>
      </section>
      <aside aria-label="Widget events">
        <h2>Widget events</h2>
        <ul>
          {log.map((line, i) => (
            <li key={i}>{line}</li>
          ))}
        </ul>
      </aside>
      <ChatWidget
        ref={chat}
        siteId={PARLOR.siteId}
        server={PARLOR.server}
        theme="auto"
        greeting="Hi! Questions about the walnut desk?"
        greetingDelay={5}
        consent={{ context: consent, analytics: false }}
        context={{
          attributes: { product: PRODUCT.sku },
          cart: quantity
            ? {
                currency: PRODUCT.currency,
                total: quantity * PRODUCT.price,
                itemCount: quantity,
                items: [{ id: PRODUCT.sku, title: PRODUCT.name, quantity, price: PRODUCT.price }],
              }
            : null,
        }}
        style={{ '--parlor-accent': '#6b4226' }}
        onReady={(e) => note(`ready (${e.detail.locale})`)}
        onOpen={() => note('opened')}
        onClose={() => note('closed')}
        onMessage={(e) => note(`message from ${e.detail.message.author.role}`)}
        onUnreadChange={(e) => onUnread(e.detail.unread)}
        onError={(e) => note(`error: ${e.detail.error.code}`)}
      />
    </main>
  );
}
