#!/usr/bin/env node
// `pnpm bench:abuse`: can one client degrade the service for others? One hostile IP sends hostile but valid input
// at the documented limits while a legitimate visitor and an agent measure. Not a test: it prints figures
// (docs/benchmarks.md, "Abuse") and never fails for a figure; it fails only when it cannot measure at all.
//
// The server is a real process (`examples/server/dist/main.js`, configured by environment only), started with a
// small preload that answers `process.cpuUsage()` over the IPC channel, so its CPU time is read to the microsecond.
// This process plays every client over real sockets, from three loopback addresses so that per-IP limits apply to
// the attacker alone: the attacker is 127.0.0.1, the legitimate visitors and the agent 127.0.0.2, and the benign
// frames the CPU comparison needs 127.0.0.3 (where only 127.0.0.1 can be bound, the server trusts X-Forwarded-For
// and each client names its address there instead). The limits are read from the `welcome` (`limits`); the
// attacker opens as many sockets as the server lets one IP hold (it stops at the first one refused).
//
//   1. Idle: the legitimate visitors send one message a second each and time send → ack; the agent (signed in as
//      the console does: hello, list of waiting conversations, presence) counts the bytes it receives.
//   2. CPU per frame: for each attack kind, batches of hostile frames (from the attacker) and of their benign
//      counterparts (the same frame type and size with ordinary text, or the same frame in an ordinary state) are
//      sent in turn, each batch followed by a ping on every socket used (frames of a connection are handled in
//      order, so the pong means the batch is done) and a short settle for deferred output. CPU per frame =
//      (server CPU over the batch − over an empty batch) / frames. Compare the ratios, not the microseconds.
//   3. Attacks, one after another, each for --seconds while the visitors and the agent keep measuring: markup-heavy
//      contexts (every string `<a<a<a…`, as large as the schema allows under the frame limit), big live contexts
//      (every attacker socket holds a maximal context and changes its page at the frame rate), markup-heavy
//      messages (text at `maxTextLength`), a typing flood (every socket a tab of one visitor whose conversation
//      the agent has open), markup-heavy names (`identify` with name and e-mail at their maxima), uploads with
//      markup-heavy file names (at the per-IP HTTP rate), and stored contexts (--stored visitors each leave a
//      conversation with a maximal context; then the agent signs in again (three times; twice in a short run), as a
//      console reload would).
//      Between attacks the attacker's sockets are dropped and the server is given time to recover.
// Whatever the server answers is counted, not a crash: typed errors, sockets closed (4029, 1013), uploads refused
// (413, 429), credentials refused (an attack that needs one is then reported as not run).
//
// Options: --seconds N (each attack, default 8), --rounds N (CPU rounds per kind, default 5), --stored N (visitors
// leaving a stored context, default 100), --short (1 s attacks, 1 round on 10 sockets a side: what `pnpm bench --short` runs),
// --json FILE (also write the report for `pnpm bench`).
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { table, writeReport } from './bench-support.mjs';

const require = createRequire(new URL('../examples/server/package.json', import.meta.url));
/** @type {new (url: string, options: object) => any} `ws`, a dependency of the example server */
const WebSocket = require('ws');
const MAIN = fileURLToPath(new URL('../examples/server/dist/main.js', import.meta.url));
const ORIGIN = 'http://bench.test';
const SITE = 'abuse-site';
const SECRET = 'bench-abuse-site-secret-0123456789abcdefghijklmnop';
const AGENT_TOKEN = 'bench-abuse-agent-token-0123456789abcdefghij';
const ATTACKER = '127.0.0.1';
const LEGIT = '127.0.0.2';
const BENIGN = '127.0.0.3';
/** The most sockets the attacker tries to hold at once (the server's own limit is normally far lower). */
const SOCKET_CAP = 64;
/** Legitimate visitors, each sending one message a second (half the documented sustained message rate). */
const LEGIT_VISITORS = 3;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    rounds: { type: 'string' },
    stored: { type: 'string' },
    short: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const SHORT = values.short;
const SECONDS = Math.max(1, Number(values.seconds) || (SHORT ? 1 : 8));
const ROUNDS = Math.max(1, Number(values.rounds) || (SHORT ? 1 : 5));
const STORED = Math.max(1, Number(values.stored) || 100);
/** Quiet time after a batch for output the server defers (coalesced lists), counted in the batch. */
const SETTLE_MS = SHORT ? 300 : 500;
/** How long the server gets to answer the legitimate visitor promptly again after an attack. */
const RECOVERY_MS = SHORT ? 2000 : 20_000;
/**
 * Frames an attacker socket keeps queued at the server at most (its frame burst in a full run; fewer in a short
 * one, so that a server that falls behind still lets the short run end quickly).
 */
const AHEAD = SHORT ? 8 : Infinity;
/** Times the agent signs in again after the stored contexts (a console reload). */
const RELOADS = SHORT ? 2 : 3;

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (/** @type {string} */ line) => console.log(`[abuse] ${line}`);
let ids = 0;
/** A UUIDv7-shaped client id (unique here; the server checks the shape). */
function clientId() {
  const n = (++ids).toString(16).padStart(12, '0');
  const t = Date.now().toString(16).padStart(12, '0');
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${n.slice(0, 3)}-8${n.slice(3, 6)}-${n.slice(0, 12)}`;
}
/** The p-th percentile of the values; NaN when there are none. */
function percentile(/** @type {number[]} */ values, /** @type {number} */ p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN) : NaN;
}
const fmtMs = (/** @type {number} */ v) =>
  !Number.isFinite(v) ? '—' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`;
const fmtUs = (/** @type {number} */ v) =>
  !Number.isFinite(v) ? '—' : v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${v.toFixed(0)} µs`;
const fmtRatio = (/** @type {number} */ v) => (Number.isFinite(v) ? `×${v.toFixed(v < 10 ? 2 : 0)}` : '—');
const fmtRate = (/** @type {number} */ v) =>
  !Number.isFinite(v)
    ? '—'
    : v >= 1024 * 1024
      ? `${(v / 1024 / 1024).toFixed(2)} MB/s`
      : `${(v / 1024).toFixed(1)} KB/s`;
/** A count map as text: `rate_limited ×12, closed 4029 ×3`; `none` when empty. */
const counts = (/** @type {Map<string | number, number>} */ map) =>
  map.size ? [...map].map(([k, n]) => `${k} ×${n}`).join(', ') : 'none';
const bump = (/** @type {Map<any, number>} */ map, /** @type {any} */ key, n = 1) =>
  map.set(key, (map.get(key) ?? 0) + n);

// ——— Hostile and benign input ———

/** `n` characters of markup: `<a<a<a…`. */
const markup = (/** @type {number} */ n) => '<a'.repeat(Math.ceil(n / 2)).slice(0, n);
/** `n` characters of ordinary words. */
const words = (/** @type {number} */ n) => 'Linen apron, size M, blue. '.repeat(Math.ceil(n / 27)).slice(0, n);

/**
 * A context as large as the schema allows (50 attributes of 500 characters, 50 cart items, the page's maxima),
 * cut until its frame fits `maxFrameBytes`; every string made by `fill`.
 */
function bigContext(/** @type {(n: number) => string} */ fill, /** @type {number} */ maxFrameBytes) {
  let attributes = 50;
  let items = 50;
  for (;;) {
    const frame = {
      type: 'context',
      page: { url: `https://shop.test/${fill(2030)}`, title: fill(300), referrer: `https://shop.test/${fill(2030)}` },
      attributes: Object.fromEntries(
        Array.from({ length: attributes }, (_, i) => [
          `attribute_${String(i).padStart(2, '0')}_`.padEnd(64, 'x'),
          fill(500),
        ]),
      ),
      cart: {
        currency: 'EUR',
        total: 2999 * items,
        itemCount: items,
        items: Array.from({ length: items }, (_, i) => ({
          id: `${i}-${fill(96)}`.slice(0, 100),
          title: fill(300),
          quantity: 1,
          price: 2999,
        })),
      },
      consent: { context: true, analytics: false },
    };
    const text = JSON.stringify(frame);
    if (Buffer.byteLength(text) <= maxFrameBytes || (attributes === 0 && items === 0)) return text;
    if (items >= attributes) items--;
    else attributes--;
  }
}
/** What the widget sends on an ordinary product page. */
const TYPICAL_CONTEXT = JSON.stringify({
  type: 'context',
  page: { url: 'https://shop.test/products/linen-apron', title: 'Linen apron', referrer: 'https://shop.test/' },
  attributes: { plan: 'pro', orders: 12, vip: true },
  cart: {
    currency: 'EUR',
    total: 5998,
    itemCount: 2,
    items: [{ id: 'sku-220', title: 'Linen apron', quantity: 2, price: 2999 }],
  },
  consent: { context: true, analytics: false },
});
const smallContext = (/** @type {number} */ n) =>
  JSON.stringify({ type: 'context', page: { url: `https://shop.test/p/${n}` } });
