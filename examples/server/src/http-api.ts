import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { agentByToken, agentSites } from './agent-connection.js';
import { verifyToken } from './auth/index.js';
import { DEFAULT_UPLOAD_POLICY, type AgentConfig, type SiteConfig } from './config.js';
import type { Hub } from './hub.js';
import { newId } from './ids.js';
import { originAllowed } from './origin.js';
import { plainLabel } from './plain-text.js';
import type { KeyedLimiter } from './rate-limits.js';

/** Types shown inline (as images); everything else is served as a download. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const EVENT_NAMES = ['load', 'open', 'close', 'message_sent'] as const;
const MAX_EVENTS_BODY = 8 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * How far from the server's clock an analytics event may be: a widget sends its batch within minutes,
 * so a week back (a laptop asleep with a batch queued) and a day ahead (a wrong clock) is generous.
 */
export const EVENT_PAST_MS = 7 * DAY_MS;
export const EVENT_FUTURE_MS = DAY_MS;

const eventsSchema = z.object({
  site: z.string().max(64),
  events: z
    .array(
      z.object({
        name: z.enum(EVENT_NAMES),
        at: z.number().int().nonnegative().max(8.64e15) /* the range a Date can hold */,
      }),
    )
    .min(1)
    .max(50),
});

/** Context the HTTP handlers need besides the hub. */
export interface HttpContext {
  hub: Hub;
  ip: string;
  /** Per-IP request bucket for the public endpoints (uploads, events); shared across processes with Redis. */
  ipRequests: KeyedLimiter;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function fail(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  json(res, status, { error: { code, message } }, headers);
}

function bearer(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
}

/** CORS headers for a site's allowed origin; empty when the origin is not allowed. */
function cors(req: IncomingMessage, site: SiteConfig | undefined): Record<string, string> {
  const origin = req.headers.origin;
  if (!origin || !site || !originAllowed(origin, site.allowedOrigins)) return {};
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

async function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Preflight for the cross-origin endpoints. Any site's origin may ask; the real request is checked
 * against its own site's allowlist.
 */
export function preflight(req: IncomingMessage, res: ServerResponse, hub: Hub): void {
  const origin = req.headers.origin;
  if (!origin || !hub.origins.allowed(origin, null, 'preflight')) {
    res.writeHead(403).end();
    return;
  }
  res.writeHead(204, {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'POST, GET',
    'access-control-allow-headers': 'authorization, content-type, x-parlor-filename',
    'access-control-max-age': '600',
    vary: 'Origin',
  });
  res.end();
}

/**
 * 429 with `Retry-After` in whole seconds (at least 1), so a client knows when to come back, and the same wait as
 * `error.retryAfterMs`: a page on another origin cannot read `Retry-After` (CORS does not expose it).
 */
function tooMany(res: ServerResponse, waitMs: number): void {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  json(
    res,
    429,
    { error: { code: 'rate_limited', message: 'too many requests', retryAfterMs: seconds * 1000 } },
    { 'retry-after': String(seconds) },
  );
}

/** The upload quotas that apply to `site`'s visitors now. */
function uploadQuota(hub: Hub, site: SiteConfig) {
  const policy = hub.config.uploads ?? DEFAULT_UPLOAD_POLICY;
  return {
    windowMs: policy.windowMs,
    quota: {
      since: hub.now() - policy.windowMs,
      visitorBytes: site.uploadQuota?.visitorBytes ?? policy.visitorBytes,
      siteBytes: site.uploadQuota?.siteBytes ?? policy.siteBytes,
    },
  };
}

/**
 * `POST /v1/uploads`: a visitor's file, raw body, typed by Content-Type, authorised by the session token.
 * The upload's row is reserved (at its declared length, or the size limit) against the visitor's and the
 * site's quotas before a byte is read, so no quota can be passed by parallel requests.
 */
export async function upload(req: IncomingMessage, res: ServerResponse, ctx: HttpContext): Promise<void> {
  const { hub } = ctx;
  const wait = await ctx.ipRequests.take(ctx.ip);
  if (wait > 0) return tooMany(res, wait);
  const token = bearer(req);
  let site: SiteConfig | undefined;
  let visitorId: string | null = null;
  if (token) {
    for (const candidate of hub.sites.values()) {
      const result = verifyToken(candidate.secrets, token, { kind: 'session', siteId: candidate.id, now: hub.now() });
      if (result.ok) {
        site = candidate;
        visitorId = result.visitorId;
        break;
      }
    }
  }
  if (!site || !visitorId) return fail(res, 401, 'unauthorized', 'a valid session token is required');
  const headers = cors(req, site);
  if (req.headers.origin && !hub.origins.allowed(req.headers.origin, site, 'upload'))
    return fail(res, 403, 'forbidden_origin', 'this origin may not upload to this site');
  const { limits } = hub.config;
  const mime = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  if (!limits.attachmentTypes.includes(mime))
    return fail(res, 415, 'bad_frame', `type "${mime}" is not accepted`, headers);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limits.maxAttachmentBytes)
    return fail(res, 413, 'too_large', `file is over ${limits.maxAttachmentBytes} bytes`, headers);
  let name = 'file';
  try {
    name = decodeURIComponent(String(req.headers['x-parlor-filename'] ?? 'file'));
  } catch {
    // keep the default
  }
  // A one-line label (control characters become spaces; one linear pass); path separators never reach a
  // header or a file system. Markup is kept: the name is text, shown as text.
  name = plainLabel(name.replace(/[/\\]/g, '_'), 255) || 'file';

  const id = newId('u');
  const { quota, windowMs } = uploadQuota(hub, site);
  const reserved = Number.isFinite(declared) && declared >= 0 ? declared : limits.maxAttachmentBytes;
  const record = {
    id,
    siteId: site.id,
    visitorId,
    agentId: null,
    name,
    mime,
    size: reserved,
    path: id,
    createdAt: hub.now(),
  };
  const reservation = await hub.storage.reserveUpload(record, quota);
  if (!reservation.ok) {
    const waitMs = Math.max(1000, reservation.freesAt + windowMs - hub.now());
    res.writeHead(429, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'retry-after': String(Math.ceil(waitMs / 1000)),
      connection: 'close',
      ...headers,
    });
    res.end(
      JSON.stringify({
        error: {
          code: 'rate_limited',
          message: `the ${reservation.scope}'s upload quota of ${reservation.limitBytes} bytes per ${windowMs / 1000} s is used up`,
          retryAfterMs: waitMs,
          quota: { scope: reservation.scope, limitBytes: reservation.limitBytes, usedBytes: reservation.usedBytes },
        },
      }),
    );
    return;
  }
  const dir = join(hub.config.dataDir, 'uploads');
  const path = join(dir, id);
  let size = 0;
  let tooLarge = false;
  try {
    await mkdir(dir, { recursive: true });
    await pipeline(
      req,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          size += chunk.length;
          if (size > limits.maxAttachmentBytes || size > reserved) {
            tooLarge = true;
            throw new Error('too large');
          }
          yield chunk;
        }
      },
      createWriteStream(path, { flags: 'wx', mode: 0o600 }),
    );
    await hub.storage.finishUpload(id, size);
  } catch (error) {
    await hub.storage.deleteUpload(id);
    await rm(path, { force: true });
    if (tooLarge)
      return fail(res, 413, 'too_large', `file is over ${limits.maxAttachmentBytes} bytes`, {
        ...headers,
        connection: 'close',
      });
    throw error;
  }
  const remainingBytes = Math.max(0, quota.visitorBytes - reservation.visitorUsedBytes - size);
  json(
    res,
    201,
    {
      upload: id,
      name,
      mime,
      size,
      url: `/v1/uploads/${id}`,
      quota: { limitBytes: quota.visitorBytes, remainingBytes, windowSeconds: windowMs / 1000 },
    },
    headers,
  );
}

