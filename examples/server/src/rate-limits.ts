/**
 * The per-IP limits every process of one deployment must share: messages per IP, HTTP requests per IP and
 * WebSocket connections per IP. In one process they live in memory; with `REDIS_URL` they live in Redis,
 * so N processes behind a load balancer allow what one would, not N times as much.
 *
 * The rates are token buckets with the same arithmetic in both places (rate, burst, and the milliseconds
 * until the next token, which the protocol hands to clients as `retryAfterMs` / `Retry-After`): in Redis
 * one Lua script reads, refills and spends a bucket atomically. (Fixed-window counters, what general
 * Redis rate-limit libraries offer, cannot express "2/s sustained, burst 20" nor its retry time.)
 *
 * Redis is not allowed to take the server down with it: a command that fails or takes over a second is
 * answered by the in-process limiter instead (each process then enforces the limit alone, as without
 * Redis), and Redis is used again as soon as it answers.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from './log.js';
import { KeyedBuckets } from './token-bucket.js';

/** A token bucket per key. `take` answers 0 when allowed, else the milliseconds until the next token. */
export interface KeyedLimiter {
  take(key: string): number | Promise<number>;
  /** Forgets idle keys (in-process state only). */
  sweep(): void;
}

/** Concurrent WebSocket connections per IP. */
export interface ConnectionSlots {
  /** Takes a slot for connection `id` of `ip`: false when `ip` already holds `max`. */
  acquire(ip: string, id: string, max: number): Promise<boolean>;
  /** Gives the slot back (idempotent). */
  release(ip: string, id: string): void;
}

/** The shared limits of one server process. */
export interface RateLimits {
  /** Messages per client IP across all its connections (a visitor opening many sockets gains nothing). */
  ipMessages: KeyedLimiter;
  /** Requests per client IP on the public HTTP endpoints (uploads, events). */
  ipRequests: KeyedLimiter;
  /** Each visitor's replay budget (protocol §6.2), keyed by visitor id. */
  visitorReplays: KeyedLimiter;
  /** Replays per client IP across its visitors, so fresh visitors bring no fresh budget. */
  ipReplays: KeyedLimiter;
  /** WebSocket connections per client IP. */
  connections: ConnectionSlots;
  /** Where the limits live, for logs and tests. */
  readonly store: 'memory' | 'redis';
  close(): Promise<void>;
}

/** Rates and bursts of the shared limits. */
export interface RateLimitSettings {
  messagesPerSecond: number;
  messageBurst: number;
  requestsPerSecond: number;
  requestBurst: number;
  /** Replays (§6.2) refill at this rate: the sustained message rate, so replays add nothing over time. */
  replaysPerSecond: number;
  /** A visitor's replay budget; an IP's is twice that. 0 turns the replay lane off. */
  replayBudget: number;
}

/** In-process connection slots: a count per IP. */
class MemorySlots implements ConnectionSlots {
  readonly #held = new Map<string, Set<string>>();

  async acquire(ip: string, id: string, max: number): Promise<boolean> {
    return this.acquireNow(ip, id, max);
  }

  acquireNow(ip: string, id: string, max: number): boolean {
    let set = this.#held.get(ip);
    if (!set) this.#held.set(ip, (set = new Set()));
    if (set.size >= max) {
      if (!set.size) this.#held.delete(ip);
      return false;
    }
    set.add(id);
    return true;
  }

  release(ip: string, id: string): void {
    const set = this.#held.get(ip);
    if (!set) return;
    set.delete(id);
    if (!set.size) this.#held.delete(ip);
  }
}

/**
 * Limits held in this process's memory: what a single process needs.
 *
 * @example
 * ```ts
 * const limits = createMemoryRateLimits({
 *   messagesPerSecond: 10, messageBurst: 60, requestsPerSecond: 5, requestBurst: 30, replaysPerSecond: 2, replayBudget: 500,
 * });
 * if (limits.ipRequests.take(ip) > 0) reply429();
 * ```
 */
export function createMemoryRateLimits(settings: RateLimitSettings, now: () => number = Date.now): RateLimits {
  return {
    ipMessages: new KeyedBuckets(settings.messagesPerSecond, settings.messageBurst, now),
    ipRequests: new KeyedBuckets(settings.requestsPerSecond, settings.requestBurst, now),
    visitorReplays: new KeyedBuckets(settings.replaysPerSecond, settings.replayBudget, now),
    ipReplays: new KeyedBuckets(settings.replaysPerSecond, settings.replayBudget * 2, now),
    connections: new MemorySlots(),
    store: 'memory',
    close: async () => {},
  };
}

// KEYS[1] the bucket; ARGV rate per second, capacity, now (ms). Returns 0 or the ms until the next token.
const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 't', 'l')
local tokens = tonumber(state[1])
local last = tonumber(state[2])
if tokens == nil or last == nil then
  tokens = capacity
  last = now
end
if now > last then
  tokens = math.min(capacity, tokens + (now - last) / 1000 * rate)
  last = now
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'l', tostring(last))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return wait
`;

// KEYS[1] the IP's sorted set (member: connection, score: expiry); ARGV member, expiry, now, max, key ttl.
const ACQUIRE_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`;