/** The `identified` proof a site's backend computes (docs/auth.md); replaced by the server's own helper if it differs. */
let userHash = (/** @type {string} */ userId) => createHmac('sha256', SECRET).update(userId).digest('hex');

/**
 * Whether this machine cannot send from 127.0.0.2 (only 127.0.0.1 is configured on some systems): then the server
 * trusts `X-Forwarded-For` and every client names its address there, as a proxy would.
 */
const BY_HEADER = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.2', () => probe.close(() => resolve(false)));
  probe.on('error', () => resolve(true));
});

// ——— The server ———

/** Starts the server with the CPU probe preloaded; resolves once it listens. */
async function startServer(/** @type {string} */ dir) {
  const probe = join(dir, 'cpu-probe.mjs');
  writeFileSync(
    probe,
    "process.on('message', (m) => { if (m && m.type === 'cpu') process.send({ type: 'cpu', id: m.id, usage: process.cpuUsage() }); });\n",
  );
  writeFileSync(
    join(dir, 'sites.json'),
    JSON.stringify({
      sites: [
        {
          id: SITE,
          name: 'Abuse bench',
          secrets: [{ kid: 'k1', secret: SECRET }],
          allowedOrigins: [ORIGIN],
        },
      ],
      agents: [{ id: 'agent-1', name: 'Agent', token: AGENT_TOKEN, sites: [SITE] }],
    }),
  );
  const child = spawn(process.execPath, ['--import', pathToFileURL(probe).href, MAIN], {
    env: {
      ...process.env,
      PARLOR_SITES_FILE: join(dir, 'sites.json'),
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'error',
      ...(BY_HEADER ? { TRUST_PROXY: '1' } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  // Whatever ends this process ends the server too.
  process.once('exit', () => child.kill('SIGKILL'));
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.once(signal, () => process.exit(130));
  let out = '';
  let err = '';
  child.stdout?.on('data', (/** @type {Buffer} */ chunk) => (out += chunk));
  child.stderr?.on('data', (/** @type {Buffer} */ chunk) => (err = (err + chunk).slice(-4000)));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${out}${err}`)), 30_000);
    child.stdout?.on('data', () => {
      const match = /health\s+http:\/\/localhost:(\d+)\/health/.exec(out);
      if (!match) return;
      clearTimeout(timer);
      resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}):\n${out}${err}`)));
  });
  /** @type {Map<number, (usage: { user: number, system: number }) => void>} */
  const asks = new Map();
  let asked = 0;
  child.on('message', (/** @type {any} */ m) => {
    if (m?.type === 'cpu') asks.get(m.id)?.(m.usage);
  });
  return {
    port,
    /** @returns {Promise<number>} the server's CPU time so far (user + system), in µs */
    cpu: () =>
      new Promise((resolve, reject) => {
        const id = ++asked;
        const timer = setTimeout(() => reject(new Error('the server did not report its CPU')), 120_000);
        asks.set(id, (usage) => {
          clearTimeout(timer);
          asks.delete(id);
          resolve(usage.user + usage.system);
        });
        child.send({ type: 'cpu', id });
      }),
    stderr: () => err,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(undefined);
        child.once('exit', resolve);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

// ——— Clients ———

/** Error codes, close codes and frames one group of sockets met (attacker, legitimate visitors). */
class Tally {
  errors = new Map();
  closes = new Map();
  frames = 0;
}

/**
 * One socket: counts what it receives, answers pings, acks and replies by id. Resolves from {@link connect} once
 * `hello` is answered with `welcome`, or once the socket is closed before that (then `welcome` is null).
 */
class Peer {
  /** @type {any} */ welcome = null;
  /** @type {number | null} */ closeCode = null;
  /** Why the server refused the socket before any close code: `HTTP 429` (an upgrade answered with a status). */
  refusal = '';
  /** This side dropped the socket (its close is not the server's doing). */
  dropped = false;
  bytes = 0;
  sent = 0;
  answered = 0;
  conversation = '';
  /** @type {Map<number, { count: number, resolve: (ms: number | null) => void, at: number }>} */
  #pings = new Map();
  /** @type {Map<string, (frame: any) => void>} */
  #replies = new Map();
  /** @type {((frame: any) => void)[]} */
  #waiters = [];
  #t = 0;
  /** @param {any} ws @param {Tally} tally */
  constructor(ws, tally) {
    this.ws = ws;
    this.tally = tally;
    ws.on('message', (/** @type {Buffer} */ data) => {
      this.bytes += data.length;
      let frame;
      try {
        frame = JSON.parse(String(data));
      } catch {
        return;
      }
      this.receive(frame);
    });
    ws.on('close', (/** @type {number} */ code) => {
      this.closeCode = code;
      if (!this.dropped) bump(tally.closes, code);
      for (const p of this.#pings.values()) p.resolve(null);
      this.#pings.clear();
      for (const reply of this.#replies.values()) reply(null);
      this.#replies.clear();
      for (const w of this.#waiters.splice(0)) w(null);
    });
    ws.on('error', () => {});
  }

  get open() {
    return this.ws.readyState === 1;
  }

  /** @param {any} frame */
  receive(frame) {
    this.tally.frames++;
    if (frame.type === 'pong') {
      const ping = this.#pings.get(frame.t);
      if (ping) {
        this.#pings.delete(frame.t);
        this.answered = Math.max(this.answered, ping.count);
        ping.resolve(performance.now() - ping.at);
      }
    } else if (frame.type === 'error') {
      bump(this.tally.errors, frame.code);
      if (frame.id) this.#replies.get(frame.id)?.(frame);
    } else if (frame.type === 'ack') this.#replies.get(frame.id)?.(frame);
    for (const w of this.#waiters.splice(0)) w(frame);
  }

  /** Sends a frame (an object, or JSON text); false when the socket is not open. */
  send(/** @type {object | string} */ frame) {
    if (!this.open) return false;
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    this.sent++;
    return true;
  }

  /** Pings; resolves with the round trip in ms, or null when the socket closes or `timeoutMs` passes. */
  ping(timeoutMs = 60_000) {
    return new Promise((resolve) => {
      const t = ++this.#t;
      if (!this.send({ type: 'ping', t })) return resolve(null);
      const timer = setTimeout(() => {
        this.#pings.delete(t);
        resolve(null);
      }, timeoutMs);
      this.#pings.set(t, {
        count: this.sent,
        at: performance.now(),
        resolve: (ms) => {
          clearTimeout(timer);
          resolve(ms);
        },
      });
    });
  }

  /**
   * Sends a text message; resolves with its `ack` or `error` frame and the round trip, with `{ type: 'timeout' }`
   * after `timeoutMs`, or with null when the socket is (or gets) closed first.
   */
  message(/** @type {string} */ text, timeoutMs = 15_000) {
    return new Promise((resolve) => {
      const id = clientId();
      const at = performance.now();
      const frame = {
        type: 'send',
        id,
        body: { kind: 'text', text },
        ...(this.conversation ? { conversation: this.conversation } : {}),
      };
      if (!this.send(frame)) return resolve(null);
      const timer = setTimeout(() => {
        this.#replies.delete(id);
        resolve({ reply: { type: 'timeout' }, ms: timeoutMs });
      }, timeoutMs);
      this.#replies.set(id, (reply) => {
        clearTimeout(timer);
        this.#replies.delete(id);
        if (reply?.type === 'ack') this.conversation = reply.conversation;
        resolve(reply ? { reply, ms: performance.now() - at } : null);
      });
    });
  }

  /** The next frame `match` accepts, or null when the socket closes or `timeoutMs` passes. */
  next(/** @type {(frame: any) => boolean} */ match, timeoutMs = 10_000) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      const wait = (/** @type {any} */ frame) => {
        if (frame === null || match(frame)) {
          clearTimeout(timer);
          resolve(frame);
        } else this.#waiters.push(wait);
      };
      if (!this.open) resolve(null);
      else this.#waiters.push(wait);
    });
  }

  terminate() {
    this.dropped = true;
    this.ws.terminate();
  }
}

