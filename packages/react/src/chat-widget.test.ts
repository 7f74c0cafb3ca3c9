import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import { isParlorError } from '@parlor/core';
import type { ParlorChat, ParlorEventMap } from '@parlor/widget';
import { createElement as h, createRef } from 'react';
import {
  agentSay,
  serverConnections,
  storedMessages,
  storedVisitor,
  userHash,
  type TestServerInfo,
} from '../../../test/support/server.js';
import { mount, widgetIn, withTestSite } from '../test/browser-helpers.js';
import { ChatWidget, type ChatWidgetHandle, type ChatWidgetProps } from './index.js';

const SITE = 'r-widget';

type Calls = { [K in keyof ParlorEventMap]: ParlorEventMap[K]['detail'][] };

/** Callbacks that record every detail they get, by event. */
function recorder() {
  const calls: Calls = {
    'parlor-ready': [],
    'parlor-open': [],
    'parlor-close': [],
    'parlor-message': [],
    'parlor-unread-change': [],
    'parlor-error': [],
  };
  const props = {
    onReady: (e) => calls['parlor-ready'].push(e.detail),
    onOpen: (e) => calls['parlor-open'].push(e.detail),
    onClose: (e) => calls['parlor-close'].push(e.detail),
    onMessage: (e) => calls['parlor-message'].push(e.detail),
    onUnreadChange: (e) => calls['parlor-unread-change'].push(e.detail),
    onError: (e) => calls['parlor-error'].push(e.detail),
  } satisfies Partial<ChatWidgetProps>;
  return { calls, props };
}

async function upgraded(container: HTMLElement): Promise<ParlorChat> {
  const el = widgetIn(container);
  await waitUntil(() => el.matches(':defined'), 'the widget registers on mount', { timeout: 5000 });
  return el as ParlorChat;
}

