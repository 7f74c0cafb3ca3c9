#!/usr/bin/env node
// PostgreSQL and Redis for the scale-out tests and the server benchmark, started by hand on private ports
// and directories (no systemd, no Docker), loopback only, and stopped again at the end.
//
// As a module: `const services = await startServices(); … await services.stop();` gives DATABASE_URL and
// REDIS_URL. As a command: `node scripts/services.mjs -- <command…>` runs the command with both set;
// `node scripts/services.mjs --ensure` only installs what is missing (CI does this up front).
// When a server program is missing and we run as root on Debian, it is installed from apt first
// (`postgresql`, `redis-server`); otherwise the error says how to get it.
//
// PostgreSQL runs with fsync=off: a commit survives a crash of any process (the WAL is handed to the OS),
// not a power loss — the same promise the embedded SQLite default makes, so the two modes compare fairly.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** @param {string} message */
const say = (message) => console.log(`[services] ${message}`);

/** A free TCP port on loopback (the OS picks; a tiny race with other programs is accepted). */
export function freePort() {
  return /** @type {Promise<number>} */ (
    new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    })
  );
}

/** Resolves once something accepts TCP connections on `port`, or rejects after `ms`. */
async function waitForPort(/** @type {number} */ port, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const open = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The newest PostgreSQL server binaries directory, or null. */
function postgresBin() {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv) return fromEnv;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(join(base, v, 'bin', 'postgres')))
      .sort((a, b) => Number(a) - Number(b));
    const newest = versions.at(-1);
    if (newest) return join(base, newest, 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' });
  const pgCtl = which.stdout.trim();
  return pgCtl ? pgCtl.replace(/\/pg_ctl$/, '') : null;
}

function redisServer() {
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return which.stdout.trim() || null;
}

/** Installs the missing Debian packages when we may (root, apt); otherwise explains. */
export function ensureInstalled() {
  const missing = [];
  if (!postgresBin()) missing.push('postgresql');
  if (!redisServer()) missing.push('redis-server');
  if (!missing.length) return;
  if (!(isRoot && existsSync('/usr/bin/apt-get'))) {
    throw new Error(
      `PostgreSQL and Redis are needed (missing: ${missing.join(', ')}). Install them ` +
        '(Debian/Ubuntu: `sudo apt-get install postgresql redis-server`; macOS: `brew install postgresql redis`), ' +
        'or set DATABASE_URL and REDIS_URL to servers you run.',
    );
  }
  say(`installing ${missing.join(' and ')} from apt (about 30 s)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: ['ignore', 'ignore', 'inherit'], env });
}

/**
 * Runs a PostgreSQL tool; as root it runs as the `postgres` user (the server refuses to run as root).
 * @param {string} bin @param {string[]} args
 */
function pgTool(bin, args) {
  const [cmd, all] = isRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(cmd, all, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Starts a throw-away PostgreSQL cluster in a new temp directory.
 * @returns {Promise<{ url: string, port: number, stop: () => void }>}
 */
export async function startPostgres() {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'parlor-pg-'));
  chmodSync(dir, 0o700);
  if (isRoot) {
    const ids = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
    chownSync(dir, Number(ids), Number(gid));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  const t0 = Date.now();
  pgTool(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
    '-c shared_buffers=128MB',
  ].join(' ');
  pgTool(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30', '-o', options, 'start']);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      pgTool(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  say(`PostgreSQL (${bin}) on 127.0.0.1:${port}, data in ${dir}, started in ${Date.now() - t0} ms`);
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, stop };
}

/**
 * Starts a Redis server (no persistence) as a child process. `restart(whileDown)` kills it (SIGKILL), runs
 * `whileDown`, and starts it again on the same port: what the scale-out tests do to it.
 * @param {{ port?: number, quiet?: boolean }} [options]
 * @returns {Promise<{ url: string, port: number, stop: () => Promise<void>, restart: (whileDown?: () => Promise<void>) => Promise<void>, killNow: () => void }>}
 */
export async function startRedis(options = {}) {
  const bin = redisServer();
  if (!bin) throw new Error('Redis is not installed');
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'parlor-redis-'));
  /** @type {import('node:child_process').ChildProcess | null} */
  let child = null;
  const launch = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    const proc = spawn(bin, args, { stdio: 'ignore' });
    child = proc;
    await waitForPort(port);
  };
  const kill = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  };
  const t0 = Date.now();
  await launch();
  if (!options.quiet) say(`Redis (${bin}) on 127.0.0.1:${port}, started in ${Date.now() - t0} ms`);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
    async restart(whileDown) {
      await kill();
      try {
        await whileDown?.();
      } finally {
        await launch();
      }
    },
    /** Synchronous, for `process.on('exit')`. */
    killNow() {
      child?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts PostgreSQL and Redis (installing them first when needed and allowed).
 * @returns {Promise<{ databaseUrl: string, redisUrl: string, stop: () => Promise<void> }>}
 */
export async function startServices() {
  ensureInstalled();
  const postgres = await startPostgres();
  let redis;
  try {
    redis = await startRedis();
  } catch (error) {
    postgres.stop();
    throw error;
  }
  const stop = async () => {
    process.off('exit', stopNow);
    await redis.stop();
    postgres.stop();
  };
  // A run interrupted by an exception or Ctrl-C must not leave a server behind.
  const stopNow = () => {
    redis.killNow();
    postgres.stop();
  };
  process.once('exit', stopNow);
  return { databaseUrl: postgres.url, redisUrl: redis.url, stop };
}

// `node scripts/services.mjs -- <command…>`: the command runs with DATABASE_URL and REDIS_URL set.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--ensure')) {
    ensureInstalled();
    say(`PostgreSQL: ${postgresBin()}; Redis: ${redisServer()}`);
    process.exit(0);
  }
  const dash = process.argv.indexOf('--');
  const command = dash >= 0 ? process.argv.slice(dash + 1) : [];
  const services = await startServices();
  console.log(`DATABASE_URL=${services.databaseUrl}\nREDIS_URL=${services.redisUrl}`);
  let code = 0;
  if (command.length) {
    const [cmd = '', ...args] = command;
    const child = spawn(cmd, args, {
      stdio: 'inherit',
      env: { ...process.env, DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl },
    });
    for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => child.kill(signal));
    code = await new Promise((resolve) => child.once('close', (c) => resolve(c ?? 1)));
  } else {
    say('running; press Ctrl-C to stop');
    await new Promise((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  }
  await services.stop();
  process.exit(code);
}
