/**
 * {@link Fanout} over Redis pub/sub, so several server processes serve one conversation: a visitor on one
 * process and an agent on another see each other's messages, typing and read receipts. Selected by
 * `REDIS_URL`.
 *
 * - Events reach this process's own listeners at once, in process, and every other process through one
 *   Redis channel per topic (`<prefix><topic>`), subscribed while a local listener follows the topic.
 *   Each event carries the publishing process's id, so a process skips its own echo.
 * - Redis is not in the path of storing: messages are stored (and acked) before they are published. If
 *   Redis goes away, every process keeps serving its own sockets, reconnects with backoff, buffers what
 *   it publishes meanwhile (bounded), resubscribes, and replays from storage what other processes
 *   published in the gap (`fanout-catch-up.ts`). Nothing is lost; at worst it arrives late.
 * - Agent presence lives in Redis too (`fanout-presence.ts`), with expiry, so a visitor on any process
 *   sees whether an agent on any process is online.
 */
import { Redis } from 'ioredis';
import { CatchUp } from './fanout-catch-up.js';
import { RedisPresence } from './fanout-presence.js';
import type { Fanout, FanoutEvent, FanoutListener } from './fanout.js';
import type { Hub } from './hub.js';
import { newId } from './ids.js';

/** Options of {@link createRedisFanout}. */
export interface RedisFanoutOptions {
  /** A `redis://` or `rediss://` URL, e.g. from `REDIS_URL`. */
  url: string;
  /** Prefix of every key and channel (default `parlor:`), to share one Redis with other programs. */
  prefix?: string;
  /** How often agent presence is rewritten and reread (default 5 s); it expires after three of these. */
  presenceIntervalMs?: number;
}

/** Events published while Redis is unreachable and kept to send when it is back (the rest is replayed). */
const MAX_BUFFERED = 10_000;
/** Channels per SUBSCRIBE command when resubscribing. */
const SUBSCRIBE_CHUNK = 1000;
const EVENT_KINDS = new Set([
  'message',
  'typing',
  'read',
  'conversation',
  'visitor-conversation',
  'visitor-merged',
  'visitors',
  'presence',
]);

/** What goes over Redis: the publishing process and the event. */
interface Envelope {
  p: string;
  e: FanoutEvent;
}

/** An envelope from Redis, or null: our own format, still checked before anything reads it. */
function parseEnvelope(text: string): Envelope | null {
  try {
    const value = JSON.parse(text) as { p?: unknown; e?: { kind?: unknown } };
    if (typeof value.p !== 'string' || typeof value.e !== 'object' || value.e === null) return null;
    return typeof value.e.kind === 'string' && EVENT_KINDS.has(value.e.kind) ? (value as Envelope) : null;
  } catch {
    return null;
  }
}

/**
 * Creates the Redis fan-out. It connects at once; the server calls `start(hub)` before listening.
 *
 * @example
 * ```ts
 * const server = await startServer({ config, storage, fanout: createRedisFanout({ url: process.env.REDIS_URL! }) });
 * ```
 */
