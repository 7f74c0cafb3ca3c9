// The test plumbing itself: a browser test can start the real server, talk to it, restart it, and read
// what it stored. Everything in @parlor/core's suites builds on this.
import { expect } from '@open-wc/testing';
import { restartServer, startServer, stopServer, storedMessages, type TestServerInfo } from '../support/server.js';

function open(server: TestServerInfo): Promise<WebSocket> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/v1/connect`);
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error('socket failed'));
  });
}

function nextFrame(ws: WebSocket, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent) => {
      const frame = JSON.parse(String(event.data)) as Record<string, unknown>;
      if (frame.type !== type) return;
      ws.removeEventListener('message', onMessage);
      resolve(frame);
    };
    ws.addEventListener('message', onMessage);
  });
}

describe('test server plugin', () => {
  let server: TestServerInfo;
  before(async () => {
    server = await startServer();
  });
  after(() => stopServer(server));

  it('serves a real server this page may talk to, and reports what it stored across a restart', async () => {
    const ws = await open(server);
    ws.send(JSON.stringify({ type: 'hello', v: 1, site: server.siteId, auth: { mode: 'anonymous' } }));
    const welcome = await nextFrame(ws, 'welcome');
    const token = (welcome.visitor as { token: string }).token;
    ws.send(
      JSON.stringify({
        type: 'send',
        id: '0193a5f2-7c1e-7d3a-9b21-5f0e8c4a2b10',
        body: { kind: 'text', text: 'hello' },
      }),
    );
    const ack = await nextFrame(ws, 'ack');
    const closed = new Promise<number>((resolve) => (ws.onclose = (e) => resolve(e.code)));
    server = await restartServer(server);
    expect(await closed).to.equal(1012);
    const again = await open(server);
    again.send(JSON.stringify({ type: 'hello', v: 1, site: server.siteId, auth: { mode: 'anonymous', token } }));
    const back = await nextFrame(again, 'welcome');
    expect((back.conversation as { id: string }).id).to.equal(ack.conversation);
    const rows = await storedMessages(server, String(ack.conversation));
    expect(rows.map((r) => r.body.text)).to.deep.equal(['hello']);
    again.close();
  });
});
