import type { FanoutEvent } from './fanout.js';

/** Shortest gap between two `typing` frames of one conversation and role. */
export const TYPING_MIN_MS = 250;
/** A repeated `typing on` is relayed again after this long, so a receiver's indicator does not expire. */
export const TYPING_REFRESH_MS = 3_000;

type TypingEvent = Extract<FanoutEvent, { kind: 'typing' }>;

/** What was last relayed of one conversation's typing by one role, and what waits for the next slot. */
interface Slot {
  on: boolean;
  at: number;
  pending?: TypingEvent | undefined;
  timer?: NodeJS.Timeout | undefined;
}

/**
 * Relays typing events to one receiver a few times a second at most, whatever arrives: per conversation and
 * role, only a change of state (or a refresh of `on` after {@link TYPING_REFRESH_MS}) is passed on, at most one
 * per {@link TYPING_MIN_MS}. What comes in between waits, and only its latest state is passed on when the slot
 * comes, so the receiver always ends with the last state.
 *
 * @example
 * const typing = new TypingThrottle(Date.now, (event) => socket.send(typingFrameOf(event)));
 * typing.relay(event); // on each fanned-out typing event
 * typing.forget(conversationId); // when the receiver leaves the conversation
 */
export class TypingThrottle {
  readonly #slots = new Map<string, Slot>();
  readonly #now: () => number;
  readonly #emit: (event: TypingEvent) => void;

  constructor(now: () => number, emit: (event: TypingEvent) => void) {
    this.#now = now;
    this.#emit = emit;
  }

  /** Passes `event` on now, later, or not at all (see the class). */
  relay(event: TypingEvent): void {
    const key = `${event.conversation}\n${event.role}`;
    const slot = this.#slots.get(key);
    if (!slot) {
      this.#slots.set(key, { on: event.on, at: this.#now() });
      this.#emit(event);
      return;
    }
    slot.pending = event;
    if (slot.timer) return;
    const wait = slot.at + TYPING_MIN_MS - this.#now();
    if (wait > 0) {
      slot.timer = setTimeout(() => {
        slot.timer = undefined;
        this.#flush(slot);
      }, wait);
      return;
    }
    this.#flush(slot);
  }

  /** Drops what is kept for `conversation` (the receiver left it). */
  forget(conversation: string): void {
    for (const [key, slot] of this.#slots)
      if (key.startsWith(`${conversation}\n`)) {
        clearTimeout(slot.timer);
        this.#slots.delete(key);
      }
  }

  /** Drops everything, timers included (the receiver is gone). */
  clear(): void {
    for (const slot of this.#slots.values()) clearTimeout(slot.timer);
    this.#slots.clear();
  }

  #flush(slot: Slot): void {
    const event = slot.pending;
    slot.pending = undefined;
    if (!event) return;
    const now = this.#now();
    if (event.on === slot.on && (!event.on || now - slot.at < TYPING_REFRESH_MS)) return;
    slot.on = event.on;
    slot.at = now;
    this.#emit(event);
  }
}
