/**
 * Real reference-server processes for the end-to-end suites (`test/e2e/support/serve.mjs` over the server's
 * build), a host-page server standing in for a customer's site, and what the server stored, read back through
 * the agent transcript export. Nothing here mocks the server: a test can `kill -9` it and start it again on the
 * same port and data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SITE = 'e2e';
export const SECRET = 'e2e-site-secret-0123456789-abcdefghijklmn';
export const AGENT_TOKEN = 'e2e-agent-token-0123456789-abcdefghijklm';
export const AGENT_NAME = 'Ada';

const SERVE = fileURLToPath(new URL('serve.mjs', import.meta.url));
const CDN_DIR = fileURLToPath(new URL('../../../packages/widget/dist/cdn/', import.meta.url));
const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples/', import.meta.url));
/** The chat server the example apps name (their `pnpm dev` runs one there). */
const EXAMPLE_SERVER = 'http://localhost:8787';
/** Example apps whose build (`dist/`) a host site serves, see {@link HostSite.app}. */
export const EXAMPLE_APPS = ['vite', 'react'] as const;

/** Limits for the fault suites: generous rates (a burst of 500), a quick heartbeat. */
export const FAST_LIMITS = { messagesPerSecond: 1000, messageBurst: 1000, framesPerSecond: 2000, pingIntervalMs: 2000 };

/** Options of {@link startServerProcess}. */
export interface ServerProcessOptions {
  /** Origins the e2e site allows (the host pages'). */
  origins: string[];
  limits?: Record<string, unknown>;
  port?: number;
  dataDir?: string;
  databaseUrl?: string;
  redisUrl?: string;
  /** Extra site settings (greeting, shopify, …). */
  site?: Record<string, unknown>;
  /** Serve the test fixtures (the Shopify storefront fixture); off by default, as on a real server. */
  testFixtures?: boolean;
}

