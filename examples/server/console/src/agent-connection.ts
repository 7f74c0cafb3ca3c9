import {
  CLOSE_CODES,
  DEFAULT_LIMITS,
  PROTOCOL_VERSION,
  agentServerFrameSchema,
  closeAction,
  parseFrame,
} from '@parlor/core/protocol';
import type { AgentClientFrame, AgentServerFrame, ErrorCode } from '@parlor/core/protocol';
import type { ConnectionState } from './console-store.js';

/**
 * Largest frame the console accepts from the server. The protocol bounds what the server reads, not what
 * it sends: a page of long messages can exceed `maxFrameBytes`, so this is generous but finite.
 */
export const MAX_INCOMING_FRAME_BYTES = 8 * 1024 * 1024;

/** Upper bound of the first retry delay, in ms (doubled on each further attempt). */
export const BACKOFF_BASE_MS = 500;
/** Cap of the retry delay bound, in ms. */
export const BACKOFF_CAP_MS = 30_000;

/** How long to wait for `welcome` after the socket opened. */
const WELCOME_TIMEOUT_MS = 15_000;

/** Error codes after which the server closes for good: the console stops and asks for a token again. */
const FATAL_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'unauthorized',
  'token_expired',
  'forbidden_origin',
  'unsupported_version',
]);

/** "Full jitter" exponential backoff: uniformly random in [0, min(cap, base · 2^attempt)). */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  baseMs: number = BACKOFF_BASE_MS,
  capMs: number = BACKOFF_CAP_MS,
): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30)));
}

/** What the agent is told when the server closes with a code that stops reconnecting. */
export function closeMessage(code: number, reason: string): string {
  if (reason) return reason;
  switch (code) {
    case CLOSE_CODES.unauthorized:
      return 'The server refused this agent token.';
    case CLOSE_CODES.tokenExpired:
      return 'The agent token has expired. Sign in with a new one.';
    case CLOSE_CODES.forbiddenOrigin:
      return 'This console is not allowed to connect from this address.';
    case CLOSE_CODES.unsupportedVersion:
      return 'The server does not speak this console’s protocol version. Reload the page.';
    default:
      return `The connection was closed (code ${code}).`;
  }
}

/** Callbacks of an {@link AgentConnection}. */
export interface AgentConnectionEvents {
  /** Every valid frame from the server, in order. `welcome` means the session is ready for `send`. */
  frame(frame: AgentServerFrame): void;
  /** The socket's state changed. */
  state(state: ConnectionState): void;
  /** The server refused the session for good (bad token, origin, version): show the sign-in again. */
  stopped(reason: string): void;
}

/** Options mainly for tests. */
export interface AgentConnectionOptions {
  random?: () => number;
  now?: () => number;
}

/** What `send` did with a frame. */
export type SendResult = 'sent' | 'offline' | 'too_large';

/**
 * The agent's WebSocket to `/v1/agent`: says `hello` with the token, pings every `limits.pingIntervalMs`,
 * drops a silent socket after twice that, and reconnects with capped full-jitter backoff unless the
 * close code says stop. It validates every incoming frame and ignores (and logs) invalid ones.
 */
export class AgentConnection {
  readonly #url: string;
  readonly #token: string;
  readonly #events: AgentConnectionEvents;
  readonly #random: () => number;
  readonly #now: () => number;
  #socket: WebSocket | undefined;
  #ready = false;
  #stopped = true;
  #attempt = 0;
  #lastHeard = 0;
  #pingIntervalMs = DEFAULT_LIMITS.pingIntervalMs;
  #maxFrameBytes = DEFAULT_LIMITS.maxFrameBytes;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #welcomeTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;

  constructor(url: string, token: string, events: AgentConnectionEvents, options: AgentConnectionOptions = {}) {
    this.#url = url;
    this.#token = token;
    this.#events = events;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
  }

  /** Whether `welcome` arrived on the current socket (frames other than `hello` may be sent). */
  get ready(): boolean {
    return this.#ready;
  }

  /** Connects (and keeps reconnecting until {@link stop} or a stopping close code). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#attempt = 0;
    this.#open();
  }

  /** Closes for good (sign-out). */
  stop(): void {
    this.#stopped = true;
    this.#teardown(CLOSE_CODES.normal, 'signed out');
    this.#events.state({ kind: 'offline' });
  }

