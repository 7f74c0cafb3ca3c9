import { expect, waitUntil } from '@open-wc/testing';
import type { ChatClient, ChatClientOptions } from '@parlor/core';
import { createElement as h, useRef, type ReactNode } from 'react';
import { agentSay, storedMessages, type TestServerInfo } from '../../../test/support/server.js';
import { mount, withTestSite } from '../test/browser-helpers.js';
import { ChatProvider, useChat, useChatClient } from './index.js';

const SITE = 'r-hooks';

/** A chat UI of the kind a site builds itself: the log, the connection status, a form. */
function CustomChat(): ReactNode {
  const { items, connection, conversation, send } = useChat();
  const input = useRef<HTMLInputElement>(null);
  return h(
    'section',
    { 'data-status': connection.status, 'data-conversation': conversation?.id ?? '' },
    h(
      'ol',
      null,
      items.map((item) => {
        const body = item.kind === 'stored' ? item.message.body : item.body;
        const who = item.kind === 'stored' ? item.message.author.role : 'visitor';
        return h(
          'li',
          { key: item.id, 'data-kind': item.kind, 'data-role': who },
          body.kind === 'text' ? body.text : '',
        );
      }),
    ),
    h('input', { ref: input, 'aria-label': 'Message' }),
    h('button', { type: 'button', onClick: () => void send(input.current?.value ?? '') }, 'Send'),
  );
}

function App({ options, onClient }: { options: ChatClientOptions; onClient?: (c: ChatClient) => void }): ReactNode {
  const client = useChatClient(options);
  onClient?.(client);
  return h(ChatProvider, { client }, h(CustomChat));
}

describe('useChatClient, useChat, ChatProvider', () => {
  let server!: TestServerInfo;
  withTestSite(SITE, (started) => (server = started));

  it('a custom UI on useChat() sends and receives through the real server', async () => {
    const { container } = mount(h(App, { options: { siteId: SITE, server: server.url } }));
    const section = container.querySelector('section')!;
    expect(section.dataset.status, 'lazy: nothing opens before the visitor acts').to.equal('idle');

    container.querySelector('input')!.value = 'Where is my order?';
    container.querySelector('button')!.click();
    await waitUntil(() => section.dataset.conversation, 'the first message opens a conversation', { timeout: 5000 });
    expect(section.dataset.status).to.equal('open');
    await waitUntil(() => container.querySelector('li[data-kind="stored"]'), 'acked and stored', { timeout: 5000 });
    const stored = await storedMessages(server, section.dataset.conversation!);
    expect(stored.map((m) => m.body.text)).to.deep.equal(['Where is my order?']);

    await agentSay(server, section.dataset.conversation!, 'It ships today.');
    await waitUntil(() => container.querySelector('li[data-role="agent"]'), 'the reply renders', { timeout: 5000 });
    expect(container.querySelector('li[data-role="agent"]')!.textContent).to.equal('It ships today.');
  });

  it('keeps one client per options identity and destroys the ones it drops', async () => {
    const seen: ChatClient[] = [];
    const record = (client: ChatClient) => {
      if (seen.at(-1) !== client) seen.push(client);
    };
    const view = mount(h(App, { options: { siteId: SITE, server: server.url }, onClient: record }));
    view.render(h(App, { options: { siteId: SITE, server: server.url }, onClient: record }));
    view.render(
      h(App, {
        options: { siteId: SITE, server: server.url, consent: { context: true, analytics: false } },
        onClient: record,
      }),
    );
    expect(seen.length, 'equal options and a consent change keep the client').to.equal(1);

    view.render(h(App, { options: { siteId: `${SITE}-b`, server: server.url }, onClient: record }));
    expect(seen.length, 'another site is another client').to.equal(2);
    const [first, second] = seen as [ChatClient, ChatClient];
    await waitUntil(() => isDestroyed(first), 'the dropped client is destroyed');
    expect(isDestroyed(second)).to.equal(false);
    view.unmount();
    await waitUntil(() => isDestroyed(second), 'unmounting destroys the client');
  });

  it('useChat() outside a provider says what it needs', () => {
    const errors: unknown[] = [];
    const Broken = () => {
      try {
        useChat();
      } catch (error) {
        errors.push(error);
      }
      return null;
    };
    mount(h(Broken));
    expect(errors[0]).to.have.property('code', 'invalid_options');
  });
});

/** Whether the client was destroyed: its actions then throw `destroyed` (setContext starts nothing otherwise). */
function isDestroyed(client: ChatClient): boolean {
  try {
    client.setContext({});
    return false;
  } catch (error) {
    return (error as { code?: string }).code === 'destroyed';
  }
}
