import { expect, waitUntil } from '@open-wc/testing';
import {
  restartServer,
  serverConnections,
  siteJwt,
  startServer,
  stopServer,
  userHash,
  type TestServerInfo,
} from '../../../test/support/server.js';
import { Connection, type ConnectionOptions, type ConnectionStatus } from './connection.js';
import type { ParlorError } from './errors.js';
import { PROTOCOL_VERSION, type Auth, type ServerFrame } from './protocol/index.js';

const MESSAGE_ID = '0193a5f2-7c1e-7d3a-9b21-5f0e8c4a2b10';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const wsUrl = (server: TestServerInfo, path = '/v1/connect') => `${server.url.replace(/^http/, 'ws')}${path}`;

interface SocketLog {
  /** Every socket the connection constructed, i.e. every connection attempt that reached the network. */
  sockets: WebSocket[];
  /** Every frame the connection sent, per socket. */
  sent: Map<WebSocket, string[]>;
  /** Every close() the connection called, with its code and reason. */
  closes: { code: number | undefined; reason: string | undefined }[];
}

/**
 * The browser's real WebSocket, subclassed to record what the connection does with it. `deafAfter`
 * makes a socket silently drop every incoming frame after the first n, like a half-open connection.
 */
function recordingWebSocket(options: { deafAfter?: number } = {}): { WebSocket: typeof WebSocket; log: SocketLog } {
  const log: SocketLog = { sockets: [], sent: new Map(), closes: [] };
  class RecordingWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      log.sockets.push(this);
      log.sent.set(this, []);
      const { deafAfter } = options;
      if (deafAfter !== undefined) {
        let heard = 0;
        // Registered before partysocket's own listener, so stopping here hides the frame from it.
        this.addEventListener('message', (event) => {
          if (++heard > deafAfter) event.stopImmediatePropagation();
        });
      }
    }
    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      if (typeof data === 'string') log.sent.get(this)!.push(data);
      super.send(data);
    }
    override close(code?: number, reason?: string): void {
      log.closes.push({ code, reason });
      super.close(code, reason);
    }
  }
  return { WebSocket: RecordingWebSocket, log };
}

interface Harness {
  connection: Connection;
  statuses: ConnectionStatus[];
  frames: ServerFrame[];
  protocolErrors: ParlorError[];
  log: SocketLog;
  window: EventTarget;
}

const live: Connection[] = [];

function harness(
  server: TestServerInfo,
  options: Partial<ConnectionOptions> & { auth?: () => Auth | Promise<Auth>; deafAfter?: number } = {},
): Harness {
  const { auth = () => ({ mode: 'anonymous' }), deafAfter, ...rest } = options;
  const { WebSocket, log } = recordingWebSocket(deafAfter === undefined ? {} : { deafAfter });
  const statuses: ConnectionStatus[] = [];
  const frames: ServerFrame[] = [];
  const protocolErrors: ParlorError[] = [];
  const window = new EventTarget();
  const connection = new Connection({
    url: wsUrl(server),
    hello: async () => ({ type: 'hello', v: PROTOCOL_VERSION, site: server.siteId, auth: await auth() }),
    onFrame: (frame) => frames.push(frame),
    onStatus: (status) => statuses.push(status),
    onProtocolError: (error) => protocolErrors.push(error),
    WebSocket,
    window,
    ...rest,
  });
  live.push(connection);
  return { connection, statuses, frames, protocolErrors, log, window };
}

const isOpen = (h: Harness) => h.connection.status.status === 'open';
const welcomes = (h: Harness) => h.frames.filter((f) => f.type === 'welcome').length;

