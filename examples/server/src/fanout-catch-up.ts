/**
 * Catching up after Redis comes back. Pub/sub delivers at most once: whatever other processes published
 * while this one was cut off from Redis is gone from the bus, but never from storage. So this process
 * remembers, per conversation it listens to, which seqs it has delivered, and after reconnecting replays
 * from storage what its listeners missed: messages (as ordinary `message` events, in seq order), then a
 * state refresh per conversation (status, read receipts), new conversations of its visitors, agent
 * presence and the agents' lists. Typing indicators are ephemeral and not replayed.
 */
import type { FanoutEvent } from './fanout.js';
import { toWireMessage, type Hub } from './hub.js';

/** Slack on timestamps: a loss noticed late, or clocks a little apart between hosts. */
const SKEW_MS = 5000;
/** Newest messages read per conversation when replaying; older gaps are left to the clients' own resync. */
const REPLAY_PAGE = 200;
/** Seqs remembered per conversation (the newest; older ones are forgotten in insertion order). */
const MAX_SEEN = 500;

interface Tracked {
  /** When a listener of this process started following the conversation. */
  since: number;
  seen: Set<number>;
}

/** What this process delivered, per conversation topic, and the replay from storage. */
export class CatchUp {
  readonly #conversations = new Map<string, Tracked>();

  /** A topic got its first local listener. */
  follow(topic: string): void {
    const id = conversationOf(topic);
    if (id && !this.#conversations.has(id)) this.#conversations.set(id, { since: Date.now(), seen: new Set() });
  }

  /** A topic lost its last local listener. */
  forget(topic: string): void {
    const id = conversationOf(topic);
    if (id) this.#conversations.delete(id);
  }

  /**
   * Records a message event about to be delivered to local listeners; false when they already had that
   * seq (a replayed message that also arrived live, or a re-published one), which is then not delivered.
   */
  delivered(topic: string, event: FanoutEvent): boolean {
    if (event.kind !== 'message') return true;
    const tracked = this.#conversations.get(conversationOf(topic) ?? '');
    if (!tracked) return true;
    if (tracked.seen.has(event.message.seq)) return false;
    tracked.seen.add(event.message.seq);
    if (tracked.seen.size > MAX_SEEN) {
      let drop = tracked.seen.size - MAX_SEEN / 2;
      for (const seq of tracked.seen) {
        if (drop-- <= 0) break;
        tracked.seen.delete(seq);
      }
    }
    return true;
  }

  /**
   * Replays, for every topic in `topics` (those with local listeners), what may have been published
   * while this process was cut off from Redis since `lostAt`; `deliver` hands an event to local listeners.
   */
  async replay(hub: Hub, topics: string[], lostAt: number, deliver: (topic: string, event: FanoutEvent) => void) {
    const from = lostAt - SKEW_MS;
    for (const topic of topics) {
      const [kind, id = ''] = splitTopic(topic);
      if (kind === 'conv') {
        const tracked = this.#conversations.get(id);
        if (!tracked) continue;
        const floor = Math.max(tracked.since - SKEW_MS, from);
        const rows = await hub.storage.messagesBefore(id, Number.MAX_SAFE_INTEGER, REPLAY_PAGE);
        for (const row of rows) {
          if (row.createdAt < floor || tracked.seen.has(row.seq)) continue;
          const event: FanoutEvent = {
            kind: 'message',
            message: toWireMessage(row, ''),
            origin: 'catch-up',
            receivedAt: row.createdAt,
          };
          deliver(topic, event);
        }
        deliver(topic, { kind: 'conversation', conversation: id });
      } else if (kind === 'visitor') {
        // Carried over into a user while this process was cut off: its sockets here close too.
        const visitor = await hub.storage.getVisitor(id);
        if (visitor && visitor.mergedAt !== null)
          deliver(topic, { kind: 'visitor-merged', visitor: id, origin: 'catch-up' });
        const latest = await hub.storage.latestConversation(id);
        if (latest && latest.createdAt >= from)
          deliver(topic, { kind: 'visitor-conversation', visitor: id, conversation: latest.id });
      } else if (kind === 'site') {
        deliver(topic, { kind: 'presence', site: id });
      } else if (kind === 'agents') {
        deliver(topic, { kind: 'presence', site: id });
        deliver(topic, { kind: 'visitors', site: id });
        const changed = await hub.storage.listConversations({ siteIds: [id], limit: REPLAY_PAGE });
        for (const c of changed) if (c.updatedAt >= from) deliver(topic, { kind: 'conversation', conversation: c.id });
      }
    }
  }
}

/** `conv:abc` → `['conv', 'abc']` (topic names are built in `fanout.ts`). */
function splitTopic(topic: string): [string, string] {
  const at = topic.indexOf(':');
  return at < 0 ? [topic, ''] : [topic.slice(0, at), topic.slice(at + 1)];
}

function conversationOf(topic: string): string | null {
  const [kind, id] = splitTopic(topic);
  return kind === 'conv' ? id : null;
}
