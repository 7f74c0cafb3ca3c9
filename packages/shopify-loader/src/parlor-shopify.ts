/**
 * The Shopify storefront loader, `dist/parlor-shopify.js`: a classic script the app embed block renders
 * (or a merchant pastes) after its JSON config. It costs the store nothing up front: it waits for the
 * page's load event and then an idle moment, or the visitor's first tap or key press, before it loads the
 * widget script (which draws the launcher; a fixed element, so nothing on the page moves). It then
 *
 * - signs in a logged-in customer with a JWT from the shop's app proxy (see identity.ts),
 * - follows the storefront's consent (see consent.ts) and, only with it, shares the shop and the cart
 *   (see cart.ts) with agents, adapting live when the visitor decides,
 * - survives the theme editor: running it again, or a `shopify:section:load`, applies the new settings to
 *   the one widget on the page instead of adding a second.
 *
 * `window.ParlorShopify.refresh()` re-reads the settings (for themes that swap the page's markup).
 */
import { watchCart } from './cart.js';
import { readConfig, type LoaderConfig } from './config.js';
import { currentConsent, loadPrivacy, watchConsent, type Consent } from './consent.js';
import { forget, proxyTokens, record } from './identity.js';

/** The part of the widget's `window.Parlor` the loader uses. */
interface ParlorApi {
  init(options: Record<string, unknown>): void;
  identify(identity: { mode: 'jwt'; token: () => Promise<string | undefined> }): Promise<void>;
  setContext(context: Record<string, unknown>): void;
  setConsent(consent: Consent): void;
  on(event: 'ready', listener: () => void): () => void;
  readonly element: HTMLElement | undefined;
  readonly client:
    | {
        subscribe(listener: () => void): () => void;
        getSnapshot(): { visitor: object | null; connection: { status: string } };
      }
    | undefined;
}

/** `window.ParlorShopify`: the one loader of the page. */
interface LoaderGlobal {
  /** Re-reads the settings and applies them to the widget (the theme editor calls this for you). */
  refresh(): void;
}

const w = window as unknown as { Parlor?: ParlorApi; ParlorShopify?: LoaderGlobal };

function start(script: HTMLScriptElement | null): LoaderGlobal {
  let config = readConfig(script);
  let parlor: ParlorApi | undefined;
  let started = false;
  let allowed = false;
  let cartWatched = false;

  /** Consent changed (or is known for the first time): share the shop and cart only while it holds. */
  const consent = (c: LoaderConfig, value: Consent) => {
    allowed = value.context;
    parlor?.setConsent(value);
    if (!allowed) return;
    const meta = (window as { ShopifyAnalytics?: { meta?: { page?: { pageType?: string } } } }).ShopifyAnalytics?.meta;
    parlor?.setContext({
      attributes: {
        signedIn: !!c.customer,
        shop: c.shop,
        locale: c.locale,
        currency: c.currency,
        pageType: meta?.page?.pageType,
      },
    });
    if (!cartWatched)
      watchCart(
        c.root,
        () => allowed,
        (cart) => parlor?.setContext({ cart }),
      );
    cartWatched = true;
  };

  let identity: object | undefined;
  /**
   * Mounts the widget with the merchant's settings; again when they change in the theme editor, or when the
   * widget was removed with the markup around it. `Parlor.init` replaces the widget, never adds a second.
   */
  const mount = () => {
    const c = config;
    if (!parlor || !c) return;
    parlor.init({
      siteId: c.siteId,
      server: c.server,
      locale: c.locale,
      position: c.position,
      greeting: c.greeting,
      launcherLabel: c.label,
      identity,
    });
    if (c.accent) parlor.element?.style.setProperty('--parlor-accent', c.accent);
    consent(c, currentConsent());
  };

  const boot = async () => {
    const c = config;
    if (!c) return;
    const previous = record(c.siteId);
    const tokens = proxyTokens(c.proxy);
    let token: string | undefined;
    if (c.customer) {
      // Another customer chatted on this browser before: start clean, then sign this one in.
      if (previous?.startsWith('c:') && previous !== `c:${c.customer}`) await forget(c.siteId);
      token = await tokens().catch(() => undefined);
    } else if (previous?.startsWith('c:')) {
      // The customer logged out: nothing of theirs stays, and the next chat is a new visitor.
      await forget(c.siteId);
    }
    // A guest who chatted and just logged in: resume as that guest, then identify, so the server moves
    // the conversation to the customer (a JWT from the start would open the customer's own, empty, store).
    const carry = token !== undefined && previous === 'g';
    await Promise.all([loadPrivacy(), widget(c.widget)]);
    parlor = w.Parlor;
    if (!parlor?.init) return;
    const jwt = { mode: 'jwt', token: tokens } as const;
    const mark = token ? `c:${c.customer}` : 'g';
    parlor.on('ready', () => {
      if (!carry) return void record(c.siteId, mark);
      // The panel is mounted once this task ends; its client then reconnects as the returning guest.
      setTimeout(() => {
        const client = parlor?.client;
        if (!client) return;
        // Not called during subscribe(), so `stop` is set by the time it runs.
        const check = () => {
          const state = client.getSnapshot();
          if (!state.visitor || state.connection.status !== 'open') return;
          stop();
          void parlor?.identify(jwt).then(() => record(c.siteId, mark));
        };
        const stop = client.subscribe(check);
        check();
      });
    });
    if (token && !carry) identity = jwt;
    mount();
    watchConsent((value) => config && consent(config, value));
  };

  const go = () => {
    if (started) return;
    started = true;
    void boot();
  };
  for (const type of TRIGGERS) addEventListener(type, go, { capture: true, passive: true });
  // Browsers without requestIdleCallback (Safari) start right after the load event instead.
  const idle = () => (window.requestIdleCallback ?? setTimeout)(go, { timeout: 4000 });
  // The theme editor shows the launcher at once, so the merchant sees what they are setting up.
  if (config?.editor) go();
  else if (document.readyState === 'complete') idle();
  else addEventListener('load', idle);

  const refresh = () => {
    const next = readConfig(null);
    const el = parlor?.element;
    if (!next || (el?.isConnected && JSON.stringify(next) == JSON.stringify(config))) return;
    config = next;
    mount();
  };
  document.addEventListener('shopify:section:load', refresh);
  return { refresh };
}

/** The first tap, click or key press starts the widget at once (pointerdown covers touch). */
const TRIGGERS = ['pointerdown', 'keydown'] as const;

/** Loads the widget script once; resolves when `window.Parlor` is there (or the script failed). */
function widget(src: string): Promise<void> {
  return new Promise((resolve) => {
    if (w.Parlor?.init) return resolve();
    const tag = document.createElement('script');
    tag.src = src;
    tag.onload = tag.onerror = () => resolve();
    document.head.append(tag);
  });
}

// Injected twice (a theme editor re-render, the app embed plus a pasted snippet): one loader, new settings.
if (w.ParlorShopify) w.ParlorShopify.refresh();
else w.ParlorShopify = start(document.currentScript as HTMLScriptElement | null);