/**
 * Opens a socket from `ip` and says `hello`; resolves with the peer once the server answered `welcome`, or was
 * closed first (then `peer.welcome` is null and `peer.closeCode` says why).
 * @param {{ port: number, path?: string, ip: string, origin?: string, hello: object, tally: Tally }} o
 * @returns {Promise<Peer>}
 */
function connect({ port, path = '/v1/connect', ip, origin = ORIGIN, hello, tally }) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, {
      headers: { origin, ...(BY_HEADER ? { 'x-forwarded-for': ip } : {}) },
      ...(BY_HEADER ? {} : { localAddress: ip }),
      perMessageDeflate: false,
      maxPayload: 256 * 1024 * 1024,
    });
    const peer = new Peer(ws, tally);
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(peer);
    }, 15_000);
    ws.once('open', () => peer.send(hello));
    ws.once('close', () => {
      clearTimeout(timer);
      resolve(peer);
    });
    ws.once('unexpected-response', (/** @type {unknown} */ _req, /** @type {{ statusCode?: number }} */ res) => {
      clearTimeout(timer);
      peer.refusal = `HTTP ${res.statusCode ?? 0}`;
      resolve(peer);
    });
    ws.on('message', (/** @type {Buffer} */ data) => {
      if (peer.welcome) return;
      try {
        const frame = JSON.parse(String(data));
        if (frame.type === 'welcome') {
          peer.welcome = frame;
          peer.conversation = frame.conversation?.id ?? '';
          clearTimeout(timer);
          resolve(peer);
        }
      } catch {
        // counted by the peer
      }
    });
  });
}

/** A visitor `hello`: anonymous (with a visitor token to be another tab of that visitor), consenting to context. */
const visitorHello = (/** @type {string | undefined} */ token) => ({
  type: 'hello',
  v: 1,
  site: SITE,
  auth: { mode: 'anonymous', ...(token ? { token } : {}) },
  consent: { context: true, analytics: false },
});

/**
 * The agent, signed in as the console does (hello; then the waiting list and its presence), reconnecting after a
 * close as the console would. Counts bytes received and every close the server made.
 */
class Agent {
  /** @type {Peer | null} */ peer = null;
  tally = new Tally();
  /** @type {{ code: number, at: number, phase: string }[]} */
  closes = [];
  bytesBefore = 0;
  phase = 'start';
  /** @type {Set<string>} conversations opened; the last one is opened again after a reconnect, as in the console */
  opened = new Set();
  #stopped = false;
  /** @param {number} port */
  constructor(port) {
    this.port = port;
  }

  get bytes() {
    return this.bytesBefore + (this.peer?.bytes ?? 0);
  }