/** A server process; `start()` again after `kill()` reuses its port and data. */
export interface ServerProcess {
  readonly port: number;
  readonly url: string;
  readonly dataDir: string;
  /** SIGKILL: no shutdown, no goodbye. */
  kill(): Promise<void>;
  /** SIGTERM: the graceful shutdown. */
  stop(): Promise<void>;
  /** Starts it again (after kill or stop) on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  dispose(): Promise<void>;
  output(): string;
}

/** The sites file of an e2e server: one site, one agent. */
export function sitesFile(options: Pick<ServerProcessOptions, 'origins' | 'site'>) {
  return {
    sites: [
      {
        id: SITE,
        name: 'E2E shop',
        secrets: [{ kid: 'k1', secret: SECRET }],
        allowedOrigins: options.origins,
        replyMinutes: 5,
        ...options.site,
      },
    ],
    agents: [{ id: 'ada', name: AGENT_NAME, token: AGENT_TOKEN, sites: ['*'] }],
  };
}

/** Starts `serve.mjs` as its own process; resolves once it listens. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'parlor-e2e-'));
  let port = options.port ?? 0;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null) throw new Error('the server is still running');
    const config = { ...options, sitesFile: sitesFile(options), dataDir, port };
    const proc = spawn(process.execPath, [SERVE], {
      env: { ...process.env, PARLOR_E2E_SERVER: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${output}`)), 20_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening (\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`server exited at start-up:\n${output}`));
      });
    });
  };
  const signal = async (name: NodeJS.Signals) => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  await start();
  return {
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    dataDir,
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
    start,
    async dispose() {
      await signal('SIGTERM');
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    output: () => output,
  };
}

/** A customer's site: pages that embed the widget, on their own origin (loopback, a secure context). */
export interface HostSite {
  readonly origin: string;
  /**
   * A product page embedding the CDN script by tag, auto-initialised from `data-*`; the script comes from the
   * site's own `/cdn/` (a CDN that stays up while the chat server is down) or, with `cdn: 'server'`, from the
   * chat server's.
   */
  cdnPage(server: string, data?: Record<string, string>, cdn?: 'site' | 'server'): string;
  /**
   * The built example app (`examples/<name>/dist`, as `pnpm build` leaves it) with its chat server moved from
   * `http://localhost:8787` to `server` (a `http://127.0.0.1:<port>` URL): the app as shipped, on this site.
   */
  app(name: (typeof EXAMPLE_APPS)[number], server: string): string;
  close(): Promise<void>;
}

/** Throws, naming the command, when an example app has not been built. */
export function assertAppsBuilt(): void {
  const missing = EXAMPLE_APPS.filter((name) => !existsSync(join(EXAMPLES_DIR, name, 'dist', 'index.html')));
  if (missing.length)
    throw new Error(
      `examples ${missing.join(', ')} are not built: run \`pnpm test:e2e\` (it builds them) or \`pnpm build\``,
    );
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

/** Serves a file of a built example app; the example's chat server becomes the one named in the path. */
async function serveApp(res: ServerResponse, name: string, port: string, file: string): Promise<void> {
  try {
    const path = join(EXAMPLES_DIR, name, 'dist', normalize(`/${file || 'index.html'}`));
    const type = MIME[extname(path)] ?? 'application/octet-stream';
    let body: string | Buffer = await readFile(path);
    if (type.startsWith('text/')) body = body.toString('utf8').replaceAll(EXAMPLE_SERVER, `http://127.0.0.1:${port}`);
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
}

/** Serves the host pages from this process on a free port. */
export async function startHostSite(port = 0): Promise<HostSite> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    // The CDN build, served by the site itself (as a CDN would), so the page loads while the chat server is down.
    const cdnFile = /^\/cdn\/([\w.-]+\.js)$/.exec(url.pathname)?.[1];
    if (cdnFile) {
      void readFile(join(CDN_DIR, cdnFile)).then(
        (body) => res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(body),
        () => res.writeHead(404).end(),
      );
      return;
    }
    // A built example app: /apps/<name>/<chat server port>/<file>.
    const app = /^\/apps\/(vite|react)\/(\d+)\/(.*)$/.exec(url.pathname);
    if (app) {
      void serveApp(res, app[1] ?? '', app[2] ?? '', app[3] ?? '');
      return;
    }
    if (url.pathname !== '/shop') {
      res.writeHead(404).end();
      return;
    }
    const serverUrl = url.searchParams.get('server') ?? '';
    const cdn = url.searchParams.get('cdn') === 'server' ? serverUrl : '';
    const data = [...url.searchParams].filter(([k]) => k.startsWith('data-'));
    const attrs = data.map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Harbour Tea</title></head>
<body><h1>Harbour Tea</h1><p>Loose-leaf tea, shipped weekly.</p>
<script src="${escapeAttr(cdn)}/cdn/parlor.js" data-site-id="${SITE}" data-server="${escapeAttr(serverUrl)}"${attrs} async></script>
</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    origin,
    cdnPage(serverUrl, extra = {}, cdn = 'site') {
      const params = new URLSearchParams({ server: serverUrl, cdn });
      for (const [k, v] of Object.entries(extra)) params.set(`data-${k}`, v);
      return `${origin}/shop?${params}`;
    },
    app(name, serverUrl) {
      return `${origin}/apps/${name}/${new URL(serverUrl).port}/`;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** A stored message, as the transcript export gives it. */
export interface StoredMessage {
  seq: number;
  role: string;
  author: string | null;
  body: { kind: string; text?: string; name?: string };
}

/** What the server stored for a conversation, through the agent's transcript export. */
export async function storedMessages(serverUrl: string, conversation: string): Promise<StoredMessage[]> {
  const res = await fetch(`${serverUrl}/v1/agent/conversations/${conversation}/transcript.json`, {
    headers: { authorization: `Bearer ${AGENT_TOKEN}` },
  });
  if (res.status !== 200) throw new Error(`transcript export answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { messages: StoredMessage[] }).messages;
}

/** The text of a stored message (attachments as `[file] name`). */
export const storedText = (m: StoredMessage): string =>
  m.body.kind === 'text' ? (m.body.text ?? '') : `[file] ${m.body.name ?? ''}`;

/** Waits until `check` returns a truthy value (polling), or throws with `what` after `ms`. */
export async function until<T>(
  what: string,
  check: () => T | Promise<T>,
  ms = 15_000,
  every = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