/** Options of {@link createRedisRateLimits}. */
export interface RedisRateLimitOptions {
  /** A `redis://` or `rediss://` URL, e.g. from `REDIS_URL`. */
  url: string;
  /** Prefix of every key (default `parlor:`). */
  prefix?: string;
  /** How long a connection's slot lives without being refreshed, so a crashed process's slots expire (default 60 s). */
  slotTtlMs?: number;
  log?: Logger;
}

type LimiterRedis = Redis & {
  parlorTake(key: string, rate: number, capacity: number, now: number): Promise<number>;
  parlorAcquire(key: string, member: string, expiry: number, now: number, max: number, ttl: number): Promise<number>;
};

/**
 * Limits shared by every process that uses the same Redis: token buckets and connection slots kept there,
 * with this process's memory as the fallback while Redis does not answer.
 *
 * @example
 * ```ts
 * const limits = createRedisRateLimits({ url: process.env.REDIS_URL }, settings);
 * const wait = await limits.ipMessages.take(ip); // the same bucket on every process
 * ```
 */
export function createRedisRateLimits(
  options: RedisRateLimitOptions,
  settings: RateLimitSettings,
  now: () => number = Date.now,
): RateLimits {
  const prefix = options.prefix ?? 'parlor:';
  const slotTtlMs = options.slotTtlMs ?? 60_000;
  const processId = randomUUID();
  const redis = new Redis(options.url, {
    lazyConnect: false,
    // Fail at once while disconnected (the in-process fallback answers) instead of queueing limit checks.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1000,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
  }) as LimiterRedis;
  redis.on('error', () => {
    // Reconnects by itself; the fallback answers meanwhile (logged once per outage below).
  });
  redis.defineCommand('parlorTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  redis.defineCommand('parlorAcquire', { numberOfKeys: 1, lua: ACQUIRE_SCRIPT });
  const fallback = createMemoryRateLimits(settings, now);
  const local = fallback.connections as MemorySlots;
  let degraded = false;
  const failed = (error: unknown) => {
    if (!degraded)
      options.log?.warn('rate limits in this process only: Redis does not answer', { error: String(error) });
    degraded = true;
  };
  const recovered = () => {
    if (degraded) options.log?.info('rate limits shared through Redis again');
    degraded = false;
  };

  const bucket = (name: string, rate: number, capacity: number, memory: KeyedLimiter): KeyedLimiter => ({
    async take(key) {
      try {
        const wait = await redis.parlorTake(`${prefix}rate:${name}:${key}`, rate, capacity, now());
        recovered();
        return Number(wait);
      } catch (error) {
        failed(error);
        return memory.take(key);
      }
    },
    sweep: () => memory.sweep(),
  });

  // Slots this process holds in Redis, refreshed well before they expire.
  const held = new Map<string, string>(); // member → ip
  const slotKey = (ip: string) => `${prefix}conns:${ip}`;
  const refresh = setInterval(() => {
    if (!held.size) return;
    const expiry = now() + slotTtlMs;
    const pipeline = redis.pipeline();
    for (const [member, ip] of held) {
      pipeline.zadd(slotKey(ip), 'XX', expiry, member);
      pipeline.pexpire(slotKey(ip), slotTtlMs);
    }
    pipeline.exec().catch(failed);
  }, slotTtlMs / 3);
  refresh.unref();

  const connections: ConnectionSlots = {
    async acquire(ip, id, max) {
      const member = `${processId}:${id}`;
      try {
        const t = now();
        const ok = await redis.parlorAcquire(slotKey(ip), member, t + slotTtlMs, t, max, slotTtlMs);
        recovered();
        if (Number(ok) !== 1) return false;
        held.set(member, ip);
        return true;
      } catch (error) {
        failed(error);
        return local.acquireNow(ip, id, max);
      }
    },
    release(ip, id) {
      const member = `${processId}:${id}`;
      local.release(ip, id);
      if (!held.delete(member)) return;
      // Lost if Redis is away: the slot then expires with its score.
      redis.zrem(slotKey(ip), member).catch(() => undefined);
    },
  };

  return {
    ipMessages: bucket('messages', settings.messagesPerSecond, settings.messageBurst, fallback.ipMessages),
    ipRequests: bucket('requests', settings.requestsPerSecond, settings.requestBurst, fallback.ipRequests),
    visitorReplays: bucket('replays', settings.replaysPerSecond, settings.replayBudget, fallback.visitorReplays),
    ipReplays: bucket('ip-replays', settings.replaysPerSecond, settings.replayBudget * 2, fallback.ipReplays),
    connections,
    store: 'redis',
    async close() {
      clearInterval(refresh);
      if (held.size) {
        const pipeline = redis.pipeline();
        for (const [member, ip] of held) pipeline.zrem(slotKey(ip), member);
        await pipeline.exec().catch(() => undefined);
        held.clear();
      }
      redis.disconnect();
    },
  };
}