  /** Skips the backoff wait, e.g. when the browser comes back online. */
  retryNow(): void {
    if (this.#stopped || this.#socket) return;
    clearTimeout(this.#retryTimer);
    this.#open();
  }

  /** Sends a frame if the session is ready. */
  send(frame: AgentClientFrame): SendResult {
    const socket = this.#socket;
    if (!this.#ready || !socket || socket.readyState !== WebSocket.OPEN) return 'offline';
    const text = JSON.stringify(frame);
    if (new TextEncoder().encode(text).length > this.#maxFrameBytes) return 'too_large';
    socket.send(text);
    return 'sent';
  }

  #open(): void {
    this.#events.state({ kind: 'connecting' });
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.#url);
    } catch (error) {
      this.#scheduleRetry(error instanceof Error ? error.message : 'Could not connect');
      return;
    }
    this.#socket = socket;
    socket.addEventListener('open', () => {
      if (socket !== this.#socket) return;
      const hello: AgentClientFrame = {
        type: 'hello',
        v: PROTOCOL_VERSION,
        auth: { mode: 'agent', token: this.#token },
      };
      socket.send(JSON.stringify(hello));
      this.#welcomeTimer = setTimeout(() => this.#drop('The server did not answer the sign-in'), WELCOME_TIMEOUT_MS);
    });
    socket.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (socket === this.#socket) this.#receive(event.data);
    });
    socket.addEventListener('close', (event) => {
      if (socket === this.#socket) this.#closed(event.code, event.reason);
    });
  }

  #receive(data: unknown): void {
    if (typeof data !== 'string') {
      console.warn('[parlor] ignored a binary frame');
      return;
    }
    const result = parseFrame(agentServerFrameSchema, data, MAX_INCOMING_FRAME_BYTES);
    if (!result.ok) {
      console.warn(`[parlor] ignored an invalid frame (${result.code}): ${result.message}`);
      return;
    }
    const frame = result.frame;
    this.#lastHeard = this.#now();
    if (frame.type === 'welcome') {
      clearTimeout(this.#welcomeTimer);
      this.#ready = true;
      this.#attempt = 0;
      this.#pingIntervalMs = frame.limits.pingIntervalMs;
      this.#maxFrameBytes = frame.limits.maxFrameBytes;
      this.#startPing();
      this.#events.state({ kind: 'online' });
    }
    this.#events.frame(frame);
    if (frame.type === 'error' && FATAL_ERRORS.has(frame.code)) this.#fail(frame.message);
  }

  #startPing(): void {
    clearInterval(this.#pingTimer);
    this.#pingTimer = setInterval(() => {
      if (this.#now() - this.#lastHeard > 2 * this.#pingIntervalMs) {
        this.#drop('The server stopped answering');
        return;
      }
      this.send({ type: 'ping', t: this.#now() });
    }, this.#pingIntervalMs);
  }

  #closed(code: number, reason: string): void {
    this.#teardown();
    if (this.#stopped) return;
    const action = closeAction(code);
    // An agent token cannot be refreshed in place: an expired one needs the agent to sign in again.
    if (action === 'stop' || action === 'refresh') this.#fail(closeMessage(code, reason));
    else this.#scheduleRetry(reason || `Connection closed (code ${code})`);
  }

  /** Gives up on the current socket and reconnects with backoff. */
  #drop(reason: string): void {
    this.#teardown(4000, reason.slice(0, 100));
    if (!this.#stopped) this.#scheduleRetry(reason);
  }

  /** Stops for good and reports why. */
  #fail(reason: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#teardown(CLOSE_CODES.normal, 'stopped');
    this.#events.state({ kind: 'offline' });
    this.#events.stopped(reason);
  }

  #scheduleRetry(reason: string): void {
    const delay = backoffDelay(this.#attempt++, this.#random);
    this.#events.state({ kind: 'waiting', retryAt: this.#now() + delay, reason });
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      if (!this.#stopped) this.#open();
    }, delay);
  }

  #teardown(code?: number, reason?: string): void {
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#welcomeTimer);
    clearInterval(this.#pingTimer);
    this.#ready = false;
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket && code !== undefined && socket.readyState <= WebSocket.OPEN) {
      try {
        socket.close(code, reason);
      } catch {
        socket.close();
      }
    }
  }
}
