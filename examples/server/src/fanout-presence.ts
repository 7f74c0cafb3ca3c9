/**
 * Agent presence across server processes, kept in Redis. Pub/sub alone cannot answer "is any agent
 * online?" for a visitor who connects later, nor notice a process that died without a word, so each
 * process keeps a snapshot of its own consoles in one hash field (`<prefix>presence`, field = process
 * id) stamped with the time, rewrites it on every change and every `intervalMs`, and reads everyone
 * else's. A snapshot older than `ttlMs` counts as gone: a killed process's agents drop out within that.
 */
import type { Redis } from 'ioredis';
import { agentStatuses, type Hub } from './hub.js';

/** One process's consoles: agent id → status. */
interface Snapshot {
  at: number;
  agents: Record<string, 'online' | 'away'>;
}

/** Options of {@link RedisPresence}. */
export interface PresenceOptions {
  prefix: string;
  processId: string;
  /** How often this process rewrites its snapshot and rereads the others (default 5 s). */
  intervalMs: number;
  /** Age after which a snapshot is ignored and removed (default 3 × interval). */
  ttlMs: number;
}

/** Cross-process agent presence, written into `hub.peerPresence`. Internal to the Redis fan-out. */
export class RedisPresence {
  readonly #redis: Redis;
  readonly #options: PresenceOptions;
  readonly #key: string;
  #hub: Hub | null = null;
  #timer: NodeJS.Timeout | undefined;
  /** Called when a periodic reread found other processes' agents changed (e.g. a process died). */
  onChange: () => void = () => {};

  constructor(redis: Redis, options: PresenceOptions) {
    this.#redis = redis;
    this.#options = options;
    this.#key = `${options.prefix}presence`;
  }

  start(hub: Hub): void {
    this.#hub = hub;
    this.#timer = setInterval(() => {
      this.writeOwn();
      void this.refresh().then((changed) => changed && this.onChange());
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Queues this process's snapshot (before any presence event it publishes next, on the same connection). */
  writeOwn(): void {
    const hub = this.#hub;
    if (!hub || this.#redis.status !== 'ready') return;
    const agents: Snapshot['agents'] = {};
    for (const [id, entry] of hub.presence) agents[id] = entry.status;
    const snapshot: Snapshot = { at: Date.now(), agents };
    this.#redis.hset(this.#key, this.#options.processId, JSON.stringify(snapshot)).catch(() => undefined);
  }

  /** Rereads every other process's snapshot into `hub.peerPresence`; true when what visitors see changed. */
  async refresh(): Promise<boolean> {
    const hub = this.#hub;
    if (!hub || this.#redis.status !== 'ready') return false;
    let all: Record<string, string>;
    try {
      all = await this.#redis.hgetall(this.#key);
    } catch {
      return false; // Redis is down: keep what we knew; the next refresh after reconnecting corrects it
    }
    const before = JSON.stringify(agentStatuses(hub).map(({ agent, status }) => [agent.id, status]));
    const now = Date.now();
    const agentsById = new Map(hub.config.agents.map((a) => [a.id, a]));
    const peers: Hub['peerPresence'] = new Map();
    for (const [processId, text] of Object.entries(all)) {
      if (processId === this.#options.processId) continue;
      const snapshot = parseSnapshot(text);
      if (!snapshot || now - snapshot.at > this.#options.ttlMs) {
        // Stale (a process that died): any process may clear it; a live one rewrites its own at once.
        if (now - (snapshot?.at ?? 0) > this.#options.ttlMs * 2)
          this.#redis.hdel(this.#key, processId).catch(() => undefined);
        continue;
      }
      for (const [agentId, status] of Object.entries(snapshot.agents)) {
        const agent = agentsById.get(agentId);
        if (agent && peers.get(agentId)?.status !== 'online') peers.set(agentId, { agent, status });
      }
    }
    hub.peerPresence = peers;
    const after = JSON.stringify(agentStatuses(hub).map(({ agent, status }) => [agent.id, status]));
    return after !== before;
  }

  /** Stops the timer and removes this process's snapshot (a graceful exit needs no expiry). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    if (this.#redis.status === 'ready')
      await this.#redis.hdel(this.#key, this.#options.processId).catch(() => undefined);
  }
}

/** A snapshot from Redis, or null when it is not one (never trusted blindly, even from our own Redis). */
function parseSnapshot(text: string): Snapshot | null {
  try {
    const value = JSON.parse(text) as Partial<Snapshot>;
    if (typeof value.at !== 'number' || typeof value.agents !== 'object' || value.agents === null) return null;
    const agents: Snapshot['agents'] = {};
    for (const [id, status] of Object.entries(value.agents))
      if (status === 'online' || status === 'away') agents[id] = status;
    return { at: value.at, agents };
  } catch {
    return null;
  }
}
