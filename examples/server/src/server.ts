import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLOSE_CODES } from '@parlor/core/protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import { AgentConnection } from './agent-connection.js';
import { safeEqual } from './auth/safe-equal.js';
import { DEFAULT_SOCKET_POLICY, DEFAULT_UPLOAD_POLICY, checkTestFixtures, type ServerConfig } from './config.js';
import type { ConnectionBase, Peer } from './connection-base.js';
import { createLocalFanout, type Fanout } from './fanout.js';
import { download, events, preflight, stats, transcript, upload, type HttpContext } from './http-api.js';
import type { Hub } from './hub.js';
import { newId } from './ids.js';
import { createLogger } from './log.js';
import { Metrics } from './metrics.js';
import { OriginGuard } from './origin.js';
import { createMemoryRateLimits, createRedisRateLimits, type RateLimits } from './rate-limits.js';
import { greetingResponder, type Responder } from './responder.js';
import { APP_PROXY_PATH, appProxyToken } from './shopify/app-proxy.js';
import { STOREFRONT_PREFIX, StorefrontFixture } from './shopify/storefront-fixture.js';
import { serveFile } from './static-files.js';
import type { Storage } from './storage/storage.js';
import { KeyedBuckets } from './token-bucket.js';
import { VisitorConnection } from './visitor-connection.js';

/** Options of {@link startServer}. */
export interface ServerOptions {
  config: ServerConfig;
  storage: Storage;
  /** Fan-out between connections; in-process by default. */
  fanout?: Fanout;
  /** The bot hook; the built-in greeting/away responder by default. */
  responder?: Responder;
  /** Clock, for tests. */
  now?: () => number;
  /**
   * The per-IP limits shared between processes; by default in Redis when `config.redisUrl` is set,
   * else in memory.
   */
  rateLimits?: RateLimits;
}

