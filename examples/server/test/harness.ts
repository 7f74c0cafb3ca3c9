/**
 * Test harness: a real server on a free port with a temp data directory, a test site, agents, and a
 * WebSocket client that reads frames in order. Nothing here mocks the server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIMITS, type Limits } from '@parlor/core/protocol';
import WebSocket from 'ws';
import { deriveKey } from '../src/auth/keys.js';
import { parseSitesFile, type ServerConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { createSqliteStorage } from '../src/storage/sqlite-storage.js';

export const ORIGIN = 'http://shop.test';
export const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
export const OTHER_SECRET = 'other-secret-0123456789-abcdefghijklmno';
export const AGENT_TOKEN = 'agent-token-0123456789-abcdefghijklmnopq';
export const OTHER_AGENT_TOKEN = 'agent-token-other-0123456789-abcdefghijk';

/**
 * The HS256 key a site's backend signs its JWTs with: derived from the site secret (HKDF-SHA256, label
 * "parlor jwt-hs256 v1"), never the secret itself (docs/auth.md).
 */
export const jwtKey = (secret: string): Uint8Array => deriveKey(secret, 'jwt-hs256');

let lastMs = 0;
let sequence = 0;

/**
 * A valid UUIDv7 for client ids, strictly increasing like the widget's: within one millisecond a counter in the
 * 12 `rand_a` bits goes up (borrowing the next millisecond past 4,096), so messages sent in one go keep the order
 * the server relies on; a random tail would shuffle them.
 */
export function uuidv7(): string {
  const now = Date.now();
  if (now > lastMs) [lastMs, sequence] = [now, 0];
  else if (++sequence > 0xfff) [lastMs, sequence] = [lastMs + 1, 0];
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const ms = BigInt(lastMs);
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface TestServer extends RunningServer {
  dataDir: string;
  wsUrl: string;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  limits?: Partial<Limits>;
  sites?: unknown[];
  dataDir?: string;
  /** Serve the test fixtures (the Shopify storefront fixture); off by default, as on a real server. */
  testFixtures?: boolean;
  /** `PUBLIC_URL`, for tests of what a public server refuses. */
  publicUrl?: string;
  maxConnectionsPerIp?: number;
  helloTimeoutMs?: number;
  /** Any other configuration (quotas, socket policy, metrics access…), over the test defaults. */
  config?: Partial<ServerConfig>;
  /** Listen on this port (default: a free one), e.g. to come back where clients expect the server. */
  port?: number;
  /** The server's clock (default `Date.now`). */
  now?: () => number;
}

/** The default test sites: `shop` (all auth modes, analytics on) and `members` (jwt/identified only). */
export function testSites(): unknown[] {
  return [
    {
      id: 'shop',
      name: 'Test shop',
      secrets: [{ kid: 'k1', secret: SECRET }],
      allowedOrigins: [ORIGIN, 'https://*.shop.test'],
      greeting: 'Hello from the bot',
      analytics: true,
    },
    {
      id: 'members',
      name: 'Members only',
      secrets: [{ kid: 'm1', secret: OTHER_SECRET }],
      allowedOrigins: [ORIGIN],
      auth: { allow: ['identified', 'jwt'] },
    },
  ];
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'parlor-test-'));
  const file = parseSitesFile({
    sites: options.sites ?? testSites(),
    agents: [
      { id: 'ada', name: 'Ada', token: AGENT_TOKEN, sites: ['*'] },
      { id: 'bo', name: 'Bo', token: OTHER_AGENT_TOKEN, sites: ['members'] },
    ],
  });
  const config: ServerConfig = {
    port: options.port ?? 0,
    host: '127.0.0.1',
    dataDir,
    publicUrl: options.publicUrl ?? null,
    sites: file.sites,
    agents: file.agents,
    limits: { ...DEFAULT_LIMITS, attachmentTypes: [...DEFAULT_LIMITS.attachmentTypes], ...options.limits },
    maxConnectionsPerIp: options.maxConnectionsPerIp ?? 1000,
    helloTimeoutMs: options.helloTimeoutMs ?? 10_000,
    trustProxy: false,
    logLevel: 'silent',
    ...options.config,
    ...(options.testFixtures ? { testFixtures: true } : {}),
  };
  const storage = createSqliteStorage({ file: join(dataDir, 'parlor.db') });
  await storage.migrate();
  const server = await startServer({ config, storage, ...(options.now ? { now: options.now } : {}) });
  return {
    ...server,
    dataDir,
    wsUrl: `ws://127.0.0.1:${server.port}`,
    async stop() {
      await server.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

type Frame = { type: string; [key: string]: unknown };

/** A test WebSocket client: frames are queued in arrival order and read with `next()`. */
export class Client {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: (() => void)[] = [];

  /** `localAddress` connects from another loopback address (e.g. `127.0.0.2`: another client IP). */
  constructor(url: string, origin: string | null = ORIGIN, options: { localAddress?: string } = {}) {
    this.ws = new WebSocket(url, { ...(origin ? { origin } : {}), ...options });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) =>
      this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.ws.on('close', () => {
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame (of `type`, skipping others when given), waiting up to `ms`. */
  async next<T = Frame>(type?: string | readonly string[], ms = 3000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.frames.findIndex(
        (f) => !type || (typeof type === 'string' ? f.type === type : type.includes(f.type)),
      );
      if (i >= 0) return this.frames.splice(i, 1)[0] as T;
      if (this.ws.readyState === WebSocket.CLOSED)
        throw new Error(`socket closed while waiting for ${String(type ?? 'a frame')}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no ${String(type ?? 'frame')} within ${ms} ms; got ${JSON.stringify(this.frames.map((f) => f.type))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Frames of `type` received so far (without consuming them). */
  seen(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  close(): void {
    this.ws.close();
  }
}

/** Opens a visitor socket and completes hello; returns the client and its welcome. */
export async function visitor(server: TestServer, hello: Record<string, unknown> = {}, origin: string | null = ORIGIN) {
  const client = new Client(`${server.wsUrl}/v1/connect`, origin);
  await client.opened;
  client.send({ type: 'hello', v: 1, site: 'shop', auth: { mode: 'anonymous' }, ...hello });
  const welcome = await client.next('welcome');
  return {
    client,
    welcome: welcome as Frame & {
      visitor: { id: string; token?: string };
      session: { token: string };
      conversation: { id: string; epoch: number; lastSeq: number } | null;
    },
  };
}

/** Opens an agent socket (same origin as the server) and completes hello. */
export async function agent(server: TestServer, token = AGENT_TOKEN) {
  const client = new Client(`${server.wsUrl}/v1/agent`, `http://127.0.0.1:${server.port}`);
  await client.opened;
  client.send({ type: 'hello', v: 1, auth: { mode: 'agent', token } });
  const welcome = await client.next('welcome');
  return { client, welcome };
}

/** Sends a text message and waits for its ack. */
export async function say(client: Client, text: string, extra: Record<string, unknown> = {}) {
  const id = uuidv7();
  client.send({ type: 'send', id, body: { kind: 'text', text }, ...extra });
  const ack = await client.next<{ id: string; seq: number; conversation: string; duplicate?: boolean }>('ack');
  return { id, ack };
}
