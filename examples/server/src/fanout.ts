import type { Message, Role } from '@parlor/core/protocol';
import type { Hub } from './hub.js';

/**
 * What travels between connections (and, with Redis, between processes). Plain JSON: no class
 * instances, no functions.
 */
export type FanoutEvent =
  /** A message was stored. `origin` is the connection that sent it (it gets an ack instead). */
  | { kind: 'message'; message: Message; origin: string; receivedAt: number }
  | { kind: 'typing'; conversation: string; role: Role; name?: string; on: boolean; origin: string }
  | { kind: 'read'; conversation: string; role: Role; seq: number; origin: string }
  /** A conversation's state changed (status, read points); listeners reload it. */
  | { kind: 'conversation'; conversation: string }
  /** A visitor got a new conversation: their other connections subscribe to it. */
  | { kind: 'visitor-conversation'; visitor: string; conversation: string; origin?: string }
  /**
   * An anonymous visitor was carried over into a signed-in user: its other connections (any process) close,
   * so none keeps receiving the user's messages. `origin` is the connection that signed in.
   */
  | { kind: 'visitor-merged'; visitor: string; origin: string }
  /**
   * A live visitor of a site arrived, left or changed (identity, context). Without `visitor`, anything on the
   * site may have changed (a catch-up after lost events): agents rebuild their whole live list.
   */
  | { kind: 'visitors'; site: string; visitor?: string }
  /** Agent presence on a site changed. */
  | { kind: 'presence'; site: string };

/** Topic names, in one place. */
export const topics = {
  conversation: (id: string) => `conv:${id}`,
  visitor: (id: string) => `visitor:${id}`,
  /** Everything agents of a site need to refresh their lists. */
  agents: (site: string) => `agents:${site}`,
  /** What visitors of a site need: agent presence. */
  site: (site: string) => `site:${site}`,
};

/** Receives the events of the topics it is subscribed to. */
export type FanoutListener = (topic: string, event: FanoutEvent) => void;

/**
 * Publish/subscribe between connections. The in-process implementation is below; the Redis one
 * (`fanout-redis.ts`) implements the same interface so several processes serve one conversation.
 */
export interface Fanout {
  publish(topic: string, event: FanoutEvent): void;
  subscribe(topic: string, listener: FanoutListener): void;
  unsubscribe(topic: string, listener: FanoutListener): void;
  /** Called once by the server before it listens, with the state it shares (storage, presence). */
  start?(hub: Hub): Promise<void>;
  close(): Promise<void>;
}

/** Fan-out within one process. Delivery is synchronous, in publish order. */
export function createLocalFanout(): Fanout {
  const byTopic = new Map<string, Set<FanoutListener>>();
  return {
    publish(topic, event) {
      const listeners = byTopic.get(topic);
      if (!listeners) return;
      for (const listener of [...listeners]) listener(topic, event);
    },
    subscribe(topic, listener) {
      let set = byTopic.get(topic);
      if (!set) byTopic.set(topic, (set = new Set()));
      set.add(listener);
    },
    unsubscribe(topic, listener) {
      const set = byTopic.get(topic);
      if (!set) return;
      set.delete(listener);
      if (!set.size) byTopic.delete(topic);
    },
    close: async () => byTopic.clear(),
  };
}