  /** Connects; resolves with the `welcome`, or null when the server closed the socket first. */
  async start() {
    if (this.peer) this.bytesBefore += this.peer.bytes;
    const peer = await connect({
      port: this.port,
      path: '/v1/agent',
      ip: LEGIT,
      origin: `http://127.0.0.1:${this.port}`,
      hello: { type: 'hello', v: 1, auth: { mode: 'agent', token: AGENT_TOKEN } },
      tally: this.tally,
    });
    this.peer = peer;
    const closed = (/** @type {number} */ code) => {
      if (this.peer !== peer || this.#stopped) return;
      this.closes.push({ code, at: Date.now(), phase: this.phase });
      setTimeout(() => {
        if (this.peer === peer && !this.#stopped) void this.start();
      }, 1000);
    };
    if (!peer.welcome) {
      // Refused before its welcome (or no answer): a close like any other, and the console tries again.
      closed(peer.closeCode ?? 0);
      return null;
    }
    peer.ws.on('close', closed);
    peer.send({ type: 'list', status: 'waiting' });
    peer.send({ type: 'presence', status: 'online' });
    const last = [...this.opened].at(-1);
    if (last) peer.send({ type: 'open', conversation: last });
    return peer.welcome;
  }

  /** Opens a conversation (the console's click on a row); paced under the agent's frame rate. */
  async open(/** @type {string} */ id) {
    this.opened.add(id);
    this.peer?.send({ type: 'open', conversation: id });
    // The agent's frame bucket starts full (2 s of frames); past it, stay under the sustained rate.
    if (this.opened.size > 30) await sleep(60);
  }

  /** Signs in again as a console reload does; resolves with what came back within `ms`. */
  async reload(ms = SHORT ? 1500 : 3000) {
    const old = this.peer;
    this.peer = null;
    if (old) old.dropped = true;
    old?.ws.close(1000);
    if (old) this.bytesBefore += old.bytes;
    const closesBefore = this.closes.length;
    const welcome = await this.start();
    const peer = /** @type {Peer | null} */ (this.peer);
    const list = welcome && peer ? await peer.next((f) => f.type === 'conversations', ms) : null;
    await sleep(ms / 3);
    const closed = this.closes.slice(closesBefore);
    return {
      welcome: Boolean(welcome),
      list: Boolean(list),
      bytes: peer?.bytes ?? 0,
      closed,
    };
  }

  stop() {
    this.#stopped = true;
    this.peer?.terminate();
  }
}

/** Runs `task(i)` for i in [0, n) with at most `width` in flight. */
async function pool(
  /** @type {number} */ n,
  /** @type {number} */ width,
  /** @type {(i: number) => Promise<void>} */ task,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

/**
 * Sends `make(peer, n)` on every peer at the documented frame rate (a bucket of `rate`/s, `burst` deep), never
 * more than `burst` frames (at most {@link AHEAD}) ahead of the server (a ping every tenth frame tells how far it
 * got), until `until`.
 * @param {Peer[]} peers
 * @param {(peer: Peer, n: number) => object | string | null} make null: nothing to send now
 * @param {{ rate: number, burst: number, until: number }} o
 */
async function flood(peers, make, { rate, burst, until }) {
  const state = peers.map(() => ({ tokens: burst, at: performance.now(), n: 0 }));
  let frames = 0;
  while (Date.now() < until) {
    const now = performance.now();
    peers.forEach((peer, i) => {
      const s = /** @type {(typeof state)[number]} */ (state[i]);
      s.tokens = Math.min(burst, s.tokens + ((now - s.at) / 1000) * rate);
      s.at = now;
      while (
        peer.open &&
        s.tokens >= 1 &&
        peer.sent - peer.answered < Math.min(burst, AHEAD) &&
        peer.ws.bufferedAmount < 1 << 20
      ) {
        s.tokens--;
        if (++s.n % 10 === 0) {
          void peer.ping();
          continue;
        }
        const frame = make(peer, s.n);
        if (frame === null) break;
        peer.send(frame);
        frames++;
      }
    });
    await sleep(10);
  }
  return frames;
}

/**
 * Uploads `name` (URI-encoded in `X-Parlor-Filename`, as the protocol says) with a small text body from `ip`.
 * @returns {Promise<number>} the HTTP status, 0 when the request failed
 */
function upload(
  /** @type {number} */ port,
  /** @type {string} */ ip,
  /** @type {string} */ token,
  /** @type {string} */ name,
) {
  return new Promise((resolve) => {
    const body = Buffer.from('a small text file\n');
    const req = request(
      {
        host: '127.0.0.1',
        port,
        ...(BY_HEADER ? {} : { localAddress: ip }),
        method: 'POST',
        path: '/v1/uploads',
        headers: {
          ...(BY_HEADER ? { 'x-forwarded-for': ip } : {}),
          authorization: `Bearer ${token}`,
          origin: ORIGIN,
          'content-type': 'text/plain',
          'content-length': body.length,
          'x-parlor-filename': encodeURIComponent(name),
        },
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('error', () => resolve(0));
    req.setTimeout(60_000, () => req.destroy());
    req.end(body);
  });
}

// ——— Main ———

const startLoad = loadavg();
const dir = mkdtempSync(join(tmpdir(), 'parlor-bench-abuse-'));
const server = await startServer(dir);
const port = server.port;
const t0 = Date.now();
say(
  `server on port ${port}${BY_HEADER ? ' (client addresses in X-Forwarded-For)' : ''}; attacks of ${SECONDS} s, ${ROUNDS} CPU round(s) per kind, ${STORED} stored contexts`,
);

const agent = new Agent(port);
const agentWelcome = await agent.start();
if (!agentWelcome) throw new Error(`the agent could not sign in (closed with ${agent.peer?.closeCode})`);
/** @type {{ maxFrameBytes: number, maxTextLength: number, messagesPerSecond: number, messageBurst: number, framesPerSecond: number }} */
const limits = agentWelcome.limits;
const FRAME_RATE = limits.framesPerSecond;
const FRAME_BURST = Math.max(1, Math.floor(limits.framesPerSecond * 2));
const HOSTILE_CONTEXT = bigContext(markup, limits.maxFrameBytes - 64);
const PLAIN_CONTEXT = bigContext(words, limits.maxFrameBytes - 64);
const HOSTILE_TEXT = `Hi ${markup(limits.maxTextLength - 4)}!`;
const PLAIN_TEXT = words(limits.maxTextLength);
/** A file name that fills about 12 KiB of header once URI-encoded (`<` is 3 bytes, `a` 1): under Node's 16 KiB. */
const HOSTILE_FILE = markup(6144);
const PLAIN_FILE = words(6144);
say(
  `limits: frames ${limits.maxFrameBytes} B at most, ${FRAME_RATE}/s; text ${limits.maxTextLength}; messages ` +
    `${limits.messagesPerSecond}/s, burst ${limits.messageBurst}; hostile context ${Buffer.byteLength(HOSTILE_CONTEXT)} B`,
);

// The legitimate visitors: one message a second each, send → ack timed, per phase.
const legitTally = new Tally();
/** @type {Peer[]} */
const legit = [];
for (let i = 0; i < LEGIT_VISITORS; i++) {
  const peer = await connect({ port, ip: LEGIT, hello: visitorHello(undefined), tally: legitTally });
  if (!peer.welcome) throw new Error(`a legitimate visitor could not connect (closed with ${peer.closeCode})`);
  peer.send(TYPICAL_CONTEXT);
  const first = await peer.message('Hello, I have a question about my order.');
  if (first?.reply.type !== 'ack')
    throw new Error(`a legitimate visitor's first message was refused: ${JSON.stringify(first?.reply)}`);
  legit.push(peer);
}
await agent.open(/** @type {Peer} */ (legit[0]).conversation);
/** A legitimate visitor whose socket the server closed comes back as the widget would: same visitor, same tab. */
async function reconnectLegit(/** @type {number} */ i) {
  const old = /** @type {Peer} */ (legit[i]);
  const peer = await connect({ port, ip: LEGIT, hello: visitorHello(old.welcome.visitor.token), tally: legitTally });
  if (peer.welcome) {
    peer.conversation = old.conversation;
    legit[i] = peer;
  } else await sleep(1000);
}
// Like the widget and the console, the long-lived sockets ping every `pingIntervalMs` (the server closes silent ones).
const heartbeat = setInterval(() => {
  for (const peer of [...legit, agent.peer]) peer?.send({ type: 'ping' });
}, agentWelcome.limits.pingIntervalMs);

/**
 * The legitimate visitors' send → ack until `done()`: each sends one message a second, whether or not the last one
 * was acked yet (a widget sends as the visitor types; acks may lag), and every ack is timed. A message not acked
 * within 15 s counts as 15 s; a refusal is counted by code; a socket the server closed is reconnected.
 */
async function measureLegit(/** @type {() => boolean} */ done) {
  /** @type {number[]} */
  const latencies = [];
  const refused = new Map();
  /** @type {Promise<void>[]} */
  const pending = [];
  await Promise.all(
    legit.map(async (_, i) => {
      await sleep((1000 / LEGIT_VISITORS) * i);
      while (!done()) {
        const started = Date.now();
        const peer = /** @type {Peer} */ (legit[i]);
        if (!peer.open) {
          await reconnectLegit(i);
          continue;
        }
        pending.push(
          peer.message(`Is my order #${1000 + i} on its way? (${started})`).then((result) => {
            if (!result) return; // the socket closed under it: counted with the closes
            if (result.reply.type === 'ack' || result.reply.type === 'timeout') latencies.push(result.ms);
            else bump(refused, result.reply.code);
          }),
        );
        await sleep(Math.max(0, started + 1000 - Date.now()));
      }
    }),
  );
  await Promise.all(pending);
  return { latencies, refused };
}
const forMs = (/** @type {number} */ ms) => {
  const until = Date.now() + ms;
  return () => Date.now() >= until;
};

/** Waits until the legitimate visitor's ping is answered within `limitMs` (three in a row); returns the wait. */
async function recover(/** @type {number} */ limitMs) {
  const started = Date.now();
  let good = 0;
  while (Date.now() - started < RECOVERY_MS && good < 3) {
    if (!legit[0]?.open) await reconnectLegit(0);
    const rtt = await /** @type {Peer} */ (legit[0]).ping(RECOVERY_MS);
    good = rtt !== null && rtt <= limitMs ? good + 1 : 0;
    await sleep(50);
  }
  return Date.now() - started;
}

// 1. Idle.
const idlePings = [];
for (let i = 0; i < 20; i++) idlePings.push(await /** @type {Peer} */ (legit[0]).ping());
const idlePing = percentile(/** @type {number[]} */ (idlePings.filter((v) => v !== null)), 50);
agent.phase = 'idle';
const agentBytes = agent.bytes;
const agentFramesIdle = agent.tally.frames;
const started = Date.now();
const idle = await measureLegit(forMs(SECONDS * 1000));
const idleAgentRate = ((agent.bytes - agentBytes) * 1000) / (Date.now() - started);
const idleAgentFrames = ((agent.tally.frames - agentFramesIdle) * 1000) / (Date.now() - started);
const idleP50 = percentile(idle.latencies, 50);
say(
  `idle: legitimate send → ack p50 ${fmtMs(idleP50)}, p99 ${fmtMs(percentile(idle.latencies, 99))} (${idle.latencies.length} sends)`,
);

// The attacker's sockets: as many as the server lets one IP hold.
const attackTally = new Tally();
let allowed = 0;
let refusedWith = '';
/**
 * Opens up to `n` attacker sockets (`hello(i)` for the i-th); a socket refused while the server still counts the
 * previous attack's sockets is retried for a while.
 * @param {number} n @param {(i: number) => object} hello @param {string} ip
 * @returns {Promise<Peer[]>}
 */
async function openMany(n, hello, ip = ATTACKER, tally = attackTally) {
  /** @type {Peer[]} */
  const peers = [];
  for (let i = 0, tries = 0; i < n && tries < 40;) {
    const peer = await connect({ port, ip, hello: hello(i), tally });
    if (peer.welcome) {
      peers.push(peer);
      i++;
    } else {
      tries++;
      await sleep(250);
    }
  }
  return peers;
}
{
  /** @type {Peer[]} */
  const probe = [];
  while (probe.length < SOCKET_CAP) {
    const peer = await connect({ port, ip: ATTACKER, hello: visitorHello(undefined), tally: attackTally });
    if (!peer.welcome) {
      refusedWith = peer.refusal || (peer.closeCode !== null ? `close ${peer.closeCode}` : 'no answer');
      break;
    }
    probe.push(peer);
  }
  allowed = probe.length;
  for (const peer of probe) peer.terminate();
  say(
    `one IP may hold ${allowed} sockets${refusedWith ? ` (the next was refused: ${refusedWith})` : ` (stopped at ${SOCKET_CAP})`}`,
  );
  if (allowed === 0) throw new Error('the attacker could not open a single socket');
  await sleep(500);
}

// 2. CPU per frame: hostile against benign, batch by batch.

/**
 * @typedef {{ kind: string, hostile: string, benign: string, perFrame: { hostile: number, benign: number },
 *   frames: { hostile: number, benign: number }, refused: Map<string, number>, note?: string }} CpuRow
 */
/** @type {CpuRow[]} */
const cpuRows = [];
const benignTally = new Tally();
// A short run compares on fewer sockets: the same frames, fewer of them.
const n = SHORT ? Math.min(allowed, 10) : allowed;
const hostileSide = await openMany(n, () => visitorHello(undefined));
const benignSide = await openMany(n, () => visitorHello(undefined), BENIGN, benignTally);
const both = [...hostileSide, ...benignSide];
/** Pings every peer and waits for every pong: everything sent before is handled. */
const drained = (/** @type {Peer[]} */ peers) => Promise.all(peers.map((p) => p.ping()));
// Every visitor of the comparison starts with an ordinary context and one message (its conversation, opened by
// the agent), so both sides are in the same state.
for (const peer of both) peer.send(TYPICAL_CONTEXT);
await pool(both.length, 10, async (i) => {
  await /** @type {Peer} */ (both[i]).message('Hello, a first question.');
});
for (const peer of both) if (peer.conversation) await agent.open(peer.conversation);
await drained(both);
await sleep(SETTLE_MS);

/**
 * Replaces the sockets of a side the server closed (a server may close an attacker's sockets: an outcome, counted)
 * with new visitors in the same state: an ordinary context, a conversation the agent has open.
 * @param {Peer[]} side @param {string} ip @param {Tally} tally
 */
async function refill(side, ip, tally) {
  for (const [i, old] of side.entries()) {
    if (old.open) continue;
    const peer = await connect({ port, ip, hello: visitorHello(undefined), tally });
    if (!peer.welcome) return;
    peer.send(TYPICAL_CONTEXT);
    await peer.message('Hello, a first question.');
    if (peer.conversation) await agent.open(peer.conversation);
    side[i] = peer;
    both[both.indexOf(old)] = peer;
  }
}

/**
 * Server CPU over one batch: `send()` then a ping on every peer (all handled), then the settle. Returns the CPU
 * in µs and the frames sent: what `send()` returns (requests), else what went out on the sockets before the pings.
 * @param {Peer[]} peers @param {() => Promise<number | void> | number | void} send
 */
async function batchCpu(peers, send) {
  const sum = () => peers.reduce((total, p) => total + p.sent, 0);
  const before = await server.cpu();
  const sentBefore = sum();
  const result = await send();
  const sent = typeof result === 'number' ? result : sum() - sentBefore;
  await drained(peers);
  await sleep(SETTLE_MS);
  return { cpu: (await server.cpu()) - before, sent };
}

/**
 * Measures one kind: per round the benign and the hostile batch, in alternating order, each after an empty batch
 * (pings only) on the same sockets; `setup(side, hostile)` runs before each pair, outside the measured window.
 * @param {{ kind: string, hostile: string, benign: string,
 *   setup?: (peers: Peer[], hostile: boolean) => Promise<void> | void,
 *   send: (peers: Peer[], hostile: boolean) => Promise<number | void> | number | void }} k
 */
async function measureKind(k) {
  await refill(hostileSide, ATTACKER, attackTally);
  await refill(benignSide, BENIGN, benignTally);
  /** @type {number[]} */
  const empties = [];
  const total = { hostile: 0, benign: 0 };
  const frames = { hostile: 0, benign: 0 };
  const hostileBefore = new Map(attackTally.errors);
  const benignBefore = new Map(benignTally.errors);
  const closesBefore = new Map(attackTally.closes);
  await sleep(SETTLE_MS);
  for (let r = 0; r < ROUNDS; r++) {
    for (const hostile of r % 2 ? [true, false] : [false, true]) {
      const peers = hostile ? hostileSide : benignSide;
      if (k.setup) {
        await k.setup(peers, hostile);
        await drained(both);
        await sleep(SETTLE_MS);
      }
      empties.push((await batchCpu(peers, () => {})).cpu);
      const batch = await batchCpu(peers, () => k.send(peers, hostile));
      total[hostile ? 'hostile' : 'benign'] += batch.cpu;
      frames[hostile ? 'hostile' : 'benign'] += batch.sent;
    }
  }
  // The quietest empty batch (pings and settle only) is the floor every batch stands on. No frame sent: no figure.
  const base = Math.min(...empties);
  const perFrame = {
    hostile: frames.hostile ? Math.max(1, (total.hostile - base * ROUNDS) / frames.hostile) : NaN,
    benign: frames.benign ? Math.max(1, (total.benign - base * ROUNDS) / frames.benign) : NaN,
  };
  // Refusals during the kind (rate limits, typed errors) are outcomes, shown beside its figures.
  const refused = new Map();
  for (const [code, v] of attackTally.errors) {
    const d = v - (hostileBefore.get(code) ?? 0);
    if (d > 0) refused.set(code, d);
  }
  for (const [code, v] of benignTally.errors) {
    const d = v - (benignBefore.get(code) ?? 0);
    if (d > 0) refused.set(`${code} (benign)`, d);
  }
  for (const [code, v] of attackTally.closes) {
    const d = v - (closesBefore.get(code) ?? 0);
    if (d > 0) refused.set(`closed ${code}`, d);
  }
  const row = { kind: k.kind, hostile: k.hostile, benign: k.benign, perFrame, frames, refused };
  cpuRows.push(row);
  say(
    `CPU ${k.kind}: hostile ${fmtUs(perFrame.hostile)}, benign ${fmtUs(perFrame.benign)} per frame ` +
      `(${fmtRatio(perFrame.hostile / perFrame.benign)}); refused: ${counts(refused)}`,
  );
  return row;
}

const PER_SOCKET = SHORT ? 2 : 4;
/** Sends `frame` `PER_SOCKET` times on every peer. */
const each = (
  /** @type {Peer[]} */ peers,
  /** @type {(peer: Peer, i: number) => object | string} */ frame,
  times = PER_SOCKET,
) => {
  for (const peer of peers) for (let i = 0; i < times; i++) peer.send(frame(peer, i));
};
const resetContexts = () => {
  for (const peer of both) peer.send(TYPICAL_CONTEXT);
};

await measureKind({
  kind: 'markup-heavy context',
  hostile: `context of ${Buffer.byteLength(HOSTILE_CONTEXT)} B, every string \`<a<a<a…\``,
  benign: 'the same size and shape in ordinary words',
  setup: resetContexts,
  send: (peers, hostile) => each(peers, () => (hostile ? HOSTILE_CONTEXT : PLAIN_CONTEXT)),
});
let pageN = 0;
await measureKind({
  kind: 'big live contexts',
  hostile: `a page change (${Buffer.byteLength(smallContext(1000))} B) while ${n} visitors hold a context of ${Buffer.byteLength(PLAIN_CONTEXT)} B`,
  benign: 'the same page change while they hold ordinary contexts',
  setup: (peers, hostile) => {
    resetContexts();
    if (hostile) for (const peer of peers) peer.send(PLAIN_CONTEXT);
  },
  send: (peers) => each(peers, () => smallContext(++pageN)),
});
resetContexts();
await drained(both);
// Messages: one per socket per batch, far under the per-connection burst; the per-IP message limit applies too.
const messageSockets = Math.min(n, 10);
await measureKind({
  kind: 'markup-heavy message',
  hostile: `text of ${HOSTILE_TEXT.length} characters, \`<a<a<a…\``,
  benign: 'the same length in ordinary words',
  send: async (peers, hostile) => {
    await Promise.all(
      peers.slice(0, messageSockets).map((p) => p.message(hostile ? HOSTILE_TEXT : PLAIN_TEXT, 60_000)),
    );
  },
});
const TYPING_BURST = Math.max(1, Math.min(16, FRAME_BURST - 4));
await measureKind({
  kind: 'typing flood',
  hostile: `${TYPING_BURST} typing frames back to back per socket, in conversations the agent has open`,
  benign: 'two typing frames per socket, on then off (a visitor typing)',
  send: (peers, hostile) =>
    each(
      peers,
      (peer, i) => ({ type: 'typing', conversation: peer.conversation, on: i % 2 === 0 }),
      hostile ? TYPING_BURST : 2,
    ),
});
{
  // Uploads: a few per batch, under the per-IP HTTP burst; each side its own IP.
  const perBatch = SHORT ? 3 : 5;
  const statuses = new Map();
  const tokenOf = (/** @type {Peer[]} */ peers) => /** @type {Peer} */ (peers[0]).welcome.session.token;
  const row = await measureKind({
    kind: 'upload with a markup-heavy name',
    hostile: `file name of ${HOSTILE_FILE.length} characters \`<a<a<a…\` (${encodeURIComponent(HOSTILE_FILE).length} B encoded)`,
    benign: 'a file name of the same length in ordinary words',
    send: async (peers, hostile) => {
      await pool(perBatch, perBatch, async () => {
        const status = await upload(
          port,
          hostile ? ATTACKER : BENIGN,
          tokenOf(peers),
          hostile ? HOSTILE_FILE : PLAIN_FILE,
        );
        bump(statuses, `HTTP ${status}${hostile ? '' : ' (benign)'}`);
      });
      return perBatch;
    },
  });
  for (const [k, v] of statuses) if (!k.startsWith('HTTP 201')) row.refused.set(k, v);
}
{
  // Names last: identifying changes who the sockets are. A server that refuses the user hash (its key scheme
  // changed) leaves this kind unmeasured rather than failing the run.
  const tryIdentify = async () => {
    const probe = await connect({ port, ip: '127.0.0.4', hello: visitorHello(undefined), tally: new Tally() });
    probe.send({ type: 'identify', auth: { mode: 'identified', userId: 'probe', userHash: userHash('probe') } });
    const reply = await probe.next((f) => f.type === 'welcome' || f.type === 'error', 10_000);
    probe.terminate();
    return reply;
  };
  let answer = await tryIdentify();
  if (answer?.type !== 'welcome') {
    // The key scheme may have changed since this bench was written: ask the server's own helper, if it has one.
    try {
      const helper = await import(new URL('../examples/server/dist/auth/user-hash.js', import.meta.url).href);
      if (typeof helper.computeUserHash === 'function' && typeof helper.computeUserHash(SECRET, 'probe') === 'string') {
        userHash = (userId) => helper.computeUserHash(SECRET, userId);
        answer = await tryIdentify();
      }
    } catch {
      // no such helper: the kind is reported as not run
    }
  }
  const identify = (/** @type {Peer} */ peer, /** @type {boolean} */ hostile) => {
    const userId = `bench-user-${both.indexOf(peer)}`;
    return {
      type: 'identify',
      auth: {
        mode: 'identified',
        userId,
        userHash: userHash(userId),
        name: hostile ? markup(200) : words(200),
        email: hostile ? markup(320) : words(320),
      },
    };
  };
  if (answer?.type === 'welcome') {
    // Each socket identifies once first (carrying its anonymous visitor over), so the batches repeat one path.
    for (const peer of both) peer.send(identify(peer, false));
    await drained(both);
    await measureKind({
      kind: 'markup-heavy name',
      hostile: '`identify` with name (200) and e-mail (320) `<a<a<a…`',
      benign: 'the same lengths in ordinary words',
      send: (peers, hostile) => each(peers, (peer) => identify(peer, hostile), 1),
    });
  } else {
    cpuRows.push({
      kind: 'markup-heavy name',
      hostile: '`identify` with name (200) and e-mail (320) `<a<a<a…`',
      benign: 'the same lengths in ordinary words',
      perFrame: { hostile: NaN, benign: NaN },
      frames: { hostile: 0, benign: 0 },
      refused: new Map([[`identify answered ${answer ? `${answer.type} ${answer.code ?? ''}`.trim() : 'nothing'}`, 1]]),
      note: 'not run: the server refused the user hash this bench computes',
    });
  }
}
for (const peer of both) peer.terminate();
await sleep(500);
say(`CPU comparison done at ${((Date.now() - t0) / 1000).toFixed(0)} s`);

// 3. Attacks, one after another, while the legitimate visitors and the agent measure.

/**
 * @typedef {{ name: string, sockets: number, frames: number, latencies: number[], refusedLegit: Map<string, number>,
 *   agentRate: number, agentFrameRate: number, agentCloses: number[], legitCloses: Map<string, number>, outcomes: Map<string, number>, recoveryMs: number, seconds: number,
 *   note?: string }} Phase
 */
/** @type {Phase[]} */
const phases = [];
const recoveryLimit = Math.max(20, 5 * idlePing);

/**
 * One attack: `open()` the attacker's sockets, then `run(peers, until)` (returns the frames or requests sent)
 * while the legitimate visitors measure; then the attacker leaves and the server gets time to recover.
 * @param {string} name
 * @param {{ open?: () => Promise<Peer[]>, run: (peers: Peer[], until: number) => Promise<number>, note?: string }} a
 */
async function attack(name, { open, run, note }) {
  agent.phase = name;
  const errorsBefore = new Map(attackTally.errors);
  const closesBefore = new Map(attackTally.closes);
  const legitClosesBefore = new Map(legitTally.closes);
  const agentClosesBefore = agent.closes.length;
  const peers = open ? await open() : [];
  const start = Date.now();
  const until = start + SECONDS * 1000;
  const bytes = agent.bytes;
  const agentFrames = agent.tally.frames;
  let finished = false;
  const [legitResult, frames] = await Promise.all([
    measureLegit(() => finished && Date.now() >= until),
    run(peers, until).finally(() => {
      // Time is up: the attacker leaves (the server drops what it still had queued from these sockets).
      finished = true;
      for (const peer of peers) peer.terminate();
    }),
  ]);
  const seconds = (Date.now() - start) / 1000;
  const agentRate = (agent.bytes - bytes) / seconds;
  const agentFrameRate = (agent.tally.frames - agentFrames) / seconds;
  const recoveryMs = await recover(recoveryLimit);
  /** @type {Map<string, number>} */
  const outcomes = new Map();
  for (const [code, v] of attackTally.errors)
    if (v > (errorsBefore.get(code) ?? 0)) outcomes.set(String(code), v - (errorsBefore.get(code) ?? 0));
  for (const [code, v] of attackTally.closes)
    if (v > (closesBefore.get(code) ?? 0)) outcomes.set(`closed ${code}`, v - (closesBefore.get(code) ?? 0));
  /** @type {Map<string, number>} */
  const legitCloses = new Map();
  for (const [code, v] of legitTally.closes)
    if (v > (legitClosesBefore.get(code) ?? 0)) legitCloses.set(String(code), v - (legitClosesBefore.get(code) ?? 0));
  /** @type {Phase} */
  const phase = {
    legitCloses,
    name,
    sockets: peers.length,
    frames,
    latencies: legitResult.latencies,
    refusedLegit: legitResult.refused,
    agentRate,
    agentFrameRate,
    agentCloses: agent.closes.slice(agentClosesBefore).map((c) => c.code),
    outcomes,
    recoveryMs,
    seconds,
    ...(note ? { note } : {}),
  };
  phases.push(phase);
  say(
    `${name}: legitimate p50 ${fmtMs(percentile(phase.latencies, 50))}, p99 ${fmtMs(percentile(phase.latencies, 99))}` +
      ` (${phase.latencies.length} sends); agent ${fmtRate(agentRate)} in ${agentFrameRate.toFixed(0)} frames/s, closed ${phase.agentCloses.length}×;` +
      ` attacker ${peers.length} sockets, ${frames} sent, answers: ${counts(outcomes)}; recovered in ${fmtMs(recoveryMs)}`,
  );
}
const fresh = () => openMany(allowed, () => visitorHello(undefined));
const frameFlood =
  (/** @type {(peer: Peer, n: number) => object | string} */ make) =>
  /** @param {Peer[]} peers @param {number} until */
  (peers, until) =>
    flood(peers, make, { rate: FRAME_RATE, burst: FRAME_BURST, until });

await attack('markup-heavy contexts', { open: fresh, run: frameFlood(() => HOSTILE_CONTEXT) });
await attack('big live contexts', {
  open: async () => {
    const peers = await fresh();
    for (const peer of peers) peer.send(PLAIN_CONTEXT);
    return peers;
  },
  run: frameFlood(() => smallContext(++pageN)),
});
await attack('markup-heavy messages', {
  open: fresh,
  run: (peers, until) =>
    flood(peers, () => ({ type: 'send', id: clientId(), body: { kind: 'text', text: HOSTILE_TEXT } }), {
      rate: limits.messagesPerSecond,
      burst: limits.messageBurst,
      until,
    }),
});
await attack('typing flood, one visitor in every socket', {
  open: async () => {
    const [first] = await openMany(1, () => visitorHello(undefined));
    if (!first) return [];
    await first.message('Hello?');
    if (first.conversation) await agent.open(first.conversation);
    const tabs = await openMany(allowed - 1, () => visitorHello(first.welcome.visitor.token));
    for (const tab of tabs) tab.conversation = first.conversation;
    return [first, ...tabs];
  },
  run: frameFlood((peer, i) => ({ type: 'typing', conversation: peer.conversation, on: i % 2 === 1 })),
});
const nameRow = cpuRows.find((r) => r.kind === 'markup-heavy name');
await attack('markup-heavy names', {
  open: nameRow?.note ? async () => [] : fresh,
  run: nameRow?.note
    ? async (_peers, until) => {
        await sleep(until - Date.now());
        return 0;
      }
    : frameFlood((peer) => {
        const userId = `attacker-${peer.welcome.visitor.id}`;
        return {
          type: 'identify',
          auth: { mode: 'identified', userId, userHash: userHash(userId), name: markup(200), email: markup(320) },
        };
      }),
  ...(nameRow?.note ? { note: nameRow.note } : {}),
});
{
  // The documented HTTP limit (§12): 5 requests/s per IP, burst 30. Every socket stays open meanwhile.
  const uploads = new Map();
  await attack('uploads with markup-heavy names', {
    open: fresh,
    run: async (peers, until) => {
      const token = peers[0]?.welcome.session.token;
      if (!token) return 0;
      let tokens = 30;
      let at = Date.now();
      let sent = 0;
      await pool(4, 4, async () => {
        while (Date.now() < until) {
          tokens = Math.min(30, tokens + ((Date.now() - at) / 1000) * 5);
          at = Date.now();
          if (tokens < 1) {
            await sleep(50);
            continue;
          }
          tokens--;
          sent++;
          bump(uploads, `HTTP ${await upload(port, ATTACKER, token, HOSTILE_FILE)}`);
        }
      });
      return sent;
    },
  });
  const last = /** @type {Phase} */ (phases.at(-1));
  for (const [k, v] of uploads) last.outcomes.set(k, v);
}
await attack('stored big contexts', {
  run: async () => {
    // Visitors come, leave a conversation that carries a maximal context, and go; as many at once as one IP may.
    let made = 0;
    while (made < STORED) {
      const wave = await openMany(Math.min(allowed, STORED - made), () => visitorHello(undefined));
      if (wave.length === 0) break;
      await Promise.all(
        wave.map(async (peer) => {
          peer.send(PLAIN_CONTEXT);
          await peer.message('Hello, is anyone there?', 30_000);
          peer.terminate();
        }),
      );
      made += wave.length;
      await sleep(300);
    }
    return made;
  },
});
/** @type {{ welcome: boolean, list: boolean, bytes: number, closed: number[] }[]} */
const reloads = [];
agent.phase = 'sign-in after the attack';
for (let i = 0; i < RELOADS; i++) {
  const result = await agent.reload();
  reloads.push({ ...result, closed: result.closed.map((c) => c.code) });
  say(
    `agent sign-in ${i + 1} after the attack: ${result.welcome ? 'welcome' : 'no welcome'}, ${result.list ? `list received` : 'no list'}` +
      `, ${(result.bytes / 1024).toFixed(0)} KB; ${result.closed.length ? `closed with ${result.closed.map((c) => c.code).join(', ')}` : 'open'}`,
  );
}

// ——— Report ———

const seconds = (Date.now() - t0) / 1000;
clearInterval(heartbeat);
agent.stop();
for (const peer of legit) peer.terminate();
const legitCloses = counts(legitTally.closes);
await server.stop();
rmSync(dir, { recursive: true, force: true });

const idleP99 = percentile(idle.latencies, 99);
const p50s = phases.map((p) => ({ name: p.name, p50: percentile(p.latencies, 50) }));
const worst = p50s
  .filter((p) => Number.isFinite(p.p50))
  .reduce((a, b) => (b.p50 > a.p50 ? b : a), { name: '—', p50: -Infinity });
const allAgentCloses = [...agent.closes.map((c) => c.code)];
const agentCloseCounts = new Map();
for (const code of allAgentCloses) bump(agentCloseCounts, code);

const phaseHead = [
  'attack',
  'attacker sockets, sent',
  'legitimate send → ack p50 / p99 (sends)',
  'p50 vs idle',
  'agent received',
  'agent closed',
  'server answers to the attacker',
  'recovered in',
];
const phaseRows = [
  [
    'none (idle)',
    '—',
    `${fmtMs(idleP50)} / ${fmtMs(idleP99)} (${idle.latencies.length})`,
    '×1',
    `${fmtRate(idleAgentRate)}, ${idleAgentFrames.toFixed(0)} frames/s`,
    'no',
    '—',
    '—',
  ],
  ...phases.map((p) => [
    p.name,
    p.note ? p.note : `${p.sockets}, ${p.frames} in ${p.seconds.toFixed(1)} s`,
    `${fmtMs(percentile(p.latencies, 50))} / ${fmtMs(percentile(p.latencies, 99))} (${p.latencies.length})` +
      (p.refusedLegit.size ? `; refused ${counts(p.refusedLegit)}` : '') +
      (p.legitCloses.size ? `; sockets closed ${counts(p.legitCloses)}` : ''),
    fmtRatio(percentile(p.latencies, 50) / idleP50),
    `${fmtRate(p.agentRate)}, ${p.agentFrameRate.toFixed(0)} frames/s`,
    p.agentCloses.length ? `yes: ${p.agentCloses.join(', ')}` : 'no',
    counts(p.outcomes),
    fmtMs(p.recoveryMs),
  ]),
];
const cpuHead = [
  'attack',
  'hostile frame',
  'benign counterpart',
  'CPU per frame: hostile / benign',
  'ratio',
  'refused',
];
const cpuTableRows = cpuRows.map((r) => [
  r.kind,
  r.hostile,
  r.benign,
  r.note
    ? r.note
    : `${fmtUs(r.perFrame.hostile)} / ${fmtUs(r.perFrame.benign)} (${r.frames.hostile} / ${r.frames.benign} frames)`,
  fmtRatio(r.perFrame.hostile / r.perFrame.benign),
  counts(r.refused),
]);
const reloadHead = [
  'agent sign-in after the stored contexts',
  'welcome',
  'waiting list',
  'received',
  'closed by the server',
];
const reloadRows = reloads.map((r, i) => [
  `${i + 1}`,
  r.welcome ? 'yes' : 'no',
  r.list ? 'yes' : 'no',
  `${(r.bytes / 1024).toFixed(0)} KB`,
  r.closed.length ? r.closed.join(', ') : 'no',
]);
console.log(
  `\n${table(phaseHead, phaseRows)}\n\n${table(cpuHead, cpuTableRows)}\n\n${table(reloadHead, reloadRows)}\n`,
);
say(`legitimate visitors' sockets closed by the server: ${legitCloses}; run took ${seconds.toFixed(0)} s`);

const ratioOf = (/** @type {CpuRow} */ r) => r.perFrame.hostile / r.perFrame.benign;
/** @type {import('./bench-support.mjs').BenchTarget[]} */
const targets = [
  {
    measure: 'legitimate send → ack p50 under attack (worst attack) against idle',
    result: `${fmtMs(worst.p50)} (${worst.name}) against ${fmtMs(idleP50)}, ${fmtRatio(worst.p50 / idleP50)}`,
    target: '≤ ×5',
    met: Number.isFinite(worst.p50) && Number.isFinite(idleP50) ? worst.p50 <= 5 * idleP50 : false,
  },
  {
    measure: `agent socket closed by the server (attacks and ${RELOADS} sign-ins after them)`,
    result: allAgentCloses.length
      ? `${allAgentCloses.length} time${allAgentCloses.length === 1 ? '' : 's'} (${counts(agentCloseCounts)})`
      : 'never',
    target: 'never',
    met: allAgentCloses.length === 0,
  },
  ...cpuRows.map((r) => ({
    measure: `CPU per hostile / benign frame: ${r.kind}`,
    result: r.note ? r.note : `${fmtUs(r.perFrame.hostile)} / ${fmtUs(r.perFrame.benign)}, ${fmtRatio(ratioOf(r))}`,
    target: '≤ ×3',
    met: Number.isFinite(ratioOf(r)) ? ratioOf(r) <= 3 : null,
  })),
];
for (const t of targets)
  say(`target: ${t.measure}: ${t.result} (${t.target}): ${t.met === null ? 'not checked' : t.met ? 'met' : 'NOT MET'}`);

writeReport(values.json, {
  bench: 'abuse',
  title: 'Abuse',
  command: 'pnpm bench:abuse',
  about:
    `One attacker IP holding ${allowed} sockets (as many as the server allows one IP${refusedWith ? `; the next: ${refusedWith}` : ''}) sends hostile but valid input ` +
    `at the documented limits, ${SECONDS} s per attack, while ${LEGIT_VISITORS} legitimate visitors (another IP) ` +
    'send one message a second each and an agent signed in as the console does counts what it receives. CPU per ' +
    `frame: the server's own CPU time over batches of hostile frames and of their benign counterparts (${ROUNDS} ` +
    `round(s), ${SETTLE_MS} ms settle, the quietest empty batch subtracted). Server, clients and attacker on one machine, ` +
    `loopback; load average at the start ${startLoad.map((l) => l.toFixed(2)).join(' / ')}.`,
  tables: [
    {
      caption: 'Each attack in turn: what the legitimate visitors and the agent saw',
      head: phaseHead,
      rows: phaseRows,
    },
    { caption: 'Server CPU per frame, hostile against benign', head: cpuHead, rows: cpuTableRows },
    { caption: 'The agent signing in again after the stored contexts', head: reloadHead, rows: reloadRows },
  ],
  targets,
  figures: {
    idle: { p50: idleP50, p99: idleP99, agentBytesPerSecond: idleAgentRate },
    attacks: phases.map((p) => ({
      name: p.name,
      p50: percentile(p.latencies, 50),
      p99: percentile(p.latencies, 99),
      agentBytesPerSecond: p.agentRate,
      agentFramesPerSecond: p.agentFrameRate,
      agentCloses: p.agentCloses,
    })),
    agentCloses: allAgentCloses,
    cpu: cpuRows.map((r) => ({
      kind: r.kind,
      hostileUs: r.perFrame.hostile,
      benignUs: r.perFrame.benign,
      ratio: ratioOf(r),
    })),
    sockets: allowed,
  },
});
process.exit(0);
