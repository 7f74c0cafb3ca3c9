// Server rendering in Node, where there is no DOM: importing @parlor/react touches no browser global, the widget
// renders as a stable placeholder, and the hooks render the client's first state without starting anything.
// `pnpm test` runs this file against React 19 and again against React 18 (PARLOR_REACT=18, see test/react-18.mjs).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createElement as h, version } from 'react';
import { renderToString } from 'react-dom/server';

const expected = process.env.PARLOR_REACT ?? '19';

describe(`@parlor/react on a server (React ${expected})`, () => {
  it('runs on the React it was asked to', () => {
    assert.equal(version.split('.')[0], expected);
  });

  it('imports without a window and renders <ChatWidget/> as one bare element every time, warning-free', async (t) => {
    const warnings = t.mock.method(console, 'error', () => undefined);
    assert.equal(typeof (globalThis as { window?: unknown }).window, 'undefined');
    assert.equal(typeof (globalThis as { customElements?: unknown }).customElements, 'undefined');
    const { ChatWidget } = await import('../src/index.js');
    const page = h(
      ChatWidget,
      {
        siteId: 'shop',
        server: 'https://chat.example.com',
        position: 'left',
        theme: 'dark',
        locale: 'fr',
        open: true,
        launcherLabel: 'Aide',
        greetingDelay: 5,
        connect: 'eager',
        preChat: true,
        sound: false,
        titleBadge: true,
        className: 'support',
        identity: { mode: 'jwt', token: () => 'never called on the server' },
        context: { attributes: { plan: 'pro' } },
        consent: { context: true, analytics: true },
        strings: { send: 'Envoyer' },
        onOpen: () => assert.fail('no event on the server'),
      },
      h('span', { slot: 'icon' }, '?'),
    );
    const html = renderToString(page);
    assert.equal(
      html,
      '<parlor-chat class="support" site-id="shop" server="https://chat.example.com" position="left" theme="dark" ' +
        'locale="fr" launcher-label="Aide" greeting-delay="5" connect="eager" pre-chat="" title-badge="">' +
        '<span slot="icon">?</span></parlor-chat>',
    );
    assert.equal(renderToString(page), html, 'stable between renders');
    assert.deepEqual(
      warnings.mock.calls.map((call) => call.arguments.map(String).join(' ')),
      [],
      'no warning from React (its layout-effect notice, in React 18)',
    );
  });

  it('renders a custom UI on the hooks from the client’s first state, leaving nothing running', async () => {
    const { ChatProvider, useChat, useChatClient } = await import('../src/index.js');
    const Status = () => {
      const { connection, items, storage } = useChat();
      return h('p', null, `${connection.status} ${items.length} ${storage}`);
    };
    const App = () => {
      const client = useChatClient({ siteId: 'shop', server: 'https://chat.example.com', connect: 'eager' });
      return h(ChatProvider, { client }, h(Status));
    };
    const before = process.getActiveResourcesInfo().length;
    assert.equal(renderToString(h(App)), '<p>idle 0 none</p>');
    await new Promise((done) => setTimeout(done, 50));
    assert.equal(process.getActiveResourcesInfo().length, before, 'no timer, socket or handle left behind');
  });
});
