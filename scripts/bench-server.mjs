#!/usr/bin/env node
// `pnpm bench:server`: what one reference server process holds and how fast it relays, and the same with
// PostgreSQL + Redis over two processes. Not a test: it prints figures (docs/benchmarks.md, "Server").
//
// The servers are real processes (`examples/server/dist/main.js`, configured by environment only); this
// process plays every client over real WebSockets. Per mode:
//   1. N visitors connect (hello) and each sends one message, which opens their conversation.
//      "RSS per connection" = (server RSS now − RSS right after start-up) / N, over all server processes.
//   2. A agents connect, one per site, and open their visitors' conversations. With two processes every
//      agent sits on the other process than its visitors, so every relay crosses Redis.
//   3. Relay: visitors send at a steady rate (half of --rate), and each agent answers every message at
//      once, so --rate messages/s are stored in total. Relay latency = from the client's send to the other
//      side's receipt, both clocks here (it includes this process's own event loop: an upper bound).
//   4. Saturation: every visitor sends --burst messages back to back (within its rate-limit burst); the
//      persisted rate is messages acked / time until the last ack.
// Options: --visitors N (1000), --agents N (50), --rate N (1000), --seconds N (10), --burst N (10),
// --mode embedded|scaled|both (both), --profile (CPU profile of the servers during the run: prints the
// functions with the most self time), --json FILE (also write the report for `pnpm bench`). 10,000 visitors need
// `ulimit -n` above ~10,100 in this shell.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeReport } from './bench-support.mjs';
import { printProfile, serverReport } from './bench-server-report.mjs';
import { startServices } from './services.mjs';

const require = createRequire(new URL('../examples/server/package.json', import.meta.url));
/** @type {new (url: string, options: object) => any} `ws`, a dependency of the example server */
const WebSocket = require('ws');
const MAIN = fileURLToPath(new URL('../examples/server/dist/main.js', import.meta.url));
const ORIGIN = 'http://bench.test';

const { values } = parseArgs({
  options: {
    visitors: { type: 'string', default: '1000' },
    agents: { type: 'string', default: '50' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    burst: { type: 'string', default: '10' },
    mode: { type: 'string', default: 'both' },
    profile: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const N = Math.max(1, Number(values.visitors) || 1000);
const AGENTS = Math.max(1, Math.min(N, Number(values.agents) || 50));
const RATE = Math.max(2, Number(values.rate) || 1000);
const SECONDS = Math.max(1, Number(values.seconds) || 10);
const BURST = Math.max(1, Math.min(20, Number(values.burst) || 10));

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (/** @type {string} */ line) => console.log(`[bench] ${line}`);
let ids = 0;
/** A UUIDv7-shaped client id (unique here; the server checks the shape). */
function clientId() {
  const n = (++ids).toString(16).padStart(12, '0');
  const t = Date.now().toString(16).padStart(12, '0');
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${n.slice(0, 3)}-8${n.slice(3, 6)}-${n.slice(0, 6)}${n.slice(6, 12)}`;
}

// ——— Servers ———

/** @param {{ name: string, env: Record<string, string>, dir: string, profileDir: string | null }} o */
async function startServer({ name, env, dir, profileDir }) {
  const args = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, MAIN] : [MAIN];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(dir, name), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (/** @type {Buffer} */ chunk) => (out += chunk));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${out}`)), 30_000);
    child.stdout.on('data', () => {
      const match = /health\s+http:\/\/localhost:(\d+)\/health/.exec(out);
      if (!match) return;
      clearTimeout(timer);
      resolve(Number(match[1]));
    });
    child.once('exit', () => reject(new Error(`${name} exited:\n${out}`)));
  });
  const pid = /** @type {number} */ (child.pid);
  return {
    port,
    rss: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
    /** CPU seconds used so far (user + system). */
    cpu: () => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    metrics: async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      /** @param {string} name */
      const get = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
      return {
        frames: get('parlor_frames_in_total') + get('parlor_frames_out_total'),
        stored: get('parlor_messages_stored_total'),
      };
    },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