describe('Connection (against the reference server)', () => {
  let server: TestServerInfo;

  before(async () => {
    server = await startServer();
  });

  afterEach(() => {
    for (const connection of live.splice(0)) connection.stop();
  });

  after(async () => {
    await stopServer(server);
  });

  it('says hello first, opens on the welcome, then sends and delivers frames', async () => {
    const h = harness(server);
    expect(h.connection.send({ type: 'ping', t: 1 }), 'nothing is sent before start').to.equal(false);
    h.connection.start();
    expect(h.connection.status).to.deep.equal({ status: 'connecting', attempt: 0, afterRefresh: false });
    expect(h.connection.send({ type: 'ping', t: 1 }), 'nothing is sent before the welcome').to.equal(false);

    await waitUntil(() => isOpen(h), 'never opened', { timeout: 2000 });
    expect(h.statuses.map((s) => s.status)).to.deep.equal(['connecting', 'open']);
    const [socket] = h.log.sockets;
    expect(socket!.url, 'no credential in the URL').to.equal(wsUrl(server));
    expect(JSON.parse(h.log.sent.get(socket!)![0]!)).to.include({ type: 'hello', v: PROTOCOL_VERSION });
    expect(h.frames[0]?.type, 'the welcome is the first frame delivered').to.equal('welcome');

    expect(h.connection.send({ type: 'send', id: MESSAGE_ID, body: { kind: 'text', text: 'hi' } })).to.equal(true);
    expect(h.connection.send({ type: 'ping', t: 42 })).to.equal(true);
    await waitUntil(() => h.frames.some((f) => f.type === 'ack' && f.id === MESSAGE_ID), 'no ack', { timeout: 2000 });
    await waitUntil(() => h.frames.some((f) => f.type === 'pong' && f.t === 42), 'no pong', { timeout: 2000 });
    expect(h.protocolErrors).to.deep.equal([]);
  });

  it('comes back by itself after a server restart, first retry drawn from the jittered window', async () => {
    const own = await startServer();
    try {
      const h = harness(own);
      h.connection.start();
      await waitUntil(() => isOpen(h), 'never opened', { timeout: 2000 });

      await restartServer(own);
      await waitUntil(() => welcomes(h) === 2 && isOpen(h), 'no new welcome after the restart', { timeout: 4000 });

      const firstWait = h.statuses.find((s) => s.status === 'waiting');
      expect(firstWait).to.include({ status: 'waiting', attempt: 1, closeCode: 1012 });
      if (firstWait?.status !== 'waiting') throw new Error('unreachable');
      // Attempt 0's window is [0, base); never the fixed, herd-forming delay of a plain reconnecting socket.
      expect(firstWait.retryInMs)
        .to.be.at.least(0)
        .and.below(2 * 250);
      expect(firstWait.error.code).to.equal('network');
    } finally {
      await stopServer(own);
    }
  });

  it('grows the backoff window per failed attempt while the server is unreachable', async () => {
    const h = harness(server, { url: wsUrl(server, '/v1/nowhere'), backoff: { baseMs: 20, capMs: 1000 } });
    h.connection.start();
    await waitUntil(() => h.statuses.filter((s) => s.status === 'waiting').length >= 4, 'did not retry', {
      timeout: 2500,
    });
    const waits = h.statuses.flatMap((s) => (s.status === 'waiting' ? [s] : []));
    waits.forEach((wait, i) => {
      expect(wait.attempt).to.equal(i + 1);
      expect(wait.retryInMs).to.be.below(20 * 2 ** i);
    });
    expect(h.log.sockets.length).to.be.at.least(4);
  });

  it('stop() closes with 1000 and never reconnects', async () => {
    const h = harness(server);
    h.connection.start();
    await waitUntil(() => isOpen(h), 'never opened', { timeout: 2000 });
    h.connection.stop();

    expect(h.connection.status).to.deep.equal({ status: 'idle', suspended: false });
    expect(h.log.closes).to.deep.equal([{ code: 1000, reason: 'stop' }]);
    expect(h.connection.send({ type: 'ping' })).to.equal(false);
    await waitUntil(async () => (await serverConnections(server)).visitor === 0, 'the server still sees the socket');
    await sleep(500);
    expect(h.log.sockets).to.have.length(1);
    expect(h.statuses.at(-1)?.status).to.equal('idle');
  });

  it('stops on an invalid credential (wrong userHash) with no further attempts', async () => {
    const h = harness(server, { auth: () => ({ mode: 'identified', userId: 'mallory', userHash: '0'.repeat(64) }) });
    h.connection.start();
    await waitUntil(() => h.connection.status.status === 'stopped', 'did not stop', { timeout: 2000 });
    const status = h.connection.status;
    if (status.status !== 'stopped') throw new Error('unreachable');
    expect(status.error.code).to.equal('unauthorized');
    expect(status.error.message, 'the server’s own explanation').to.match(/hash/i);

    await sleep(2000);
    expect(h.log.sockets, 'no reconnect storm').to.have.length(1);
    expect(h.statuses.map((s) => s.status)).to.deep.equal(['connecting', 'stopped']);
  });

  it('accepts a correct userHash (the stop above is about the credential, not the mode)', async () => {
    const hash = await userHash('alice');
    const h = harness(server, { auth: () => ({ mode: 'identified', userId: 'alice', userHash: hash }) });
    h.connection.start();
    await waitUntil(() => isOpen(h), 'never opened', { timeout: 2000 });
    const status = h.connection.status;
    if (status.status !== 'open') throw new Error('unreachable');
    expect(status.welcome.visitor).to.include({ mode: 'identified', userId: 'alice' });
  });

  it('on an expired JWT calls refresh() and reconnects at once with the fresh token', async () => {
    let jwt = await siteJwt('jwt-user', -120); // beyond the server's 30 s clock tolerance
    let refreshes = 0;
    const h = harness(server, {
      auth: () => ({ mode: 'jwt', jwt }),
      refresh: async () => {
        refreshes++;
        jwt = await siteJwt('jwt-user', 600);
      },
    });
    h.connection.start();
    await waitUntil(() => isOpen(h), 'never opened', { timeout: 2500 });

    expect(refreshes).to.equal(1);
    expect(h.log.sockets).to.have.length(2);
    expect(
      h.statuses.map((s) => s.status),
      'no backoff wait',
    ).to.deep.equal(['connecting', 'connecting', 'open']);
    expect(h.statuses[1]).to.deep.equal({ status: 'connecting', attempt: 0, afterRefresh: true });
    const status = h.connection.status;
    if (status.status !== 'open') throw new Error('unreachable');
    expect(status.welcome.visitor).to.include({ mode: 'jwt', userId: 'jwt-user' });
  });

  it('stops with token_expired when the refreshed token is refused as expired again', async () => {
    const expired = await siteJwt('jwt-user', -120);
    let refreshes = 0;
    const h = harness(server, {
      auth: () => ({ mode: 'jwt', jwt: expired }),
      refresh: () => {
        refreshes++;
      },
    });
    h.connection.start();
    await waitUntil(() => h.connection.status.status === 'stopped', 'did not stop', { timeout: 2500 });
    const status = h.connection.status;
    if (status.status !== 'stopped') throw new Error('unreachable');
    expect(status.error.code).to.equal('token_expired');
    expect(refreshes).to.equal(1);
    await sleep(500);
    expect(h.log.sockets).to.have.length(2);
  });

  it('stops with token_expired when refresh() itself fails', async () => {
    const expired = await siteJwt('jwt-user', -120);
    const h = harness(server, {
      auth: () => ({ mode: 'jwt', jwt: expired }),
      refresh: () => Promise.reject(new Error('the token endpoint is down')),
    });
    h.connection.start();
    await waitUntil(() => h.connection.status.status === 'stopped', 'did not stop', { timeout: 2000 });
    const status = h.connection.status;
    if (status.status !== 'stopped') throw new Error('unreachable');
    expect(status.error.code).to.equal('token_expired');
    expect((status.error.cause as Error).message).to.equal('the token endpoint is down');
    expect(h.log.sockets).to.have.length(1);
  });

  it('detects a half-open socket by the heartbeat, drops it and reconnects', async () => {
    // Each socket hears the welcome and then nothing: pongs never arrive, as on a dead NAT mapping.
    const h = harness(server, { deafAfter: 1, pingIntervalMs: 200, pongTimeoutMs: 300 });
    h.connection.start();
    await waitUntil(() => h.log.sockets.length >= 2 && isOpen(h), 'did not reconnect', { timeout: 2500 });

    const open = h.statuses.findIndex((s) => s.status === 'open');
    const lost = h.statuses[open + 1];
    expect(lost).to.include({ status: 'waiting', closeCode: null });
    if (lost?.status !== 'waiting') throw new Error('unreachable');
    expect(lost.error.code).to.equal('network');
    expect(h.log.closes[0]?.code, 'the dead socket is closed, not left dangling').to.equal(1000);
    const pings = h.log.sent.get(h.log.sockets[0]!)!.filter((f) => JSON.parse(f).type === 'ping');
    expect(pings.length).to.be.at.least(1);
  });

  for (const event of ['online', 'pageshow', 'visibilitychange']) {
    it(`reconnects at once on ${event} while waiting, without sitting out the backoff`, async () => {
      let reachable = false;
      const h = harness(server, {
        url: () => wsUrl(server, reachable ? '/v1/connect' : '/v1/nowhere'),
        backoff: { baseMs: 20_000, capMs: 20_000 },
        random: () => 0.9,
      });
      h.connection.start();
      await waitUntil(() => h.connection.status.status === 'waiting', 'did not fail', { timeout: 2000 });
      expect(h.connection.status).to.include({ retryInMs: 18_000 });

      reachable = true;
      const woken = performance.now();
      h.window.dispatchEvent(new Event(event));
      expect(h.connection.status).to.deep.equal({ status: 'connecting', attempt: 0, afterRefresh: false });
      await waitUntil(() => isOpen(h), 'did not reconnect', { timeout: 2000 });
      expect(performance.now() - woken).to.be.below(2000);
    });
  }

  it('closes with 1000 on pagehide (back/forward cache) and reconnects on pageshow', async () => {
    const h = harness(server);
    h.connection.start();
    await waitUntil(() => isOpen(h), 'never opened', { timeout: 2000 });

    h.window.dispatchEvent(new Event('pagehide'));
    expect(h.log.closes).to.deep.equal([{ code: 1000, reason: 'suspend' }]);
    expect(h.connection.status).to.deep.equal({ status: 'idle', suspended: true });
    await waitUntil(async () => (await serverConnections(server)).visitor === 0, 'the server still sees the socket');
    h.window.dispatchEvent(new Event('pageshow'));
    expect(h.connection.status.status).to.equal('connecting');
    await waitUntil(() => welcomes(h) === 2 && isOpen(h), 'did not come back', { timeout: 2000 });
    expect(h.log.sockets).to.have.length(2);
  });

  it('ignores frames that fail validation, reports them, and keeps the session', async () => {
    const h = harness(server, { maxFrameBytes: 4096 });
    h.connection.start();
    await waitUntil(() => isOpen(h), 'never opened', { timeout: 2000 });
    const socket = h.log.sockets[0]!;
    const inject = (data: unknown) => socket.dispatchEvent(new MessageEvent('message', { data }));
    inject('not json');
    inject('{"type":"nope"}');
    inject('{"type":"message","message":{"seq":"one"}}');
    inject('{"type":"welcome"}');
    inject(`{"type":"presence","presence":"${'x'.repeat(5000)}"}`);
    inject(new ArrayBuffer(8));

    expect(h.protocolErrors.map((e) => e.code)).to.deep.equal([
      'bad_frame',
      'bad_frame',
      'bad_frame',
      'bad_frame',
      'too_large',
      'bad_frame',
    ]);
    expect(h.connection.status.status).to.equal('open');
    expect(h.frames.map((f) => f.type)).to.deep.equal(['welcome']);
    expect(h.connection.send({ type: 'ping', t: 7 })).to.equal(true);
    await waitUntil(() => h.frames.some((f) => f.type === 'pong' && f.t === 7), 'no pong', { timeout: 2000 });
    expect(h.log.sockets).to.have.length(1);
  });
});
