import { expect } from '@open-wc/testing';
import { DEFAULT_LIMITS } from '@parlor/core/protocol';
import type { AgentServerFrame } from '@parlor/core/protocol';
import { AgentConnection, backoffDelay } from './agent-connection.js';
import type { ConnectionState } from './console-store.js';

/** A stand-in for the browser WebSocket that the test drives by hand. */
class FakeSocket extends EventTarget {
  static instances: FakeSocket[] = [];
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readyState = 0;
  sent: string[] = [];
  constructor(readonly url: string) {
    super();
    FakeSocket.instances.push(this);
  }
  send(text: string) {
    this.sent.push(text);
  }
  close() {
    this.readyState = 3;
  }
  serverOpen() {
    this.readyState = 1;
    this.dispatchEvent(new Event('open'));
  }
  serverSend(data: unknown) {
    this.dispatchEvent(new MessageEvent('message', { data: typeof data === 'string' ? data : JSON.stringify(data) }));
  }
  serverClose(code: number, reason = '') {
    this.readyState = 3;
    this.dispatchEvent(new CloseEvent('close', { code, reason }));
  }
}

const welcome = {
  type: 'welcome',
  v: 1,
  agent: { id: 'a1', name: 'Ada' },
  sites: ['demo'],
  limits: DEFAULT_LIMITS,
  serverTime: 1,
};

describe('AgentConnection', () => {
  const RealWebSocket = window.WebSocket;
  beforeEach(() => {
    FakeSocket.instances = [];
    window.WebSocket = FakeSocket as unknown as typeof WebSocket;
  });
  afterEach(() => {
    window.WebSocket = RealWebSocket;
  });

  function connect() {
    const frames: AgentServerFrame[] = [];
    const states: ConnectionState[] = [];
    const stops: string[] = [];
    const connection = new AgentConnection(
      'ws://example.test/v1/agent',
      'secret',
      { frame: (f) => frames.push(f), state: (s) => states.push(s), stopped: (r) => stops.push(r) },
      { random: () => 0.5 },
    );
    connection.start();
    const socket = FakeSocket.instances[0]!;
    return { connection, socket, frames, states, stops };
  }

  it('says hello with the agent token, then is ready after welcome', () => {
    const { connection, socket, frames } = connect();
    socket.serverOpen();
    expect(JSON.parse(socket.sent[0]!)).to.deep.equal({
      type: 'hello',
      v: 1,
      auth: { mode: 'agent', token: 'secret' },
    });
    expect(connection.send({ type: 'list' })).to.equal('offline');
    socket.serverSend(welcome);
    expect(connection.ready).to.equal(true);
    expect(frames.map((f) => f.type)).to.deep.equal(['welcome']);
    expect(connection.send({ type: 'list', status: 'waiting' })).to.equal('sent');
    expect(JSON.parse(socket.sent[1]!)).to.deep.equal({ type: 'list', status: 'waiting' });
    connection.stop();
  });

  it('ignores invalid frames', () => {
    const { connection, socket, frames } = connect();
    socket.serverOpen();
    socket.serverSend('not json');
    socket.serverSend({ type: 'message', message: { seq: 'one' } });
    socket.serverSend({ type: 'nonsense' });
    expect(frames).to.deep.equal([]);
    connection.stop();
  });

  it('stops and reports on an unauthorized close', () => {
    const { socket, stops, states } = connect();
    socket.serverOpen();
    socket.serverClose(4001);
    expect(stops).to.have.length(1);
    expect(states.at(-1)).to.deep.equal({ kind: 'offline' });
    expect(FakeSocket.instances).to.have.length(1);
  });

  it('stops on an unauthorized error frame with the server’s message', () => {
    const { socket, stops } = connect();
    socket.serverOpen();
    socket.serverSend({ type: 'error', code: 'unauthorized', message: 'Unknown agent token' });
    expect(stops).to.deep.equal(['Unknown agent token']);
  });

  it('reconnects after a restart close, with backoff', async () => {
    const { connection, socket, states, stops } = connect();
    socket.serverOpen();
    socket.serverSend(welcome);
    socket.serverClose(1012);
    expect(stops).to.deep.equal([]);
    const waiting = states.at(-1);
    expect(waiting?.kind).to.equal('waiting');
    // random() = 0.5 and attempt 0: half of the 500 ms base.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(FakeSocket.instances).to.have.length(2);
    connection.stop();
  });
});

describe('backoffDelay', () => {
  it('is full jitter under a doubling bound, capped', () => {
    expect(backoffDelay(0, () => 0.999)).to.be.below(500);
    expect(backoffDelay(3, () => 0.999)).to.be.within(3900, 3999);
    expect(backoffDelay(20, () => 0.999)).to.be.below(30_000);
    expect(backoffDelay(50, () => 0)).to.equal(0);
  });
});