describe('<ChatWidget>', () => {
  let server!: TestServerInfo;
  withTestSite(SITE, (started) => (server = started));

  it('registers <parlor-chat> on first mount, not at import', async () => {
    expect(customElements.get('parlor-chat')).to.equal(undefined);
    const { container } = mount(h(ChatWidget, { siteId: SITE, server: server.url }));
    await upgraded(container);
    expect(customElements.get('parlor-chat')).to.be.a('function');
  });

  it('gives simple settings as attributes and objects as properties', async () => {
    const strings = { launcherLabel: 'Questions?' };
    const context = { attributes: { plan: 'pro' } };
    const consent = { context: true, analytics: false };
    const { container } = mount(
      h(ChatWidget, {
        siteId: SITE,
        server: server.url,
        position: 'left',
        theme: 'dark',
        locale: 'fr',
        greeting: 'Bonjour',
        greetingDelay: 30,
        connect: 'lazy',
        preChat: true,
        sound: false,
        titleBadge: true,
        className: 'chat shop',
        style: { '--parlor-accent': '#0a7' } as React.CSSProperties,
        id: 'support',
        strings,
        context,
        consent,
      }),
    );
    const el = await upgraded(container);
    const attrs = Object.fromEntries([...el.attributes].map((a) => [a.name, a.value]));
    expect(attrs).to.deep.equal({
      'site-id': SITE,
      server: server.url,
      position: 'left',
      theme: 'dark',
      locale: 'fr',
      greeting: 'Bonjour',
      'greeting-delay': '30',
      connect: 'lazy',
      'pre-chat': '',
      'title-badge': '',
      class: 'chat shop',
      style: '--parlor-accent: #0a7;',
      id: 'support',
    });
    expect(el.strings).to.equal(strings);
    expect(el.context).to.deep.equal(context);
    expect(el.consent).to.deep.equal(consent);
    // The element follows them: the position moves the launcher left, and the strings, set as a property after
    // the element was connected, name it (they win over the locale's own label).
    const launcher = el.shadowRoot?.querySelector('button[part~="launcher"]');
    expect(launcher!.getBoundingClientRect().left).to.be.lessThan(window.innerWidth / 2);
    expect(launcher?.getAttribute('aria-label')).to.equal('Questions?');
  });

  it('fires typed callbacks, and the ref opens, closes, toggles and sends through the real server', async () => {
    const ref = createRef<ChatWidgetHandle>();
    const { calls, props } = recorder();
    const { container } = mount(h(ChatWidget, { ref, siteId: SITE, server: server.url, ...props }));
    const el = await upgraded(container);
    expect(ref.current?.element).to.equal(el);

    ref.current!.open();
    await waitUntil(() => calls['parlor-open'].length === 1, 'onOpen');
    expect(calls['parlor-open'][0]).to.deep.equal({ open: true });
    await waitUntil(() => calls['parlor-ready'].length === 1, 'onReady once the panel loads', { timeout: 5000 });
    expect(calls['parlor-ready'][0]).to.deep.equal({ locale: 'en' });
    ref.current!.close();
    await waitUntil(() => calls['parlor-close'].length === 1, 'onClose');
    expect(calls['parlor-close'][0]).to.deep.equal({ open: false });
    expect(el.open).to.equal(false);
    ref.current!.toggle();
    await waitUntil(() => el.open, 'toggle opens');
    ref.current!.toggle();
    await waitUntil(() => !el.open, 'toggle closes');

    const id = await ref.current!.send('Hello from React');
    expect(id).to.match(/^[0-9a-f-]{36}$/);
    await waitUntil(() => el.client?.getSnapshot().conversation, 'the server opens a conversation', {
      timeout: 5000,
    });
    const conversation = el.client!.getSnapshot().conversation!.id;
    await waitUntil(async () => (await storedMessages(server, conversation)).some((m) => m.id === id), 'stored');
    expect(el.open, 'a loaded chat sends without opening').to.equal(false);

    await agentSay(server, conversation, 'Happy to help');
    await waitUntil(() => calls['parlor-message'].length === 1, 'onMessage', { timeout: 5000 });
    const { message } = calls['parlor-message'][0]!;
    expect(message.author.role).to.equal('agent');
    expect(message.body).to.deep.include({ kind: 'text', text: 'Happy to help' });
    await waitUntil(() => calls['parlor-unread-change'].at(-1)?.unread === 1, 'onUnreadChange while closed');
    expect(calls['parlor-error']).to.deep.equal([]);
  });

  it('send() on a widget that has not loaded opens it first, then sends', async () => {
    const ref = createRef<ChatWidgetHandle>();
    const { container } = mount(h(ChatWidget, { ref, siteId: SITE, server: server.url }));
    const el = await upgraded(container);
    expect(el.client).to.equal(undefined);
    const id = await ref.current!.send('Is this in stock?');
    expect(el.open).to.equal(true);
    await waitUntil(() => el.client?.getSnapshot().conversation, 'conversation', { timeout: 5000 });
    await waitUntil(
      async () => (await storedMessages(server, el.client!.getSnapshot().conversation!.id)).some((m) => m.id === id),
      'the message is stored',
    );
  });

  it('updates the same element when props change: attributes, properties, open, and callbacks', async () => {
    const first = recorder();
    const second = recorder();
    const base = { siteId: SITE, server: server.url };
    const view = mount(h(ChatWidget, { ...base, theme: 'light', context: { attributes: { plan: 'free' } } }));
    const el = await upgraded(view.container);

    view.render(
      h(ChatWidget, {
        ...base,
        theme: 'dark',
        launcherLabel: 'Talk to us',
        context: { attributes: { plan: 'pro' } },
        open: true,
        ...first.props,
      }),
    );
    expect(widgetIn(view.container), 'not remounted').to.equal(el);
    expect(el.getAttribute('theme')).to.equal('dark');
    expect(el.context).to.deep.equal({ attributes: { plan: 'pro' } });
    expect(el.shadowRoot?.querySelector('[part~="launcher"]')?.getAttribute('aria-label')).to.equal('Talk to us');
    await waitUntil(() => first.calls['parlor-open'].length === 1, 'open={true} opens it');

    view.render(h(ChatWidget, { ...base, theme: 'dark', open: false, ...second.props }));
    expect(widgetIn(view.container)).to.equal(el);
    expect(el.open).to.equal(false);
    expect(el.hasAttribute('launcher-label')).to.equal(false);
    expect(second.calls['parlor-close']).to.deep.equal([{ open: false }]);
    expect(first.calls['parlor-close'], 'the old callback is gone').to.deep.equal([]);

    // A visitor's own click is not undone by a re-render with the same `open`.
    el.show();
    view.render(h(ChatWidget, { ...base, theme: 'auto', open: false, ...second.props }));
    expect(el.open).to.equal(true);
  });

  it('identity signs the visitor in when given and out when removed', async () => {
    const ref = createRef<ChatWidgetHandle>();
    const identity = { mode: 'identified', userId: 'u-42', userHash: await userHash('u-42') } as const;
    const base = { ref, siteId: SITE, server: server.url };
    const view = mount(h(ChatWidget, { ...base, identity }));
    const el = await upgraded(view.container);
    expect(el.auth).to.deep.equal(identity);
    await ref.current!.send('Signed in?');
    await waitUntil(() => el.client?.getSnapshot().visitor?.userId === 'u-42', 'the server knows the user', {
      timeout: 5000,
    });
    view.render(h(ChatWidget, { ...base, identity: { ...identity } }));
    expect(el.client!.getSnapshot().visitor?.userId, 'an equal identity changes nothing').to.equal('u-42');

    view.render(h(ChatWidget, { ...base }));
    await waitUntil(() => el.client!.getSnapshot().visitor === null, 'signed out: the visitor is forgotten');
    expect(el.auth).to.equal(undefined);
    expect(el.client!.getSnapshot().conversation).to.equal(null);
  });

  it('the ref identifies the visitor, keeping their conversation, and logs them out to a new anonymous visitor', async () => {
    const ref = createRef<ChatWidgetHandle>();
    const { container } = mount(h(ChatWidget, { ref, siteId: SITE, server: server.url }));
    const el = await upgraded(container);
    const guestMessage = await ref.current!.send('As a guest');
    await waitUntil(() => el.client?.getSnapshot().conversation, 'the guest gets a conversation', { timeout: 5000 });
    const client = el.client!;
    const conversation = client.getSnapshot().conversation!.id;
    const guest = client.getSnapshot().visitor!;
    expect(guest.mode).to.equal('anonymous');

    const identity = { mode: 'identified', userId: 'u-7', userHash: await userHash('u-7') } as const;
    await ref.current!.identify(identity);
    expect(el.auth).to.deep.equal(identity);
    await waitUntil(() => client.getSnapshot().visitor?.userId === 'u-7', 'the server knows the user', {
      timeout: 5000,
    });
    expect(client.getSnapshot().visitor?.mode).to.equal('identified');
    expect(client.getSnapshot().conversation?.id, 'the conversation carries over').to.equal(conversation);
    const signedIn = await ref.current!.send('Now signed in');
    await waitUntil(
      async () => (await storedMessages(server, conversation)).some((m) => m.id === signedIn),
      'the signed-in message lands in the same conversation',
    );
    expect((await storedMessages(server, conversation)).map((m) => m.id)).to.deep.equal([guestMessage, signedIn]);
    const identified = await storedVisitor(server, { conversation });
    expect(identified).to.deep.include({ mode: 'identified', userId: 'u-7' });

    const siteDatabases = async () =>
      (await indexedDB.databases()).map((d) => d.name).filter((name) => name?.includes(SITE));
    expect(await siteDatabases(), 'the signed-in chat is kept on the device').to.not.be.empty;

    await ref.current!.logout();
    expect(el.auth).to.equal(undefined);
    await waitUntil(() => client.getSnapshot().visitor === null, 'signed out: the visitor is forgotten');
    expect(client.getSnapshot().conversation).to.equal(null);
    expect(client.getSnapshot().items).to.deep.equal([]);
    expect(await siteDatabases(), 'nothing of the signed-in person is left on the device').to.deep.equal([]);

    // The next message starts a new anonymous session: a new visitor, a new conversation, nothing of u-7's.
    await ref.current!.send('Someone else now');
    await waitUntil(() => client.getSnapshot().conversation, 'a new conversation', { timeout: 5000 });
    const next = client.getSnapshot();
    expect(next.visitor?.mode).to.equal('anonymous');
    expect(next.visitor?.id).to.not.be.oneOf([guest.id, identified!.id]);
    expect(next.conversation!.id).to.not.equal(conversation);
    expect(next.items.map((item) => (item.kind === 'stored' ? item.message.body : item.body))).to.deep.equal([
      { kind: 'text', text: 'Someone else now' },
    ]);
    expect(await storedVisitor(server, { conversation }), 'u-7 keeps their conversation').to.deep.include({
      userId: 'u-7',
    });
  });

  it('onError gets the typed error when the server refuses a forged identity', async () => {
    const ref = createRef<ChatWidgetHandle>();
    const { calls, props } = recorder();
    const forged = { mode: 'identified', userId: 'mallory', userHash: '0'.repeat(64) } as const;
    const { container } = mount(h(ChatWidget, { ref, siteId: SITE, server: server.url, identity: forged, ...props }));
    const el = await upgraded(container);
    ref.current!.open();
    await waitUntil(() => calls['parlor-error'].length > 0, 'onError', { timeout: 5000 });
    const { error } = calls['parlor-error'][0]!;
    expect(isParlorError(error)).to.equal(true);
    expect(error.code).to.equal('unauthorized');
    expect(error.message, 'the server’s own explanation').to.match(/hash/i);
    await waitUntil(() => el.client?.getSnapshot().connection.status === 'stopped', 'the client gives up');
    expect(
      calls['parlor-error'].map((detail) => detail.error.code),
      'one refusal, one callback',
    ).to.deep.equal(['unauthorized']);
  });

  it('a different site is a different widget: a fresh element', async () => {
    const view = mount(h(ChatWidget, { siteId: SITE, server: server.url }));
    const el = await upgraded(view.container);
    view.render(h(ChatWidget, { siteId: `${SITE}-b`, server: server.url }));
    expect(widgetIn(view.container)).not.to.equal(el);
    expect(el.isConnected).to.equal(false);
  });

  it('unmounting closes the socket and removes every listener', async () => {
    const { calls, props } = recorder();
    const view = mount(h(ChatWidget, { siteId: SITE, server: server.url, connect: 'eager', ...props }));
    const el = await upgraded(view.container);
    await waitUntil(async () => (await serverConnections(server)).visitor === 1, 'eager connects', {
      timeout: 5000,
    });
    view.unmount();
    expect(el.isConnected).to.equal(false);
    await waitUntil(async () => (await serverConnections(server)).visitor === 0, 'the socket closes', {
      timeout: 5000,
    });
    const closed = oneEvent(el, 'parlor-close');
    el.dispatchEvent(new CustomEvent('parlor-close', { detail: { open: false } }));
    await closed;
    expect(calls['parlor-close']).to.deep.equal([]);
  });
});