/**
 * `GET /v1/uploads/<id>`: the id (128 random bits) is the capability. Served so it can never script
 * our origin: a sandboxing CSP, nosniff, and a download for anything but raster images.
 */
export async function download(res: ServerResponse, hub: Hub, id: string): Promise<void> {
  const record = /^u_[A-Za-z0-9_-]{22}$/.test(id) ? await hub.storage.getUpload(id) : null;
  const file = record ? join(hub.config.dataDir, 'uploads', record.path) : null;
  const info = file ? await stat(file).catch(() => null) : null;
  if (!record || !file || !info) return fail(res, 404, 'not_found', 'no such upload');
  const inline = INLINE_TYPES.has(record.mime);
  res.writeHead(200, {
    'content-type': inline ? record.mime : 'application/octet-stream',
    'content-length': String(info.size),
    'content-disposition': `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(record.name)}`,
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
    'cross-origin-resource-policy': 'cross-origin',
    'cache-control': 'private, max-age=31536000, immutable',
  });
  createReadStream(file).pipe(res);
}

/** `POST /v1/events`: batched widget analytics, counted per site and day when the site has them on. */
export async function events(req: IncomingMessage, res: ServerResponse, ctx: HttpContext): Promise<void> {
  const { hub } = ctx;
  const wait = await ctx.ipRequests.take(ctx.ip);
  if (wait > 0) return tooMany(res, wait);
  const text = await readBody(req, MAX_EVENTS_BODY);
  if (text === null) return fail(res, 413, 'too_large', `body is over ${MAX_EVENTS_BODY} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail(res, 400, 'bad_frame', 'body is not JSON');
  }
  const parsed = eventsSchema.safeParse(raw);
  if (!parsed.success) return fail(res, 400, 'bad_frame', 'body is not an events batch');
  const site = hub.sites.get(parsed.data.site);
  const headers = cors(req, site);
  if (!site) return fail(res, 404, 'not_found', 'unknown site');
  if (!hub.origins.allowed(req.headers.origin, site, 'events'))
    return fail(res, 403, 'forbidden_origin', 'this origin may not report for this site');
  // The whole batch is checked before anything is counted: one bad event refuses all of it.
  const now = hub.now();
  const stray = parsed.data.events.find((e) => e.at < now - EVENT_PAST_MS || e.at > now + EVENT_FUTURE_MS);
  if (stray)
    return fail(
      res,
      400,
      'bad_frame',
      `event time ${stray.at} is not within ${EVENT_PAST_MS / DAY_MS} days before and ${EVENT_FUTURE_MS / DAY_MS} day after the server's clock`,
      headers,
    );
  if (site.analytics) {
    const counts = new Map<string, { day: string; name: string; count: number }>();
    for (const e of parsed.data.events) {
      const day = new Date(e.at).toISOString().slice(0, 10);
      const entry = counts.get(`${day} ${e.name}`) ?? { day, name: e.name, count: 0 };
      entry.count++;
      counts.set(`${day} ${e.name}`, entry);
    }
    await hub.storage.countEvents(site.id, [...counts.values()]);
  }
  res.writeHead(204, headers).end();
}

