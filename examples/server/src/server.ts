import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveFile } from './static-files.js';

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to listen on. */
  host?: string;
}

/** A running reference server. */
export interface RunningServer {
  /** Base URL, e.g. `http://localhost:8787`. */
  url: string;
  /** The port actually bound. */
  port: number;
  /** Stops accepting connections and resolves once every open one is closed. */
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const PUBLIC_DIR = join(here, '..', 'public');
const CDN_DIR = join(dirname(fileURLToPath(import.meta.resolve('@parlor/widget/package.json'))), 'dist', 'cdn');

// Pages load only our own scripts and styles: no inline script, no eval, nothing from elsewhere.
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const PAGES: Record<string, string> = { '/': 'index.html', '/agent': 'agent.html' };

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  if (url.pathname === '/health') {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ status: 'ok' }));
    return;
  }
  const page = PAGES[url.pathname];
  if (page) {
    res.setHeader('content-security-policy', PAGE_CSP);
    res.setHeader('referrer-policy', 'strict-origin-when-cross-origin');
    if (await serveFile(res, PUBLIC_DIR, page, 'no-cache')) return;
  } else if (url.pathname.startsWith('/cdn/')) {
    // parlor.js keeps its name across releases; the chunks it loads are content-hashed.
    const name = url.pathname.slice('/cdn/'.length);
    const cache = name === 'parlor.js' ? 'public, max-age=300' : 'public, max-age=31536000, immutable';
    if (await serveFile(res, CDN_DIR, name, cache)) return;
  } else if (url.pathname.startsWith('/static/')) {
    if (await serveFile(res, PUBLIC_DIR, url.pathname.slice('/static/'.length), 'no-cache')) return;
  }
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
}

/**
 * Starts the reference server.
 *
 * @example
 * ```ts
 * const server = await startServer({ port: 8787 });
 * console.log(server.url);
 * await server.close();
 * ```
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
