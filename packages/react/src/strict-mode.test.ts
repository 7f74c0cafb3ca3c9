import { aTimeout, expect, waitUntil } from '@open-wc/testing';
import { StrictMode, createElement as h, useEffect, type ReactNode } from 'react';
import { serverConnections, type TestServerInfo } from '../../../test/support/server.js';
import { mount, widgetIn, withTestSite } from '../test/browser-helpers.js';
import { ChatProvider, ChatWidget, useChat, useChatClient } from './index.js';

const SITE = 'r-strict';

/** Counts effect mounts: StrictMode in development mounts every effect twice. */
let effectMounts = 0;
function MountCounter(): null {
  useEffect(() => {
    effectMounts++;
  }, []);
  return null;
}

function Status(): ReactNode {
  const { connection } = useChat();
  return h('p', { 'data-status': connection.status });
}

function HookApp({ server }: { server: string }): ReactNode {
  const client = useChatClient({ siteId: SITE, server, connect: 'eager' });
  return h(ChatProvider, { client }, h(Status), h(MountCounter));
}

describe('StrictMode', () => {
  let server!: TestServerInfo;
  withTestSite(SITE, (started) => (server = started));

  beforeEach(() => {
    effectMounts = 0;
  });

  /** Waits for the first socket, then long enough for a second one to have shown up too. */
  async function settledVisitorSockets(): Promise<number> {
    await waitUntil(async () => (await serverConnections(server)).visitor > 0, 'a socket opens', { timeout: 5000 });
    await aTimeout(1000);
    return (await serverConnections(server)).visitor;
  }

  it('<ChatWidget connect="eager"/> opens exactly one connection and leaves none after unmount', async () => {
    const view = mount(
      h(StrictMode, null, h(ChatWidget, { siteId: SITE, server: server.url, connect: 'eager' }), h(MountCounter)),
    );
    expect(effectMounts, 'StrictMode double-mounted the effects').to.equal(2);
    expect(view.container.querySelectorAll('parlor-chat').length).to.equal(1);
    expect(await settledVisitorSockets()).to.equal(1);
    const el = widgetIn(view.container);
    view.unmount();
    expect(el.isConnected).to.equal(false);
    await waitUntil(async () => (await serverConnections(server)).visitor === 0, 'no socket left', { timeout: 5000 });
  });

  it('useChatClient({ connect: "eager" }) opens exactly one connection and leaves none after unmount', async () => {
    const view = mount(h(StrictMode, null, h(HookApp, { server: server.url })));
    expect(effectMounts, 'StrictMode double-mounted the effects').to.equal(2);
    expect(await settledVisitorSockets()).to.equal(1);
    await waitUntil(() => view.container.querySelector('[data-status="open"]'), 'the UI shows the connection');
    view.unmount();
    await waitUntil(async () => (await serverConnections(server)).visitor === 0, 'no socket left', { timeout: 5000 });
  });
});
