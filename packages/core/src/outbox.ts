import { MessagePacer, type PaceLimits } from './message-pacer.js';
import type { OutboxEntry } from './storage/chat-store.js';

/**
 * The most sends on the wire unanswered at once. The server queues at most 200 frames per connection
 * and closes one that goes past that (protocol: "Frames waiting per connection"); a long outbox drained
 * after a reconnect, under a generous message rate, would otherwise flood it. The next go out as the
 * acks come back, so a drain runs at the round trip's pace rather than stalling.
 */
export const MAX_IN_FLIGHT = 64;

/** The order entries are kept and sent in: by client id, which is a UUIDv7 and so sorts in send order. */
const bySendOrder = (a: OutboxEntry, b: OutboxEntry) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * How many acked or discarded ids the outbox remembers. Copies of an entry reach a tab from several places
 * (its storage, the tab that queued it, a closing tab's hand-over) and may come after its ack: a copy of a
 * remembered id is dropped rather than sent again. Older ones are forgotten (bounded memory); a copy of one
 * of those would only be sent again with its client id, which the server stores once.
 */
export const REMEMBERED_DONE = 1024;

/**
 * The in-memory side of the outbox: the queued messages in send order (mirroring storage), which of
 * them are on the current socket awaiting an answer, and the pacing of their sends. Storage writes
 * stay with the client; this class decides what goes out, when, and in which order.
 */
export class Outbox {
  #entries: OutboxEntry[] = [];
  readonly #inflight = new Set<string>();
  /** Ids acked or discarded lately, oldest first (a Set keeps insertion order). */
  readonly #done = new Set<string>();
  readonly #pace = new MessagePacer();
  readonly #now: () => number;
  readonly #onDue: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param now - The clock.
   * @param onDue - Called when paced or delayed sends may go again (the client then flushes).
   */
  constructor(now: () => number, onDue: () => void) {
    this.#now = now;
    this.#onDue = onDue;
  }

  /** The queued messages, in send order. */
  get entries(): readonly OutboxEntry[] {
    return this.#entries;
  }

  /** The entry with this client id, if queued. */
  find(id: string): OutboxEntry | undefined {
    return this.#entries.find((e) => e.id === id);
  }

  /**
   * Adds entries not queued yet (from storage, another tab), keeping send order, and returns those it
   * added. An entry acked or discarded lately (see {@link Outbox.take}) is not added again.
   */
  merge(entries: readonly OutboxEntry[]): OutboxEntry[] {
    const known = new Set(this.#entries.map((e) => e.id));
    const added = entries.filter((e) => !known.has(e.id) && !this.#done.has(e.id) && (known.add(e.id), true));
    if (added.length) this.#entries = [...this.#entries, ...added].sort(bySendOrder);
    return added;
  }

  /** Whether `id` was acked or discarded lately: a copy of it must not be queued again. */
  isDone(id: string): boolean {
    return this.#done.has(id);
  }

  /**
   * Removes an entry (acked or discarded) and returns it. The id is remembered even when the entry is
   * not here (another tab's message, acked before its copy arrived), so the copy is not queued later.
   */
  take(id: string): OutboxEntry | undefined {
    const entry = this.find(id);
    this.#inflight.delete(id);
    this.#done.delete(id);
    this.#done.add(id);
    if (this.#done.size > REMEMBERED_DONE) this.#done.delete(this.#done.values().next().value as string);
    if (entry) this.#entries = this.#entries.filter((e) => e !== entry);
    return entry;
  }

  /** The server answered this id without storing it (refused, or to retry later): it is off the wire. */
  answered(id: string): void {
    this.#inflight.delete(id);
  }

  /** Marks an entry failed with the server's reason; it stays queued until retried or discarded. */
  fail(id: string, error: { code: string; message: string }): OutboxEntry | undefined {
    const entry = this.find(id);
    this.#inflight.delete(id);
    if (!entry) return undefined;
    entry.state = 'failed';
    entry.error = error;
    return entry;
  }

  /** Puts a failed entry back in line. */
  retry(id: string): OutboxEntry | undefined {
    const entry = this.find(id);
    if (!entry) return undefined;
    entry.state = 'pending';
    delete entry.error;
    return entry;
  }

  /** The socket changed: everything unanswered goes again on the next one. */
  socketChanged(): void {
    this.#inflight.clear();
  }

  /** Forgets everything (a different person now). */
  clear(): void {
    this.#entries = [];
    this.#inflight.clear();
    this.#done.clear();
    clearTimeout(this.#timer);
  }

  /** Calls `onDue` after `ms` (replacing an earlier schedule). */
  later(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#onDue(), ms);
  }

  /**
   * Sends every pending entry not on the wire yet, in send order, paced to the server's announced
   * rate (replays of a backlog at the replay rate, see {@link MessagePacer}): a message refused for rate
   * while a later one got through would arrive out of order, so the server is never given a reason to
   * refuse, and at most {@link MAX_IN_FLIGHT} unanswered. Stops at
   * the first entry `send` could not send.
   */
  flush(limits: PaceLimits, send: (entry: OutboxEntry) => boolean): void {
    for (const entry of this.#entries) {
      if (this.#inflight.size >= MAX_IN_FLIGHT) return; // the next ack flushes again
      if (entry.state !== 'pending' || this.#inflight.has(entry.id)) continue;
      const wait = this.#pace.take(limits, entry.id, this.#now());
      if (wait > 0) return this.later(wait);
      if (!send(entry)) return;
      this.#inflight.add(entry.id);
    }
  }
}
