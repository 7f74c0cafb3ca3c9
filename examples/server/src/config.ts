import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_LIMITS, siteIdSchema, type Limits } from '@parlor/core/protocol';
import { z } from 'zod';
import type { LogLevel } from './log.js';

const timeRange = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'a range like "09:00-17:30"');

const originPattern = z
  .string()
  .regex(
    /^https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/,
    'an origin like "https://shop.example" or "https://*.example.com"',
  );

const jwkSchema = z.looseObject({ kty: z.string() });

const secretList = z
  .array(z.object({ kid: z.string().min(1).max(64), secret: z.string().min(32, 'at least 32 characters') }))
  .min(1);

/** A site's Shopify storefront: the app proxy that vouches for logged-in customers (see docs/shopify.md). */
export const shopifyConfigSchema = z.object({
  /** The shop's permanent domain, the `shop` parameter Shopify adds to app-proxy requests. */
  shop: z.string().regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, 'a permanent domain like "my-shop.myshopify.com"'),
  /** The app's client secret: Shopify signs app-proxy requests with it. Never sent to a browser. */
  proxySecret: z.string().min(16, "at least 16 characters (the app's client secret)"),
  /** Lifetime of the customer JWTs the proxy issues, in seconds (60 to 900). */
  tokenTtlSeconds: z.number().int().min(60).max(900).default(600),
  /**
   * Serve the storefront **test fixture** (a product page with Shopify's globals, Ajax Cart and an app proxy
   * that signs as Shopify does) at `/fixture/shopify/<site id>/`. Takes effect only when the server runs with
   * `PARLOR_TEST_FIXTURES=1` (never with `PUBLIC_URL`): its login signs in as any customer id.
   */
  storefront: z.boolean().default(false),
});

/** One site's configuration, as written in the sites file. */
export const siteConfigSchema = z.object({
  id: siteIdSchema,
  name: z.string().min(1).max(100),
  /**
   * The site's secrets. The first signs; every one verifies (rotate by adding a new one first). Each is a
   * master secret: the key of every purpose (user hashes, HS256 JWTs, the server's own tokens) is derived
   * from it with HKDF-SHA256 and a label of its own, so no key serves two purposes (docs/auth.md).
   */
  secrets: secretList,
  /**
   * Secrets for user hashes alone, used as HMAC keys as they are (instead of the key derived from
   * `secrets`): lets a site keep the user hashes its backend already computes (docs/migration.md).
   */
  userHashSecrets: secretList.optional(),
  /** Secrets for HS256 JWTs alone, used as they are (instead of the key derived from `secrets`). */
  jwtSecrets: secretList.optional(),
  allowedOrigins: z.array(originPattern).min(1),
  auth: z
    .object({
      allow: z
        .array(z.enum(['anonymous', 'identified', 'jwt']))
        .min(1)
        .default(['anonymous', 'identified', 'jwt']),
      jwks: z.object({ url: z.url().optional(), keys: z.array(jwkSchema).optional() }).optional(),
    })
    .default({ allow: ['anonymous', 'identified', 'jwt'] }),
  greeting: z.string().max(1000).optional(),
  awayMessage: z.string().max(1000).optional(),
  /** How long the team typically takes to reply, in minutes: the widget's header says so while nobody is online. */
  replyMinutes: z.number().int().positive().max(43_200).optional(),
  businessHours: z
    .object({
      timezone: z.string().refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'an IANA time zone such as "Europe/Paris"'),
      weekly: z.partialRecord(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']), z.array(timeRange)),
    })
    .optional(),
  /** Count widget events (load/open/close/message_sent) for visitors who consented. Off by default. */
  analytics: z.boolean().default(false),
  /** The site is a Shopify store: app-proxy identity for its customers. */
  shopify: shopifyConfigSchema.optional(),
  /** This site's upload quotas, overriding the server's (`UPLOAD_VISITOR_QUOTA_BYTES`, `UPLOAD_SITE_QUOTA_BYTES`). */
  uploadQuota: z
    .object({
      /** Bytes one visitor may upload per quota window. */
      visitorBytes: z.number().int().nonnegative().optional(),
      /** Bytes all of the site's visitors together may upload per quota window. */
      siteBytes: z.number().int().nonnegative().optional(),
    })
    .optional(),
});

/** A site's configuration after validation. */
export type SiteConfig = z.output<typeof siteConfigSchema>;

/**
 * The secret the server's own tokens are minted from: the first one (the schema requires at least one).
 * `mintToken` derives the server-token key from it; it is never used as a key as it is.
 */
export function signingSecret(site: Pick<SiteConfig, 'id' | 'secrets'>): string {
  const first = site.secrets[0];
  if (!first) throw new ConfigError(`site "${site.id}" has no secret`);
  return first.secret;
}

const agentSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  name: z.string().min(1).max(100),
  token: z.string().min(32, 'at least 32 characters'),
  /** Site ids this agent serves; `["*"]` for all. */
  sites: z.array(z.string()).min(1),
});

/** An agent's configuration. */
export type AgentConfig = z.output<typeof agentSchema>;

/** The sites file: sites and agents. */
export const sitesFileSchema = z
  .object({ sites: z.array(siteConfigSchema).min(1), agents: z.array(agentSchema).default([]) })
  .superRefine((file, ctx) => {
    const ids = new Set<string>();
    const shops = new Set<string>();
    file.sites.forEach((site, i) => {
      // One key, one purpose: a secret used as it is for user hashes must never also verify JWTs, or a
      // user hash the site computes for a chosen "user id" would be a JWT signature.
      const hashSecrets = new Set(site.userHashSecrets?.map((s) => s.secret));
      site.jwtSecrets?.forEach((s, j) => {
        if (hashSecrets.has(s.secret))
          ctx.addIssue({
            code: 'custom',
            path: ['sites', i, 'jwtSecrets', j, 'secret'],
            message: 'the same secret is in userHashSecrets: each purpose needs its own secret',
          });
      });
      if (ids.has(site.id))
        ctx.addIssue({ code: 'custom', path: ['sites', i, 'id'], message: `duplicate site id "${site.id}"` });
      ids.add(site.id);
      const shop = site.shopify?.shop;
      if (shop && shops.has(shop))
        ctx.addIssue({ code: 'custom', path: ['sites', i, 'shopify', 'shop'], message: `duplicate shop "${shop}"` });
      if (shop) shops.add(shop);
    });
    file.agents.forEach((agent, i) =>
      agent.sites.forEach((id, j) => {
        if (id !== '*' && !ids.has(id))
          ctx.addIssue({ code: 'custom', path: ['agents', i, 'sites', j], message: `unknown site "${id}"` });
      }),
    );
  });

/**
 * Upload quotas and clean-up. Quotas count the bytes of uploads created in the last `windowMs` that are
 * still stored; an upload no message refers to is deleted (row and file) once older than `orphanTtlMs`.
 */
export interface UploadPolicy {
  /** Bytes one visitor may upload per window (default 100 MiB). */
  visitorBytes: number;
  /** Bytes one site's visitors together may upload per window (default 5 GiB). */
  siteBytes: number;
  /** The rolling quota window in milliseconds (default 24 h). */
  windowMs: number;
  /**
   * Age after which an upload never attached to a message is deleted, in milliseconds (default 24 h); never
   * less than the socket policy's `requestTimeoutMs`, so an upload still arriving is not swept.
   */
  orphanTtlMs: number;
}

/** The reference defaults of {@link UploadPolicy}. */
export const DEFAULT_UPLOAD_POLICY: Readonly<UploadPolicy> = Object.freeze({
  visitorBytes: 100 * 1024 * 1024,
  siteBytes: 5 * 1024 * 1024 * 1024,
  windowMs: 24 * 60 * 60 * 1000,
  orphanTtlMs: 24 * 60 * 60 * 1000,
});

/** What one client address may hold open at the socket level, and how long a request may take. */
export interface SocketPolicy {
  /**
   * TCP connections (HTTP, keep-alive and WebSocket) one IP may hold at once; more are closed as soon as
   * they are accepted (default 64). Not applied behind a trusted proxy, where every peer is the proxy.
   */
  maxSocketsPerIp: number;
  /** Milliseconds a client has to send a request's headers, an upgrade's included (default 10 s). */
  headersTimeoutMs: number;
  /** Milliseconds a client has to send a whole request, body included (default 120 s). */
  requestTimeoutMs: number;
  /**
   * WebSocket bytes one IP may send a second, per server process, with a burst of four seconds' worth (default
   * 256 KiB). Past it the IP's sockets are read only as fast as the budget refills: slowed, nothing refused.
   */
  inboundBytesPerSecond?: number;
}

/** The reference defaults of {@link SocketPolicy}. */
export const DEFAULT_SOCKET_POLICY: Readonly<SocketPolicy> = Object.freeze({
  maxSocketsPerIp: 64,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  inboundBytesPerSecond: 256 * 1024,
});

/**
 * Who may read `GET /metrics`. With neither set it is served on the main port to loopback peers only
 * (never behind a trusted proxy, whose requests all come from one local peer).
 */
export interface MetricsAccess {
  /** `METRICS_TOKEN`: `/metrics` on the main port answers a request with `Authorization: Bearer <token>`. */
  token: string | null;
  /** `METRICS_PORT`: a second listener, serving only `/metrics`, with no token. */
  port: number | null;
  /** `METRICS_HOST`: the address that listener binds (default 127.0.0.1). */
  host: string;
}

