// Helpers for @parlor/react's browser tests: mount a React tree in the page, and forget a test's visitor.
import type { ReactNode } from 'react';
import { startServer, stopServer, type TestServerInfo } from '../../../test/support/server.js';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';

export interface Mounted {
  readonly container: HTMLElement;
  /** Renders a new tree into the same root, synchronously (layout and passive effects included). */
  render(node: ReactNode): void;
  /** Unmounts the tree and removes the container. */
  unmount(): void;
}

/**
 * The React major this page should run: the react18 group's page says 18 (see react-esm-plugin.mjs); every other
 * page runs the React 19 the package develops with. Tests whose React behaves differently by version branch on it.
 */
export const pageReact: number = (globalThis as { __PARLOR_REACT__?: number }).__PARLOR_REACT__ ?? 19;

const mounted = new Set<Mounted>();

/** Renders `node` into a fresh container in the document, synchronously. */
export function mount(node: ReactNode): Mounted {
  const container = document.createElement('div');
  document.body.append(container);
  const root: Root = createRoot(container);
  const handle: Mounted = {
    container,
    render: (next) => flushSync(() => root.render(next)),
    unmount: () => {
      if (!mounted.delete(handle)) return;
      flushSync(() => root.unmount());
      container.remove();
    },
  };
  mounted.add(handle);
  handle.render(node);
  return handle;
}

/** Unmounts every tree still mounted (for `afterEach`). */
export function unmountAll(): void {
  for (const handle of [...mounted]) handle.unmount();
}

/** Each test is a new visitor: drops the session flags and the IndexedDB stores of `siteId`. */
export async function forgetVisitor(siteId: string): Promise<void> {
  sessionStorage.clear();
  localStorage.clear();
  for (const db of await indexedDB.databases())
    if (db.name?.includes(siteId))
      await new Promise((done) => {
        const request = indexedDB.deleteDatabase(db.name ?? '');
        request.onsuccess = request.onerror = request.onblocked = done;
      });
}

/** The `<parlor-chat>` element a test rendered. */
export function widgetIn(container: HTMLElement): HTMLElement {
  const el = container.querySelector<HTMLElement>('parlor-chat');
  if (!el) throw new Error('no <parlor-chat> rendered');
  return el;
}

/**
 * For one `describe` block: a reference server for `siteId` from the first test to the last (handed to `use`), and
 * after each test every tree unmounted and the test's visitor forgotten.
 */
export function withTestSite(siteId: string, use: (server: TestServerInfo) => void): void {
  let server: TestServerInfo | undefined;
  before(async () => {
    server = await startServer({ siteId });
    use(server);
  });
  after(async () => {
    if (server) await stopServer(server);
  });
  afterEach(async () => {
    unmountAll();
    await forgetVisitor(siteId);
  });
}