// ——— Clients ———

/**
 * @typedef {{ ws: any, site: string, conversation: string,
 *   onFrame: (frame: any) => void, send: (frame: object) => void }} Peer
 */

/** Opens a socket and resolves once `hello` is answered with `welcome`. @returns {Promise<Peer>} */
function connect(
  /** @type {string} */ url,
  /** @type {Record<string, string>} */ headers,
  /** @type {object} */ hello,
) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    /** @type {Peer} */
    const peer = {
      ws,
      site: '',
      conversation: '',
      onFrame: () => {},
      send: (frame) => ws.send(JSON.stringify(frame)),
    };
    ws.once('error', reject);
    ws.once('open', () => peer.send(hello));
    ws.on('message', (/** @type {Buffer} */ data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === 'welcome') resolve(peer);
      else peer.onFrame(frame);
    });
  });
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

/** Busy and total CPU ticks of the whole machine (all cores), from /proc/stat. */
function machineTicks() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/) ?? [];
  const n = fields.map(Number);
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  const all = n.reduce((a, b) => a + b, 0);
  return { busy: all - idle, all };
}

// ——— One mode ———

/** @param {'embedded' | 'scaled'} mode */
async function runMode(mode) {
  const dir = mkdtempSync(join(tmpdir(), `parlor-bench-${mode}-`));
  const profileDir = values.profile ? join(dir, 'profiles') : null;
  const sites = Array.from({ length: AGENTS }, (_, k) => ({
    id: `site-${k}`,
    name: `Site ${k}`,
    secrets: [{ kid: 'k1', secret: `bench-secret-${k}-0123456789abcdefghijklmnop` }],
    allowedOrigins: [ORIGIN],
  }));
  const agents = sites.map((site, k) => ({
    id: `agent-${k}`,
    name: `Agent ${k}`,
    token: `bench-agent-token-${k}-0123456789abcdefghij`,
    sites: [site.id],
  }));
  writeFileSync(join(dir, 'sites.json'), JSON.stringify({ sites, agents }));
  const env = {
    PARLOR_SITES_FILE: join(dir, 'sites.json'),
    MAX_CONNECTIONS_PER_IP: String(N + 1000),
    TRUST_PROXY: '1', // each simulated visitor gets its own address (X-Forwarded-For), as behind a balancer
  };
  const services = mode === 'scaled' ? await startServices() : null;
  if (services) Object.assign(env, { DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl });
  /** @type {Awaited<ReturnType<typeof startServer>>[]} */
  const servers = [];
  for (const name of mode === 'scaled' ? ['a', 'b'] : ['a'])
    servers.push(await startServer({ name, env, dir, profileDir }));
  const P = servers.length;
  await sleep(1000);
  const baseline = servers.map((s) => s.rss());
  const serverOf = (/** @type {number} */ i) => /** @type {(typeof servers)[number]} */ (servers[i % P]);

  // 1. Visitors connect and open their conversations.
  /** @type {Peer[]} */
  const visitors = new Array(N);
  /** @type {Map<string, number>} */
  const sentAt = new Map();
  /** @type {number[]} */
  const latencies = [];
  /** @type {Map<string, (ack: any) => void>} */
  const acks = new Map();
  /** @type {Map<string, number>} error frames received, by code (a rate limit hit means the load is wrong) */
  const errors = new Map();
  const countError = (/** @type {any} */ frame) => errors.set(frame.code, (errors.get(frame.code) ?? 0) + 1);
  let t0 = Date.now();
  await pool(N, 200, async (i) => {
    const server = serverOf(i);
    const site = `site-${i % AGENTS}`;
    const peer = await connect(
      `ws://127.0.0.1:${server.port}/v1/connect`,
      { origin: ORIGIN, 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
      { type: 'hello', v: 1, site, auth: { mode: 'anonymous' } },
    );
    peer.site = site;
    peer.onFrame = (frame) => {
      if (frame.type === 'ack') acks.get(frame.id)?.(frame);
      else if (frame.type === 'error') countError(frame);
      else if (frame.type === 'message') {
        const at = sentAt.get(frame.message.id);
        if (at === undefined) return;
        latencies.push(performance.now() - at);
        sentAt.delete(frame.message.id);
      }
    };
    visitors[i] = peer;
    const id = clientId();
    const ack = await new Promise((resolve) => {
      acks.set(id, resolve);
      peer.send({ type: 'send', id, body: { kind: 'text', text: 'hello' } });
    });
    acks.delete(id);
    peer.conversation = /** @type {{ conversation: string }} */ (ack).conversation;
  });
  const connectSeconds = (Date.now() - t0) / 1000;
  // Like real clients, every socket pings every 20 s (the server drops sockets silent for two 25 s intervals).
  /** @type {Peer[]} */
  const agentPeers = [];
  let pingCursor = 0;
  const pinger = setInterval(() => {
    const all = [...visitors, ...agentPeers];
    for (let n = Math.ceil(all.length / 20); n > 0; n--) all[pingCursor++ % all.length]?.send({ type: 'ping' });
  }, 1000);
  await sleep(1000);
  const rssPerConnection = servers.reduce((sum, s, k) => sum + s.rss() - (baseline[k] ?? 0), 0) / N;
  say(`${mode}: ${N} visitors connected with a conversation each in ${connectSeconds.toFixed(1)} s`);

  // 2. Agents connect (to the other process than their visitors) and open their conversations.
  let replying = true;
  await pool(AGENTS, 10, async (k) => {
    const server = serverOf(k + 1);
    const peer = await connect(
      `ws://127.0.0.1:${server.port}/v1/agent`,
      { origin: `http://127.0.0.1:${server.port}` },
      { type: 'hello', v: 1, auth: { mode: 'agent', token: `bench-agent-token-${k}-0123456789abcdefghij` } },
    );
    peer.onFrame = (frame) => {
      if (frame.type === 'error') countError(frame);
      if (frame.type !== 'message' || frame.message.author.role !== 'visitor') return;
      const at = sentAt.get(frame.message.id);
      if (at === undefined) return;
      latencies.push(performance.now() - at);
      sentAt.delete(frame.message.id);
      if (!replying) return;
      const id = clientId();
      sentAt.set(id, performance.now());
      peer.send({ type: 'send', conversation: frame.message.conversation, id, body: { kind: 'text', text: 'reply' } });
    };
    agentPeers[k] = peer;
    const mine = visitors.filter((_, i) => i % AGENTS === k);
    // Opening stays under the agent's frame-rate limit (20/s, burst 40).
    for (let j = 0; j < mine.length; j++) {
      peer.send({ type: 'open', conversation: mine[j]?.conversation });
      if (j >= 30) await sleep(60);
    }
  });
  await sleep(1500);
  latencies.length = 0;
  sentAt.clear();

  // 3. Relay at a steady rate.
  const before = await Promise.all(servers.map((s) => s.metrics()));
  const cpuBefore = servers.map((s) => s.cpu());
  const machineBefore = machineTicks();
  const benchBefore = process.cpuUsage();
  t0 = performance.now();
  let sent = 0;
  let cursor = 0;
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = (performance.now() - t0) / 1000;
      if (elapsed >= SECONDS) {
        clearInterval(timer);
        resolve(undefined);
        return;
      }
      for (const due = Math.floor((elapsed * RATE) / 2); sent < due; sent++) {
        const peer = /** @type {Peer} */ (visitors[cursor++ % N]);
        const id = clientId();
        sentAt.set(id, performance.now());
        peer.send({
          type: 'send',
          conversation: peer.conversation,
          id,
          body: { kind: 'text', text: `message ${sent}` },
        });
      }
    }, 5);
  });
  await sleep(1000); // the last replies land
  const window = (performance.now() - t0) / 1000 - 1;
  const after = await Promise.all(servers.map((s) => s.metrics()));
  const cpu = servers.reduce((sum, s, k) => sum + s.cpu() - (cpuBefore[k] ?? 0), 0) / (window + 1);
  const machineAfter = machineTicks();
  const cores =
    (machineAfter.busy - machineBefore.busy) / ((machineAfter.all - machineBefore.all) / availableParallelism());
  const benchUsage = process.cpuUsage(benchBefore);
  const benchCpu = (benchUsage.user + benchUsage.system) / 1e6 / (window + 1);
  const otherCpu = Math.max(0, cores - cpu - benchCpu);
  say(
    `${mode}: during the relay, CPU in cores: server process(es) ${cpu.toFixed(2)}, this client ${benchCpu.toFixed(2)}, ` +
      `everything else (database, Redis, other programs) ${otherCpu.toFixed(2)}, machine ${cores.toFixed(2)} of ${availableParallelism()}`,
  );
  const relay = [...latencies].sort((a, b) => a - b);
  const lost = sentAt.size;
  const framesPerSecond = after.reduce((sum, m, k) => sum + m.frames - (before[k]?.frames ?? 0), 0) / SECONDS;
  const storedPerSecond = after.reduce((sum, m, k) => sum + m.stored - (before[k]?.stored ?? 0), 0) / SECONDS;

  // 4. Saturation: every visitor's burst at once; agents only read.
  replying = false;
  await sleep(1000);
  /** @type {Promise<unknown>[]} */
  const waits = [];
  t0 = performance.now();
  for (const peer of visitors) {
    for (let b = 0; b < BURST; b++) {
      const id = clientId();
      waits.push(new Promise((resolve) => acks.set(id, resolve)));
      peer.send({ type: 'send', conversation: peer.conversation, id, body: { kind: 'text', text: `burst ${b}` } });
    }
  }
  // The timeout is cleared once the acks are in: a pending 120 s timer would hold the process open after the table.
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timeout;
  const acked = await Promise.race([
    Promise.all(waits).then(() => waits.length),
    new Promise((resolve) => (timeout = setTimeout(resolve, 120_000, -1))),
  ]);
  clearTimeout(timeout);
  const saturation = acked < 0 ? NaN : (N * BURST) / ((performance.now() - t0) / 1000);

  clearInterval(pinger);
  const dropped = [...visitors, ...agentPeers].filter((p) => p?.ws.readyState !== 1).length;
  if (dropped) say(`${mode}: ${dropped} sockets were closed by the server during the run`);
  if (errors.size) say(`${mode}: error frames received: ${JSON.stringify(Object.fromEntries(errors))}`);
  for (const peer of [...agentPeers, ...visitors]) peer?.ws.terminate();
  await Promise.all(servers.map((s) => s.stop()));
  if (services) await services.stop();
  if (profileDir) printProfile(profileDir, mode);
  rmSync(dir, { recursive: true, force: true });
  return {
    mode,
    label: mode === 'scaled' ? 'PostgreSQL + Redis, 2 processes' : 'embedded SQLite, 1 process',
    visitors: N,
    rssPerConnection,
    storedPerSecond,
    framesPerSecond,
    relay,
    lost,
    cpu: { server: cpu, generator: benchCpu, other: otherCpu, cores: availableParallelism() },
    saturation,
  };
}

// ——— Main ———

const modes = values.mode === 'both' ? ['embedded', 'scaled'] : [values.mode];
say(`${N} visitors, ${AGENTS} agents, relay at ${RATE} messages/s for ${SECONDS} s, saturation bursts of ${BURST}`);
const rows = [];
for (const mode of modes) {
  if (mode !== 'embedded' && mode !== 'scaled') throw new Error(`--mode is embedded, scaled or both, not ${mode}`);
  rows.push(await runMode(mode));
}
writeReport(
  values.json,
  serverReport(rows, { visitors: N, agents: AGENTS, rate: RATE, seconds: SECONDS, burst: BURST }),
);
