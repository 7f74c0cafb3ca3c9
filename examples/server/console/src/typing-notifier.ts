/** Minimum time between two `typing on` frames. */
export const TYPING_THROTTLE_MS = 3000;
/** Idle time after the last keystroke before `typing off`. */
export const TYPING_IDLE_MS = 5000;

/** Timer functions, injectable for tests. */
export interface TypingClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: TypingClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Turns keystrokes in the reply box into `typing` frames: at most one `on` per 3 s, and an `off` after 5 s
 * without input, on send, or when the agent switches conversation.
 */
export class TypingNotifier {
  readonly #send: (conversation: string, on: boolean) => void;
  readonly #clock: TypingClock;
  #conversation: string | undefined;
  #on = false;
  #lastOnAt = -Infinity;
  #idle: unknown;

  constructor(send: (conversation: string, on: boolean) => void, clock: TypingClock = realClock) {
    this.#send = send;
    this.#clock = clock;
  }

  /** The agent typed in `conversation`'s reply box. */
  input(conversation: string): void {
    if (conversation !== this.#conversation) this.stop();
    this.#conversation = conversation;
    const now = this.#clock.now();
    if (now - this.#lastOnAt >= TYPING_THROTTLE_MS) {
      this.#lastOnAt = now;
      this.#on = true;
      this.#send(conversation, true);
    }
    if (this.#idle !== undefined) this.#clock.clearTimeout(this.#idle);
    this.#idle = this.#clock.setTimeout(() => this.stop(), TYPING_IDLE_MS);
  }

  /** Sends `off` if `on` was the last thing sent (after a send, on idle, on leaving). */
  stop(): void {
    if (this.#idle !== undefined) this.#clock.clearTimeout(this.#idle);
    this.#idle = undefined;
    if (this.#on && this.#conversation !== undefined) this.#send(this.#conversation, false);
    this.#on = false;
  }
}