/** Everything the server runs with. */
export interface ServerConfig {
  port: number;
  host: string;
  /** Directory for the database and uploads. */
  dataDir: string;
  /** Public base URL, used for the agent console's own origin and upload URLs. Default `http://localhost:PORT`. */
  publicUrl: string | null;
  sites: SiteConfig[];
  agents: AgentConfig[];
  limits: Limits;
  /** Connections one IP may hold at once. */
  maxConnectionsPerIp: number;
  /** Milliseconds a new connection has to send `hello`. */
  helloTimeoutMs: number;
  /** Take the client IP from the last `X-Forwarded-For` hop (behind a trusted proxy). */
  trustProxy: boolean;
  logLevel: LogLevel;
  /** `DATABASE_URL`: storage on PostgreSQL instead of the embedded SQLite file. */
  databaseUrl?: string;
  /** `REDIS_URL`: fan-out through Redis, so several processes serve one conversation. */
  redisUrl?: string;
  /** Upload quotas and the orphan sweep; {@link DEFAULT_UPLOAD_POLICY} when absent. */
  uploads?: UploadPolicy;
  /** Per-IP socket cap and request timeouts; {@link DEFAULT_SOCKET_POLICY} when absent. */
  sockets?: SocketPolicy;
  /** Who may read `/metrics`; loopback peers only when absent. */
  metrics?: MetricsAccess;
  /**
   * `PARLOR_TEST_FIXTURES=1`: serve the test fixtures (the Shopify storefront fixture, for sites with
   * `shopify.storefront`). Off by default and refused together with `PUBLIC_URL`: the fixture's login mints a
   * real JWT for any customer id, so it must never run where anyone else can reach it.
   */
  testFixtures?: boolean;
}

/** A configuration problem, naming the field. Start-up prints it and stops. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().optional(),
  PUBLIC_URL: z.url().optional(),
  PARLOR_SITES_FILE: z.string().optional(),
  TRUST_PROXY: z.enum(['0', '1', 'true', 'false']).default('0'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  MAX_CONNECTIONS_PER_IP: z.coerce.number().int().positive().default(20),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
    .optional(),
  UPLOAD_VISITOR_QUOTA_BYTES: z.coerce.number().int().nonnegative().default(DEFAULT_UPLOAD_POLICY.visitorBytes),
  UPLOAD_SITE_QUOTA_BYTES: z.coerce.number().int().nonnegative().default(DEFAULT_UPLOAD_POLICY.siteBytes),
  UPLOAD_QUOTA_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_UPLOAD_POLICY.windowMs / 1000),
  UPLOAD_ORPHAN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_UPLOAD_POLICY.orphanTtlMs / 1000),
  MAX_SOCKETS_PER_IP: z.coerce.number().int().positive().default(DEFAULT_SOCKET_POLICY.maxSocketsPerIp),
  HEADERS_TIMEOUT_MS: z.coerce.number().int().positive().default(DEFAULT_SOCKET_POLICY.headersTimeoutMs),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(DEFAULT_SOCKET_POLICY.requestTimeoutMs),
  INBOUND_BYTES_PER_IP: z.coerce
    .number()
    .int()
    .min(65_536, 'at least 65536 (one frame)')
    .default(DEFAULT_SOCKET_POLICY.inboundBytesPerSecond ?? 262_144),
  METRICS_TOKEN: z.string().min(32, 'at least 32 characters').optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().default('127.0.0.1'),
  PARLOR_TEST_FIXTURES: z.enum(['0', '1', 'true', 'false']).default('0'),
});

/**
 * Refuses a configuration that serves the test fixtures on a public server: they mint real credentials for
 * whoever asks. Called by {@link loadConfig} and again by the server at start.
 */
export function checkTestFixtures(config: Pick<ServerConfig, 'testFixtures' | 'publicUrl'>): void {
  if (config.testFixtures && config.publicUrl)
    throw new ConfigError(
      'PARLOR_TEST_FIXTURES: the test fixtures mint real tokens for anyone and are refused with PUBLIC_URL set',
    );
}