/** The agent for a bearer token, or null (answers 401 itself). */
function agentFor(req: IncomingMessage, res: ServerResponse, hub: Hub): AgentConfig | null {
  const token = bearer(req);
  const agent = token ? agentByToken(hub.config.agents, token) : null;
  if (!agent) fail(res, 401, 'unauthorized', 'a valid agent token is required');
  return agent;
}

/** A CSV cell, quoted, with spreadsheet formulas defused. */
function cell(value: string | number): string {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

/** `GET /v1/agent/conversations/<id>/transcript.(json|csv)`. */
export async function transcript(
  req: IncomingMessage,
  res: ServerResponse,
  hub: Hub,
  id: string,
  format: 'json' | 'csv',
): Promise<void> {
  const agent = agentFor(req, res, hub);
  if (!agent) return;
  const conversation = await hub.storage.getConversation(id);
  if (!conversation || !agentSites(hub, agent).includes(conversation.siteId))
    return fail(res, 403, 'forbidden', 'not a conversation of your sites');
  const [messages, visitor] = await Promise.all([
    hub.storage.allMessages(id),
    hub.storage.getVisitor(conversation.visitorId),
  ]);
  const filename = `parlor-${id}.${format}`;
  const disposition = { 'content-disposition': `attachment; filename="${filename}"` };
  if (format === 'json') {
    json(
      res,
      200,
      {
        conversation: { id, site: conversation.siteId, status: conversation.status, createdAt: conversation.createdAt },
        visitor: visitor && {
          id: visitor.id,
          mode: visitor.mode,
          userId: visitor.userId,
          name: visitor.name,
          email: visitor.email,
        },
        messages: messages.map((m) => ({
          seq: m.seq,
          at: new Date(m.createdAt).toISOString(),
          role: m.role,
          author: m.authorName,
          body: m.body,
        })),
      },
      disposition,
    );
    return;
  }
  const rows = [['seq', 'at', 'role', 'author', 'text'].map(cell).join(',')];
  for (const m of messages) {
    const text =
      m.body.kind === 'text'
        ? m.body.text
        : `[attachment] ${m.body.name}${m.body.caption ? ` — ${m.body.caption}` : ''}`;
    rows.push([m.seq, new Date(m.createdAt).toISOString(), m.role, m.authorName ?? '', text].map(cell).join(','));
  }
  res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'cache-control': 'no-store', ...disposition });
  res.end(`${rows.join('\r\n')}\r\n`);
}

/** `GET /v1/agent/stats?site=&days=`: daily widget event counts. */
export async function stats(req: IncomingMessage, res: ServerResponse, hub: Hub, url: URL): Promise<void> {
  const agent = agentFor(req, res, hub);
  if (!agent) return;
  const site = url.searchParams.get('site') ?? '';
  if (!agentSites(hub, agent).includes(site)) return fail(res, 403, 'forbidden', 'not one of your sites');
  const days = Math.min(Math.max(Number(url.searchParams.get('days')) || 14, 1), 90);
  const today = new Date(hub.now()).toISOString().slice(0, 10);
  json(res, 200, { site, days: await hub.storage.dailyCounts(site, today, days) });
}