export function createRedisFanout(options: RedisFanoutOptions): Fanout & { readonly processId: string } {
  const prefix = options.prefix ?? 'parlor:';
  const processId = newId('x');
  const interval = options.presenceIntervalMs ?? 5000;
  // Reconnect forever (this is a server), backing off to 2 s; never queue commands inside the client:
  // what must survive an outage is buffered or replayed here, with limits.
  const redisOptions = {
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
    connectTimeout: 5000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResubscribe: false,
  };
  const pub = new Redis(options.url, redisOptions);
  const sub = new Redis(options.url, redisOptions);
  const presence = new RedisPresence(pub, { prefix, processId, intervalMs: interval, ttlMs: interval * 3 });
  const catchUp = new CatchUp();
  const byTopic = new Map<string, Set<FanoutListener>>();
  const buffered: string[][] = [];
  let hub: Hub | null = null;
  let closed = false;
  /** When the subscriber lost Redis (null while connected, or before the first connection). */
  let lostAt: number | null = null;
  let connectedOnce = false;

  const deliver = (topic: string, event: FanoutEvent) => {
    const listeners = byTopic.get(topic);
    if (!listeners || !catchUp.delivered(topic, event)) return;
    for (const listener of [...listeners]) listener(topic, event);
  };

  const everyTopicEvent = (event: (site: string) => FanoutEvent) => {
    for (const site of hub?.sites.keys() ?? []) {
      deliver(`site:${site}`, event(site));
      deliver(`agents:${site}`, event(site));
    }
  };
  presence.onChange = () => everyTopicEvent((site) => ({ kind: 'presence', site }));

  let warned = false;
  for (const [name, client] of [
    ['publisher', pub],
    ['subscriber', sub],
  ] as const) {
    // ioredis reports every failed attempt; one line per outage is enough.
    client.on('error', (error: Error) => {
      if (warned || closed) return;
      warned = true;
      hub?.log.warn('redis unavailable: serving local sockets only until it is back', {
        connection: name,
        error: error.message.slice(0, 200),
      });
    });
  }

  sub.on('message', (channel: string, text: string) => {
    const envelope = parseEnvelope(text);
    if (!envelope || envelope.p === processId) return;
    const topic = channel.slice(prefix.length);
    if (envelope.e.kind === 'presence') {
      // Another process's consoles changed: reread presence first, then let listeners render it.
      void presence.refresh().then(() => deliver(topic, envelope.e));
    } else deliver(topic, envelope.e);
  });

  sub.on('close', () => {
    if (connectedOnce && lostAt === null) lostAt = Date.now();
  });

  sub.on('ready', () => {
    void (async () => {
      const topicsNow = [...byTopic.keys()];
      for (let i = 0; i < topicsNow.length; i += SUBSCRIBE_CHUNK) {
        await sub.subscribe(...topicsNow.slice(i, i + SUBSCRIBE_CHUNK).map((t) => prefix + t)).catch(() => undefined);
      }
      const since = lostAt;
      lostAt = null;
      connectedOnce = true;
      if (warned) hub?.log.info('redis is back: catching up from storage');
      warned = false;
      if (since !== null && hub) {
        await presence.refresh();
        await catchUp
          .replay(hub, [...byTopic.keys()], since, deliver)
          .catch((error: unknown) =>
            hub?.log.error('catch-up after redis reconnect failed', { error: (error as Error).message }),
          );
      }
    })();
  });

  pub.on('ready', () => {
    presence.writeOwn();
    for (const args of buffered.splice(0)) {
      const [channel = '', message = ''] = args;
      pub.publish(channel, message).catch(() => undefined);
    }
  });

  const waitReady = (client: Redis, ms: number) =>
    client.status === 'ready'
      ? Promise.resolve(true)
      : new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), ms);
          client.once('ready', () => {
            clearTimeout(timer);
            resolve(true);
          });
        });

  return {
    processId,

    publish(topic, event) {
      deliver(topic, event);
      if (event.kind === 'presence') presence.writeOwn(); // the snapshot lands before the event others react to
      const message = JSON.stringify({ p: processId, e: event } satisfies Envelope);
      if (pub.status === 'ready') pub.publish(prefix + topic, message).catch(() => undefined);
      else if (buffered.length < MAX_BUFFERED) buffered.push([prefix + topic, message]);
    },

    subscribe(topic, listener) {
      let set = byTopic.get(topic);
      if (!set) {
        byTopic.set(topic, (set = new Set()));
        catchUp.follow(topic);
        if (sub.status === 'ready') sub.subscribe(prefix + topic).catch(() => undefined);
      }
      set.add(listener);
    },

    unsubscribe(topic, listener) {
      const set = byTopic.get(topic);
      if (!set) return;
      set.delete(listener);
      if (set.size) return;
      byTopic.delete(topic);
      catchUp.forget(topic);
      if (sub.status === 'ready') sub.unsubscribe(prefix + topic).catch(() => undefined);
    },

    async start(h) {
      hub = h;
      presence.start(h);
      // Start even when Redis is unreachable: local sockets are served, and the fan-out joins when it can.
      const [pubReady, subReady] = await Promise.all([waitReady(pub, 5000), waitReady(sub, 5000)]);
      if (!pubReady || !subReady) h.log.warn('redis not reachable at start-up: retrying in the background');
      else await presence.refresh();
    },

    async close() {
      closed = true;
      await presence.stop();
      byTopic.clear();
      await Promise.allSettled([pub.quit(), sub.quit()]);
      pub.disconnect();
      sub.disconnect();
    },
  };
}