/** A running reference server. */
export interface RunningServer {
  /** Base URL, e.g. `http://localhost:8787`. */
  url: string;
  /** The port actually bound. */
  port: number;
  /** The port of the separate metrics listener (`METRICS_PORT`), when there is one. */
  metricsPort: number | null;
  /** The shared state (for tests and tools). */
  hub: Hub;
  /**
   * Graceful shutdown: stops accepting, lets every connection finish the frames it already received
   * (so every acked message is stored and every stored one acked), then closes each socket with 1012
   * "service restart" so clients reconnect — with jitter — to this or another process.
   */
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const PUBLIC_DIR = join(here, '..', 'public');
const CONSOLE_DIR = join(here, '..', 'dist', 'console');
const CDN_DIR = join(dirname(fileURLToPath(import.meta.resolve('@parlor/widget/package.json'))), 'dist', 'cdn');
const SHOPIFY_DIR = join(dirname(fileURLToPath(import.meta.resolve('@parlor/shopify-loader/package.json'))), 'dist');
/** The WebSocket layer's own hard cap; the protocol's (smaller) frame limit is checked per frame. */
const HARD_MAX_PAYLOAD = 1024 * 1024;

// Our pages load only our own scripts and styles: no inline script, no eval, nothing from elsewhere.
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** HTTP requests per second and burst per IP on the public endpoints (uploads, events). */
const REQUESTS_PER_SECOND = 5;
const REQUEST_BURST = 30;
/** Orphan uploads deleted per sweep (the next sweep takes the rest). */
const ORPHAN_BATCH = 500;

function isLoopback(address: string | undefined): boolean {
  return !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}

function bearerOf(req: IncomingMessage): string {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
}

function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const hops = String(req.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const last = hops.at(-1);
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/** The origin this server is reached at, per the request (or PUBLIC_URL). */
function ownOrigin(req: IncomingMessage, config: ServerConfig): string {
  if (config.publicUrl) return new URL(config.publicUrl).origin;
  const proto = config.trustProxy && req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  return `${proto}://${req.headers.host ?? 'localhost'}`;
}

/**
 * Starts the reference server: HTTP API, pages, and the WebSocket endpoints `/v1/connect` (visitors)
 * and `/v1/agent` (agent console).
 *
 * @example
 * ```ts
 * const config = loadConfig();
 * const storage = createSqliteStorage({ file: join(config.dataDir, 'parlor.db') });
 * await storage.migrate();
 * const server = await startServer({ config, storage });
 * ```
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { config, storage } = options;
  const log = createLogger(config.logLevel, { service: 'parlor' });
  const now = options.now ?? Date.now;
  const metrics = new Metrics();
  const rateSettings = {
    messagesPerSecond: config.limits.messagesPerSecond * 5,
    messageBurst: config.limits.messageBurst * 3,
    requestsPerSecond: REQUESTS_PER_SECOND,
    requestBurst: REQUEST_BURST,
    // Replays (§6.2): a visitor's backlog, refilled at the sustained message rate; per IP, two visitors' worth.
    replaysPerSecond: config.limits.messagesPerSecond,
    replayBudget: config.limits.replayBudget ?? 0,
  };
  const rateLimits =
    options.rateLimits ??
    (config.redisUrl
      ? createRedisRateLimits({ url: config.redisUrl, log }, rateSettings, now)
      : createMemoryRateLimits(rateSettings, now));
  // A visitor's own WebSockets always fit under the socket cap.
  const sockets = config.sockets ?? {
    ...DEFAULT_SOCKET_POLICY,
    maxSocketsPerIp: Math.max(DEFAULT_SOCKET_POLICY.maxSocketsPerIp, config.maxConnectionsPerIp + 8),
  };
  const uploadPolicy = config.uploads ?? DEFAULT_UPLOAD_POLICY;
  const inboundBytes = sockets.inboundBytesPerSecond ?? DEFAULT_SOCKET_POLICY.inboundBytesPerSecond ?? 262_144;
  const hub: Hub = {
    config,
    sites: new Map(config.sites.map((s) => [s.id, s])),
    storage,
    fanout: options.fanout ?? createLocalFanout(),
    metrics,
    log,
    responder: options.responder ?? greetingResponder,
    live: new Map(),
    presence: new Map(),
    peerPresence: new Map(),
    ipMessages: rateLimits.ipMessages,
    ipBytes: new KeyedBuckets(inboundBytes, inboundBytes * 4, now),
    origins: new OriginGuard({
      sites: () => config.sites,
      report: (site, origin) => metrics.originRefused(site, origin),
      log,
      now,
    }),
    replayBudgets: rateLimits.visitorReplays,
    ipReplays: rateLimits.ipReplays,
    now,
  };
  const connections = new Set<ConnectionBase>();
  const ipRequests = rateLimits.ipRequests;
  // A test fixture that signs in as any customer: never served unless asked for, never with a public URL.
  checkTestFixtures(config);
  const storefront = config.testFixtures ? new StorefrontFixture(hub.sites, hub.now) : null;
  if (storefront) log.warn('test fixtures on: the Shopify storefront fixture mints real tokens for any customer id');
  let closing = false;

  async function route(req: IncomingMessage, res: ServerResponse, reqLog: ReturnType<typeof log.child>): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const ctx: HttpContext = { hub, ip: clientIp(req, config.trustProxy), ipRequests };
    if (method === 'OPTIONS' && (path === '/v1/uploads' || path === '/v1/events')) return preflight(req, res, hub);
    if (method === 'POST' && path === '/v1/uploads') return upload(req, res, ctx);
    if (method === 'POST' && path === '/v1/events') return events(req, res, ctx);
    if (storefront && path.startsWith(STOREFRONT_PREFIX))
      return storefront.handle(req, res, url, ownOrigin(req, config));
    if (method === 'GET' && path === `${APP_PROXY_PATH}/token`) {
      // Reached through Shopify's app proxy (same origin for the storefront): no CORS, never cached.
      const { status, body } = await appProxyToken(hub.sites.values(), url.search, hub.now());
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/health') {
      res.writeHead(closing ? 503 : 200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ status: closing ? 'stopping' : 'ok' }));
      return;
    }
    if (path === '/metrics') {
      const access = metricsAccess(req);
      if (access === 'ok') return serveMetrics(res);
      if (access === 'unauthorized') {
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
        res.end(JSON.stringify({ error: { code: 'unauthorized', message: 'a valid metrics token is required' } }));
        return;
      }
      // Not served here: answered like any unknown path.
    }
    const uploadMatch = /^\/v1\/uploads\/([^/]+)$/.exec(path);
    if (uploadMatch?.[1]) return download(res, hub, uploadMatch[1]);
    const transcriptMatch = /^\/v1\/agent\/conversations\/([^/]+)\/transcript\.(json|csv)$/.exec(path);
    if (transcriptMatch?.[1])
      return transcript(req, res, hub, transcriptMatch[1], transcriptMatch[2] === 'csv' ? 'csv' : 'json');
    if (path === '/v1/agent/stats') return stats(req, res, hub, url);

    const pageHeaders = () => {
      res.setHeader('content-security-policy', PAGE_CSP);
      res.setHeader('referrer-policy', 'strict-origin-when-cross-origin');
      res.setHeader('x-frame-options', 'DENY');
    };
    if (path === '/') {
      pageHeaders();
      if (await serveFile(res, PUBLIC_DIR, 'index.html', 'no-cache')) return;
    } else if (path === '/agent') {
      pageHeaders();
      if (await serveFile(res, CONSOLE_DIR, 'index.html', 'no-cache')) return;
      res
        .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
        .end('The agent console is not built: run `pnpm build`.');
      return;
    } else if (path.startsWith('/console/')) {
      if (await serveFile(res, CONSOLE_DIR, path.slice('/console/'.length), 'public, max-age=31536000, immutable'))
        return;
    } else if (path.startsWith('/cdn/')) {
      // parlor.js keeps its name across releases; the chunks it loads are content-hashed.
      const name = path.slice('/cdn/'.length);
      const cache = name === 'parlor.js' ? 'public, max-age=300' : 'public, max-age=31536000, immutable';
      if (await serveFile(res, CDN_DIR, name, cache, { 'access-control-allow-origin': '*' })) return;
    } else if (path === '/shopify/parlor-shopify.js') {
      // The storefront loader, for the fixture and for merchants who paste the snippet instead of the app embed.
      if (
        await serveFile(res, SHOPIFY_DIR, 'parlor-shopify.js', 'public, max-age=300', {
          'access-control-allow-origin': '*',
        })
      )
        return;
    } else if (path === '/builder') {
      res.writeHead(308, { location: '/builder/' }).end();
      return;
    } else if (path.startsWith('/builder/')) {
      // The "deploy on my site" snippet builder: static files that load the widget from ../cdn/.
      const name = path.slice('/builder/'.length) || 'index.html';
      if (name === 'index.html') pageHeaders();
      if (await serveFile(res, join(PUBLIC_DIR, 'builder'), name, 'no-cache')) return;
    } else if (path.startsWith('/static/')) {
      if (await serveFile(res, PUBLIC_DIR, path.slice('/static/'.length), 'no-cache')) return;
    }
    reqLog.debug('not found', { path: path.slice(0, 200) });
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
  }

  function serveMetrics(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
    res.end(hub.metrics.render());
  }

  /**
   * Who may read `/metrics` on the main port: the holder of `METRICS_TOKEN` when one is set; nobody when
   * metrics have their own port; otherwise loopback peers only (and nobody behind a trusted proxy, whose
   * requests all arrive from a local peer).
   */
  function metricsAccess(req: IncomingMessage): 'ok' | 'unauthorized' | 'hidden' {
    const access = config.metrics;
    if (access?.token) return safeEqual(bearerOf(req), access.token) ? 'ok' : 'unauthorized';
    if (access?.port != null || config.trustProxy) return 'hidden';
    return isLoopback(req.socket.remoteAddress) ? 'ok' : 'hidden';
  }

  const server = createServer(
    {
      headersTimeout: sockets.headersTimeoutMs,
      requestTimeout: sockets.requestTimeoutMs,
      // How often the timeouts above are checked (Node's default, 30 s, would let a slow socket linger).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, sockets.headersTimeoutMs / 2)),
    },
    (req, res) => {
      req.socket.setTimeout(0);
      const reqLog = log.child({ req: newId('x') });
      route(req, res, reqLog).catch((error: unknown) => {
        reqLog.error('request failed', { error: error instanceof Error ? error.message : String(error) });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'internal', message: 'internal error' } }));
      });
    },
  );

  // Sockets per IP, counted from accept: slow or idle sockets (half-sent headers, unfinished upgrades)
  // from one address cannot use up the process's file descriptors and starve everyone else. Behind a
  // trusted proxy every peer is the proxy, so the proxy is left to do this.
  const socketsPerIp = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    if (config.trustProxy) return;
    const ip = socket.remoteAddress ?? 'unknown';
    const count = (socketsPerIp.get(ip) ?? 0) + 1;
    if (count > sockets.maxSocketsPerIp) {
      socket.destroy();
      return;
    }
    socketsPerIp.set(ip, count);
    // A socket that never sends a byte is not a request yet, so the headers timeout does not reach it:
    // it gets the same time to begin one (cleared once a request arrives; WebSocket upgrades clear it too).
    socket.setTimeout(sockets.headersTimeoutMs);
    socket.once('close', () => {
      const left = (socketsPerIp.get(ip) ?? 1) - 1;
      if (left > 0) socketsPerIp.set(ip, left);
      else socketsPerIp.delete(ip);
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: HARD_MAX_PAYLOAD, perMessageDeflate: false });

  function refuse(socket: Socket, status: number, text: string): void {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const origin = req.headers.origin;
    if (closing) return refuse(socket, 503, 'Service Unavailable');
    let kind: 'visitor' | 'agent';
    if (path === '/v1/connect') {
      // The site is only known from hello: here the Origin must be allowed by some site; after hello,
      // by that site.
      if (!hub.origins.allowed(origin, null, 'upgrade')) return refuse(socket, 403, 'Forbidden');
      kind = 'visitor';
    } else if (path === '/v1/agent') {
      // The console is served by this server: only its own origin may open an agent socket.
      if (origin !== ownOrigin(req, config)) return refuse(socket, 403, 'Forbidden');
      kind = 'agent';
    } else return refuse(socket, 404, 'Not Found');

    const ip = clientIp(req, config.trustProxy);
    const slot = randomUUID();
    void rateLimits.connections.acquire(ip, slot, config.maxConnectionsPerIp).then((acquired) => {
      if (socket.destroyed || closing) {
        if (acquired) rateLimits.connections.release(ip, slot);
        socket.destroy();
        return;
      }
      // Given back when the socket closes, whether it became a WebSocket or the upgrade was refused.
      if (acquired) socket.once('close', () => rateLimits.connections.release(ip, slot));
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        if (!acquired) {
          ws.close(CLOSE_CODES.rateLimited, 'rate_limited');
          return;
        }
        const peer: Peer = { ip, origin, base: ownOrigin(req, config) };
        const connection =
          kind === 'visitor' ? new VisitorConnection(ws, hub, peer) : new AgentConnection(ws, hub, peer);
        connections.add(connection);
        ws.once('close', () => connections.delete(connection));
      });
    });
  });

  // Uploads no message refers to are deleted once older than the orphan TTL, row and file.
  let sweeping = false;
  async function sweepOrphans(): Promise<void> {
    if (sweeping || closing) return;
    sweeping = true;
    try {
      // Never younger than the longest a request may take: an upload still being received is not an orphan.
      const age = Math.max(uploadPolicy.orphanTtlMs, sockets.requestTimeoutMs);
      const gone = await storage.deleteOrphanUploads(hub.now() - age, ORPHAN_BATCH);
      await Promise.all(gone.map((u) => rm(join(config.dataDir, 'uploads', u.path), { force: true })));
      if (gone.length) log.info('orphan uploads deleted', { count: gone.length });
    } catch (error) {
      log.warn('orphan upload sweep failed', { error: error instanceof Error ? error.message : String(error) });
    } finally {
      sweeping = false;
    }
  }
  const orphanSweep = setInterval(
    () => void sweepOrphans(),
    Math.max(250, Math.min(5 * 60_000, uploadPolicy.orphanTtlMs / 4)),
  );
  orphanSweep.unref();

  // Forget rate buckets that refilled. (Each connection closes itself when silent too long: see ConnectionBase.)
  const sweep = setInterval(
    () => {
      ipRequests.sweep();
      hub.ipMessages.sweep();
      hub.ipBytes.sweep();
      hub.ipReplays.sweep();
      hub.replayBudgets.sweep();
    },
    Math.min(5000, config.limits.pingIntervalMs),
  );
  sweep.unref();

  // Connect the fan-out (Redis) before taking connections, so the first message already crosses processes.
  await hub.fanout.start?.(hub);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  log.info('listening', { port });

  // METRICS_PORT: a listener that serves only /metrics, for a scraper on a private network.
  let metricsServer: Server | null = null;
  let metricsPort: number | null = null;
  const metricsAt = config.metrics;
  if (metricsAt?.port != null) {
    const { port: wanted, host } = metricsAt;
    const listener = createServer((req, res) => {
      if (new URL(req.url ?? '/', 'http://localhost').pathname === '/metrics' && req.method === 'GET')
        return serveMetrics(res);
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    });
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(wanted, host, () => resolve());
    });
    metricsServer = listener;
    metricsPort = (listener.address() as AddressInfo).port;
    log.info('metrics listening', { port: metricsPort });
  }

  return {
    url: `http://localhost:${port}`,
    port,
    metricsPort,
    hub,
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(sweep);
      clearInterval(orphanSweep);
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // Finish what was received (bounded), acking it, then tell clients to come back.
      await Promise.race([
        Promise.allSettled([...connections].map((c) => c.shutdown(1012, 'service_restart'))),
        new Promise((resolve) => setTimeout(resolve, 5000)),
      ]);
      for (const c of connections) c.close(CLOSE_CODES.serviceRestart, 'service_restart');
      await Promise.race([
        new Promise<void>((resolve) => {
          const check = () => (connections.size === 0 ? resolve() : setTimeout(check, 20));
          check();
        }),
        new Promise((resolve) => setTimeout(resolve, 2000)),
      ]);
      for (const ws of wss.clients) ws.terminate();
      server.closeAllConnections();
      await stopped;
      await hub.fanout.close();
      await rateLimits.close();
      while (sweeping) await new Promise((resolve) => setTimeout(resolve, 10));
      await storage.close();
      log.info('stopped');
    },
  };
}
