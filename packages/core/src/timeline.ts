import type { Body, Message } from './protocol/index.js';

/** A message the server stored: its place is its seq. */
export interface StoredItem {
  kind: 'stored';
  /** Client id (the sender's UUIDv7) or server id. */
  id: string;
  message: Message;
}

/** A message the visitor sent that has no seq yet: its place is after every stored one, in send order. */
export interface PendingItem {
  kind: 'pending';
  /** The client id (UUIDv7), kept across retries and reloads. */
  id: string;
  body: Body;
  createdAt: number;
  /** `sending` until acked; `failed` when the server refused it (with the reason). */
  state: 'sending' | 'failed';
  error?: { code: string; message: string };
  /** Upload progress from 0 to 1, for attachments still uploading. */
  progress?: number;
}

/** One row of the conversation as a UI shows it. */
export type TimelineItem = StoredItem | PendingItem;

/** The timeline: stored messages by seq (no duplicates), then pending ones by client id. */
export interface Timeline {
  readonly stored: readonly Message[];
  readonly pending: readonly PendingItem[];
}

/** An empty timeline. */
export const EMPTY_TIMELINE: Timeline = Object.freeze({ stored: Object.freeze([]), pending: Object.freeze([]) });

/** What {@link mergeStored} learned besides the new timeline. */
export interface MergeResult {
  timeline: Timeline;
  /** Messages that were not in the timeline before (in seq order): the ones to announce. */
  added: Message[];
  /**
   * The last seq the client holds contiguously when the merge revealed a hole (a seq arrived whose
   * predecessor is missing): the client must `sync` after it. Undefined when there is no hole.
   */
  gapAfter?: number;
}

/**
 * Merges stored messages into the timeline. Keyed by seq: a message already held is never duplicated,
 * whatever order or how many times it arrives (a live frame, a replay, another tab). A pending item
 * whose client id matches a stored message is dropped (it has been acked, possibly elsewhere).
 *
 * @example
 * ```ts
 * const { timeline, added, gapAfter } = mergeStored(current, [frame.message]);
 * if (gapAfter !== undefined) connection.send({ type: 'sync', conversation, epoch, after: gapAfter });
 * ```
 */
export function mergeStored(timeline: Timeline, incoming: readonly Message[]): MergeResult {
  const bySeq = new Map(timeline.stored.map((m) => [m.seq, m]));
  const added: Message[] = [];
  for (const message of incoming) {
    if (bySeq.has(message.seq)) continue;
    bySeq.set(message.seq, message);
    added.push(message);
  }
  if (!added.length) return { timeline, added };
  const stored = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  const ids = new Set(stored.map((m) => m.id));
  const pending = timeline.pending.filter((p) => !ids.has(p.id));
  added.sort((a, b) => a.seq - b.seq);
  const result: MergeResult = { timeline: { stored, pending }, added };
  const gap = firstGap(stored);
  if (gap !== undefined) result.gapAfter = gap;
  return result;
}

/**
 * The last seq held before the first hole, or undefined when the stored messages are contiguous.
 * A timeline may start above 1 (older history not loaded yet): only holes between held messages count.
 */
export function firstGap(stored: readonly Message[]): number | undefined {
  for (let i = 1; i < stored.length; i++) {
    const previous = stored[i - 1];
    const current = stored[i];
    if (previous && current && current.seq !== previous.seq + 1) return previous.seq;
  }
  return undefined;
}

/** The timeline with this visitor send added (or updated, when the id is already pending). */
export function upsertPending(timeline: Timeline, item: PendingItem): Timeline {
  if (timeline.stored.some((m) => m.id === item.id)) return timeline; // already acked
  const others = timeline.pending.filter((p) => p.id !== item.id);
  const pending = [...others, item].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { stored: timeline.stored, pending };
}

/** The timeline without a pending item (discarded by the visitor). */
export function removePending(timeline: Timeline, id: string): Timeline {
  const pending = timeline.pending.filter((p) => p.id !== id);
  return pending.length === timeline.pending.length ? timeline : { stored: timeline.stored, pending };
}

/**
 * Applies an `ack`: the pending item becomes the stored message at `seq` (built from what was sent,
 * unless the message itself already arrived).
 */
export function acknowledge(
  timeline: Timeline,
  ack: { id: string; conversation: string; seq: number; at: number },
): MergeResult {
  const pending = timeline.pending.find((p) => p.id === ack.id);
  if (!pending) return { timeline: removePending(timeline, ack.id), added: [] };
  const message = ackedMessage(ack, pending.body);

  return mergeStored(removePending(timeline, ack.id), [message]);
}

/** The stored message an `ack` stands for: what the visitor sent, at the seq the server gave it. */
export function ackedMessage(ack: { id: string; conversation: string; seq: number; at: number }, body: Body): Message {
  return { conversation: ack.conversation, seq: ack.seq, id: ack.id, author: { role: 'visitor' }, body, at: ack.at };
}

/** Rows in display order: stored by seq, then pending in send order. */
export function timelineItems(timeline: Timeline): TimelineItem[] {
  return [
    ...timeline.stored.map((message): StoredItem => ({ kind: 'stored', id: message.id, message })),
    ...timeline.pending,
  ];
}

/** Messages from the other side (agents, bots, system) after the visitor's read point. */
export function unreadCount(stored: readonly Message[], visitorReadSeq: number): number {
  let count = 0;
  for (const m of stored) if (m.seq > visitorReadSeq && m.author.role !== 'visitor') count++;
  return count;
}
