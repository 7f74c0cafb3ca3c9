import { useState, useSyncExternalStore } from 'react';
import { CustomChatPage } from './custom-chat-page.tsx';
import { ProductPage } from './product-page.tsx';

const subscribe = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};
const route = () => (location.hash === '#/chat' ? 'chat' : 'product');

/** Two pages, switched by the URL hash: no router needed for an example. */
export function App() {
  const page = useSyncExternalStore(subscribe, route, () => 'product');
  const [unread, setUnread] = useState(0);
  return (
    <>
      <header>
        <strong>Walnut &amp; Co.</strong>
        <nav>
          <a href="#/" aria-current={page === 'product' ? 'page' : undefined}>
            Product
          </a>
          <a href="#/chat" aria-current={page === 'chat' ? 'page' : undefined}>
            Support chat {unread > 0 && <span className="badge">{unread}</span>}
          </a>
        </nav>
      </header>
      {page === 'product' ? <ProductPage onUnread={setUnread} /> : <CustomChatPage onUnread={setUnread} />}
    </>
  );
}