function describe(error: z.ZodError, source: string): string {
  return error.issues
    .map((issue) => `${source}: ${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('\n');
}

/**
 * The demo configuration used when no sites file is given: one site, `demo`, that accepts only the
 * server's own origins, with a secret and an agent token generated once and kept in the data directory
 * (so a restart keeps visitors' tokens valid).
 */
function demoSites(dataDir: string, port: number): z.input<typeof sitesFileSchema> {
  const file = join(dataDir, 'demo-secrets.json');
  let secrets: { secret: string; agentToken: string };
  if (existsSync(file)) secrets = JSON.parse(readFileSync(file, 'utf8')) as typeof secrets;
  else {
    secrets = { secret: randomBytes(32).toString('base64url'), agentToken: randomBytes(24).toString('base64url') };
    writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  }
  return {
    sites: [
      {
        id: 'demo',
        name: 'Parlor demo shop',
        secrets: [{ kid: 'demo-1', secret: secrets.secret }],
        allowedOrigins: [`http://localhost:${port}`, `http://127.0.0.1:${port}`],
        greeting: 'Hi! Ask us anything — we usually reply in a few minutes.',
        awayMessage: 'We are away right now. Leave a message and we will answer when we are back.',
        replyMinutes: 10,
        analytics: true,
        // The Shopify storefront fixture at /fixture/shopify/demo/ (a test fixture: served only with
        // PARLOR_TEST_FIXTURES=1), signing its app proxy with a secret derived from the site's (so existing
        // demo data directories keep working).
        shopify: {
          shop: 'parlor-demo.myshopify.com',
          proxySecret: createHash('sha256').update(`shopify-proxy:${secrets.secret}`).digest('hex'),
          storefront: true,
        },
      },
    ],
    agents: [{ id: 'demo-agent', name: 'Demo agent', token: secrets.agentToken, sites: ['*'] }],
  };
}

/**
 * Reads the configuration from the environment (and the sites file it names). Throws
 * {@link ConfigError} naming the bad field.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ServerConfig> = {}): ServerConfig {
  const parsedEnv = envSchema.safeParse(env);
  if (!parsedEnv.success) throw new ConfigError(describe(parsedEnv.error, 'environment'));
  const e = parsedEnv.data;
  const dataDir = resolve(overrides.dataDir ?? e.DATA_DIR ?? '.data');
  mkdirSync(dataDir, { recursive: true });
  const port = overrides.port ?? e.PORT;
  let raw: unknown;
  let source = 'demo configuration';
  if (e.PARLOR_SITES_FILE) {
    source = e.PARLOR_SITES_FILE;
    try {
      raw = JSON.parse(readFileSync(e.PARLOR_SITES_FILE, 'utf8'));
    } catch (error) {
      throw new ConfigError(`${source}: cannot read a JSON sites file (${(error as Error).message})`);
    }
  } else raw = demoSites(dataDir, port);
  const file = sitesFileSchema.safeParse(raw);
  if (!file.success) throw new ConfigError(describe(file.error, source));
  const config: ServerConfig = {
    port,
    host: e.HOST,
    dataDir,
    publicUrl: e.PUBLIC_URL ?? null,
    sites: file.data.sites,
    agents: file.data.agents,
    limits: { ...DEFAULT_LIMITS, attachmentTypes: [...DEFAULT_LIMITS.attachmentTypes] },
    maxConnectionsPerIp: e.MAX_CONNECTIONS_PER_IP,
    helloTimeoutMs: 10_000,
    trustProxy: e.TRUST_PROXY === '1' || e.TRUST_PROXY === 'true',
    logLevel: e.LOG_LEVEL,
    ...(e.DATABASE_URL ? { databaseUrl: e.DATABASE_URL } : {}),
    ...(e.REDIS_URL ? { redisUrl: e.REDIS_URL } : {}),
    uploads: {
      visitorBytes: e.UPLOAD_VISITOR_QUOTA_BYTES,
      siteBytes: e.UPLOAD_SITE_QUOTA_BYTES,
      windowMs: e.UPLOAD_QUOTA_WINDOW_SECONDS * 1000,
      orphanTtlMs: e.UPLOAD_ORPHAN_TTL_SECONDS * 1000,
    },
    sockets: {
      // A visitor's own WebSockets must always fit under the socket cap.
      maxSocketsPerIp: Math.max(e.MAX_SOCKETS_PER_IP, e.MAX_CONNECTIONS_PER_IP + 8),
      headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      inboundBytesPerSecond: e.INBOUND_BYTES_PER_IP,
    },
    metrics: { token: e.METRICS_TOKEN ?? null, port: e.METRICS_PORT ?? null, host: e.METRICS_HOST },
    ...(e.PARLOR_TEST_FIXTURES === '1' || e.PARLOR_TEST_FIXTURES === 'true' ? { testFixtures: true } : {}),
    ...overrides,
  };
  checkTestFixtures(config);
  return config;
}

/** Validates a sites file object (for tests and tools). Throws {@link ConfigError}. */
export function parseSitesFile(raw: unknown, source = 'sites file'): z.output<typeof sitesFileSchema> {
  const file = sitesFileSchema.safeParse(raw);
  if (!file.success) throw new ConfigError(describe(file.error, source));
  return file.data;
}
