import { expect, waitUntil } from '@open-wc/testing';
import type { ParlorChat } from '@parlor/widget';
import { createElement as h, type ReactNode } from 'react';
import { hydrateRoot, type Root } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { type TestServerInfo } from '../../../test/support/server.js';
import { pageReact, withTestSite } from '../test/browser-helpers.js';
import { ChatProvider, ChatWidget, useChat, useChatClient } from './index.js';

const SITE = 'r-hydrate';

function Status(): ReactNode {
  const { connection, items, unread } = useChat();
  return h('p', null, `${connection.status}, ${items.length} messages, ${unread} unread`);
}

/** A product page: the widget with every kind of prop, and a custom status line on the hooks. */
function Page({ server }: { server: string }): ReactNode {
  const client = useChatClient({ siteId: SITE, server });
  return h(
    'main',
    null,
    h('h1', null, 'Walnut desk'),
    h(ChatWidget, {
      siteId: SITE,
      server,
      theme: 'auto',
      position: 'left',
      preChat: true,
      greeting: 'Questions about the desk?',
      className: 'support',
      style: { zIndex: 10 },
      context: { attributes: { product: 'walnut-desk' } },
      consent: { context: true, analytics: false },
      onOpen: () => undefined,
    }),
    h(ChatProvider, { client }, h(Status)),
  );
}

/** Collects every console error until `done()`. */
function consoleErrors() {
  const errors: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => errors.push(args.map(String).join(' '));
  return { errors, done: () => void (console.error = original) };
}

/** Renders `node` to HTML as a server would, with every console error it caused. */
function serverRender(node: ReactNode) {
  const log = consoleErrors();
  try {
    return { html: renderToString(node), errors: log.errors };
  } finally {
    log.done();
  }
}

/**
 * React 18's server renderer warns about any layout effect. A real server has no `document`, so <ChatWidget>
 * uses a plain effect there (test/ssr.test.ts proves it on both versions); rendering inside this page, it sees the
 * page's `document` and picks its layout effect. Only this one notice is expected, and only from React 18.
 */
const inPageServerNotices = pageReact === 18 ? [/^Warning: useLayoutEffect does nothing on the server/] : [];

/** Hydrates `node` over `html`, collecting every console error and recoverable error React reports. */
function hydrate(html: string, node: ReactNode) {
  const container = document.createElement('div');
  container.innerHTML = html;
  document.body.append(container);
  const { errors, done } = consoleErrors();
  const root: Root = hydrateRoot(container, node, { onRecoverableError: (error) => errors.push(error) });
  return {
    container,
    errors,
    done: () => {
      done();
      root.unmount();
      container.remove();
    },
  };
}

describe('server rendering and hydration', () => {
  let server!: TestServerInfo;
  withTestSite(SITE, (started) => (server = started));

  it('hydrates the server markup without a warning, keeping the server-rendered element', async () => {
    const { html, errors } = serverRender(h(Page, { server: server.url }));
    expect(errors.length, `server render: ${errors.join('\n')}`).to.equal(inPageServerNotices.length);
    inPageServerNotices.forEach((notice, i) => expect(errors[i]).to.match(notice));
    expect(html).to.contain(`<parlor-chat class="support" style="z-index:10" site-id="${SITE}"`);
    expect(html).to.contain('<p>idle, 0 messages, 0 unread</p>');
    const run = hydrate(html, h(Page, { server: server.url }));
    try {
      const before = run.container.querySelector('parlor-chat') as ParlorChat;
      await waitUntil(() => before.matches(':defined') && before.context, 'hydrated, registered and configured', {
        timeout: 5000,
      });
      expect(run.container.querySelector('parlor-chat'), 'the same element, not re-created').to.equal(before);
      expect(before.context).to.deep.equal({ attributes: { product: 'walnut-desk' } });
      expect(run.errors).to.deep.equal([]);
    } finally {
      run.done();
    }
  });

  it('the same check does catch a mismatch', async () => {
    const Mismatch = () => h('p', null, typeof window === 'undefined' ? 'server' : 'client');
    const run = hydrate('<p>server</p>', h(Mismatch));
    try {
      await waitUntil(() => run.errors.length > 0, 'React reports the mismatch', { timeout: 5000 });
    } finally {
      run.done();
    }
  });
});
