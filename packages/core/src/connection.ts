import ReconnectingWebSocket from 'partysocket/ws';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff.js';
import { ParlorError, type ParlorErrorCode } from './errors.js';
import { CLOSE_CODES, closeAction, parseFrame, serverFrameSchema } from './protocol/index.js';
import type { ConnectionView } from './chat-state.js';
import type { ClientFrame, ErrorFrame, HelloFrame, ServerFrame, WelcomeFrame } from './protocol/index.js';

/**
 * Where the connection is, as one value. It changes only through the connection's reducer, and every
 * change is reported once through `onStatus`.
 *
 * - `idle`: not connected and not trying. `suspended` when the page went into the back/forward cache
 *   (`pagehide`); the connection comes back by itself on `pageshow`.
 * - `connecting`: attempt `attempt` (0 after a stable session) is getting its URL and hello, opening the
 *   socket, or waiting for the `welcome`. `afterRefresh` when it follows a credential refresh: another
 *   `token_expired` then stops instead of refreshing again.
 * - `waiting`: the last attempt failed; attempt `attempt` starts in `retryInMs` (full-jitter backoff),
 *   or at once when the browser comes back online or the page becomes visible. `closeCode` is the
 *   socket's close code, or null when the client gave up on the socket itself (no answer to a ping).
 * - `open`: the server sent `welcome` at `since`; frames flow and `send()` works.
 * - `stopped`: given up for good (invalid credential, forbidden origin, unknown site, unsupported
 *   version): retrying could not help. `start()` tries again, e.g. with a new credential.
 */
export type ConnectionStatus =
  | { readonly status: 'idle'; readonly suspended: boolean }
  | { readonly status: 'connecting'; readonly attempt: number; readonly afterRefresh: boolean }
  | {
      readonly status: 'waiting';
      readonly attempt: number;
      readonly retryInMs: number;
      readonly closeCode: number | null;
      readonly error: ParlorError;
    }
  | { readonly status: 'open'; readonly attempt: number; readonly welcome: WelcomeFrame; readonly since: number }
  | { readonly status: 'stopped'; readonly error: ParlorError };

/** Timer functions, injected so tests and other runtimes can supply their own. */
export interface ConnectionTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link Connection}. Everything from the environment has a default and can be injected. */
export interface ConnectionOptions {
  /** The server's `/v1/connect` WebSocket URL, or a function asked again before every attempt. */
  url: string | (() => string | Promise<string>);
  /**
   * Builds the first frame of each attempt, so the credential and the resume point are current. It is
   * called again for every attempt; credentials never go in the URL.
   */
  hello: () => HelloFrame | Promise<HelloFrame>;
  /** Receives every valid server frame of a session, starting with its `welcome`. */
  onFrame: (frame: ServerFrame) => void;
  /** Receives every new {@link ConnectionStatus}, once per change. */
  onStatus?: (status: ConnectionStatus) => void;
  /** Receives frames that failed validation (`bad_frame`, `too_large`); they are otherwise ignored. */
  onProtocolError?: (error: ParlorError) => void;
  /**
   * Called after the server closed with `token_expired` (4002), before the immediate reconnect: get a
   * fresh credential here so the next `hello()` carries it. If it throws, the connection stops.
   */
  refresh?: () => void | Promise<void>;
  /** The WebSocket constructor. Default: the global one. */
  WebSocket?: typeof WebSocket;
  /**
   * Where `online`, `pageshow`, `pagehide` and `visibilitychange` arrive. Default: `globalThis` when it
   * is an event target (a browser window); `null` listens to nothing.
   */
  window?: EventTarget | null;
  /** The clock, in ms since the epoch. Default: `Date.now`. */
  now?: () => number;
  /** Uniform random numbers in [0, 1) for the backoff jitter. Default: `Math.random`. */
  random?: () => number;
  /** Default: the global `setTimeout`/`clearTimeout`. */
  timers?: ConnectionTimers;
  /** Backoff window and the uptime after which the attempt counter starts again. */
  backoff?: Partial<BackoffOptions & { resetAfterMs: number }>;
  /** How often to ping. Default: `limits.pingIntervalMs` from the welcome. */
  pingIntervalMs?: number;
  /** How long the socket may stay silent after a ping or the hello before it counts as dead. Default 10 s. */
  pongTimeoutMs?: number;
  /** How long opening a socket may take. Default 10 s. */
  connectTimeoutMs?: number;
  /** Largest server frame accepted, in UTF-8 bytes. Default 16 MiB. */
  maxFrameBytes?: number;
}

const DEFAULT_TIMERS: ConnectionTimers = Object.freeze({
  setTimeout: (callback: () => void, ms: number) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle: unknown) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
});

const PONG_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 10_000;
// Server frames carry pages of messages, so they may be far larger than the client → server limit in
// `welcome.limits.maxFrameBytes`; this only keeps an absurd frame from being parsed.
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** The error a close code stands for when no `error` frame came before it. */
const CLOSE_ERRORS: Readonly<Record<number, ParlorErrorCode>> = {
  [CLOSE_CODES.unauthorized]: 'unauthorized',
  [CLOSE_CODES.tokenExpired]: 'token_expired',
  [CLOSE_CODES.forbiddenOrigin]: 'forbidden_origin',
  [CLOSE_CODES.unsupportedVersion]: 'unsupported_version',
  [CLOSE_CODES.unknownSite]: 'not_found',
  [CLOSE_CODES.helloTimeout]: 'not_ready',
  [CLOSE_CODES.rateLimited]: 'rate_limited',
  [CLOSE_CODES.tooLarge]: 'too_large',
  [CLOSE_CODES.internalError]: 'internal',
};

type Connecting = Extract<ConnectionStatus, { status: 'connecting' }>;

/** Everything that changes the status. Random and clock values are sampled into the action, so the reducer stays pure. */
type Action =
  | { type: 'start' }
  /** `reconnectNow()`: a fresh attempt from any state. */
  | { type: 'reconnect' }
  /** Back online, page shown or visible: stop waiting. */
  | { type: 'wake' }
  /** The backoff timer fired. */
  | { type: 'retry' }
  | { type: 'welcome'; welcome: WelcomeFrame; at: number }
  /** The socket closed, failed, or went silent (`closeCode` null). */
  | { type: 'lost'; closeCode: number | null; error: ParlorError; at: number; jitter: number }
  | { type: 'give-up'; error: ParlorError }
  /** `pagehide`. */
  | { type: 'suspend' }
  | { type: 'stop' };

type Backoff = BackoffOptions & { resetAfterMs: number };

function reduce(state: ConnectionStatus, action: Action, backoff: Backoff): ConnectionStatus {
  switch (action.type) {
    case 'start':
      return state.status === 'stopped' || (state.status === 'idle' && !state.suspended) ? connecting(0) : state;
    case 'reconnect':
      return connecting(0);
    case 'wake':
      return state.status === 'waiting' || (state.status === 'idle' && state.suspended) ? connecting(0) : state;
    case 'retry':
      return state.status === 'waiting' ? connecting(state.attempt) : state;
    case 'welcome':
      if (state.status === 'open') return { ...state, welcome: action.welcome };
      if (state.status !== 'connecting') return state;
      return { status: 'open', attempt: state.attempt, welcome: action.welcome, since: action.at };
    case 'lost': {
      if (state.status !== 'connecting' && state.status !== 'open') return state;
      // A session that stayed up long enough earns a fresh start; one that keeps dropping keeps growing.
      const failed = state.status === 'open' && action.at - state.since >= backoff.resetAfterMs ? 0 : state.attempt;
      const then = action.closeCode === null ? 'retry' : closeAction(action.closeCode);
      if (then === 'stop') return { status: 'stopped', error: action.error };
      if (then === 'refresh') {
        // A fresh credential that is refused as expired again will not get better by asking again.
        if (state.status === 'connecting' && state.afterRefresh) return { status: 'stopped', error: action.error };
        return connecting(failed, true);
      }
      return {
        status: 'waiting',
        attempt: failed + 1,
        // Never sooner than the server asked (`retryAfterMs` of a rate_limited error before a 4029).
        retryInMs: Math.max(
          backoffDelay(failed, backoff, () => action.jitter),
          action.error.retryAfterMs ?? 0,
        ),
        closeCode: action.closeCode,
        error: action.error,
      };
    }
    case 'give-up':
      return state.status === 'idle' || state.status === 'stopped' ? state : { status: 'stopped', error: action.error };
    case 'suspend':
      return state.status === 'idle' || state.status === 'stopped' ? state : { status: 'idle', suspended: true };
    case 'stop':
      return state.status === 'idle' && !state.suspended ? state : { status: 'idle', suspended: false };
  }
}

function connecting(attempt: number, afterRefresh = false): Connecting {
  return { status: 'connecting', attempt, afterRefresh };
}

/** Whether the connection wants to be connected, so page events concern it. */
function active(state: ConnectionStatus): boolean {
  return state.status !== 'stopped' && !(state.status === 'idle' && !state.suspended);
}

function closeError(code: number, reason: string, frame: ErrorFrame | null): ParlorError {
  if (frame) return new ParlorError(frame.code, frame.message, frame.retryAfterMs);
  const detail = reason ? `${code} ${reason}` : String(code);
  return new ParlorError(CLOSE_ERRORS[code] ?? 'network', `the connection closed (${detail})`);
}

/**
 * One visitor WebSocket to a Parlor server's `/v1/connect`, kept alive: it says `hello` first on every
 * socket, reconnects with full-jitter exponential backoff (at once when the browser comes back online or
 * the page is shown again), pings to find half-open sockets, closes cleanly on `pagehide` so the page
 * can enter the back/forward cache, and honours the server's close codes (retry, refresh the
 * credential, or stop). It owns no queue: `send()` says whether the frame went out, and the outbox
 * keeps what did not.
 *
 * Each attempt is a partysocket `ReconnectingWebSocket` with its own retries, queue and backoff turned
 * off; it brings the connect timeout and the WebSocket injection, and this class decides when to try.
 * Importing it touches no DOM, so it loads under SSR.
 *
 * @example
 * ```ts
 * const connection = new Connection({
 *   url: 'wss://chat.example.com/v1/connect',
 *   hello: async () => ({ type: 'hello', v: 1, site: 'acme', auth: { mode: 'jwt', jwt: await getToken() } }),
 *   refresh: () => tokenCache.clear(),
 *   onFrame: (frame) => console.log(frame.type),
 *   onStatus: (status) => console.log(status.status),
 * });
 * connection.start();
 * connection.send({ type: 'typing', conversation, on: true }); // false until the welcome
 * ```
 */
export class Connection {
  readonly #options: ConnectionOptions;
  readonly #backoff: Backoff;
  readonly #timers: ConnectionTimers;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #window: EventTarget | null;
  #state: ConnectionStatus = { status: 'idle', suspended: false };

  // Resources that follow the state (TanStack keeps its retryer beside the state the same way).
  #socket: ReconnectingWebSocket | null = null;
  /** The last frame, when it was an `error`: it explains a close that follows at once. */
  #lastError: ErrorFrame | null = null;
  #retryTimer: unknown;
  #pingTimer: unknown;
  #silenceTimer: unknown;

  /**
   * Creates a connection; nothing happens until {@link Connection.start}.
   *
   * @param options - Where to connect, how to say hello, and where frames and status go.
   */
  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#timers = options.timers ?? DEFAULT_TIMERS;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#window =
      options.window !== undefined
        ? options.window
        : typeof (globalThis as Partial<EventTarget>).addEventListener === 'function'
          ? (globalThis as unknown as EventTarget)
          : null;
  }

  /** The current status: an immutable value, replaced (never changed) on every transition. */
  get status(): ConnectionStatus {
    return this.#state;
  }

  /** Starts connecting, unless already connected or trying. After `stopped`, tries again. */
  start(): void {
    this.#dispatch({ type: 'start' });
  }

  /** Closes the socket with 1000 and stops reconnecting until the next {@link Connection.start}. */
  stop(): void {
    this.#dispatch({ type: 'stop' });
  }

  /**
   * Drops the current socket or wait and connects again at once with a fresh `hello`, e.g. after the
   * visitor's identity changed.
   */
  reconnectNow(): void {
    this.#dispatch({ type: 'reconnect' });
  }

  /**
   * Sends a frame on the open session. Returns false, and sends nothing, unless the `welcome` has
   * arrived and the socket is open: nothing is queued here.
   */
  send(frame: ClientFrame): boolean {
    if (this.#state.status !== 'open' || !this.#socket) return false;
    return this.#socket.send(JSON.stringify(frame));
  }

  #dispatch(action: Action): void {
    const prev = this.#state;
    const next = reduce(prev, action, this.#backoff);
    if (next === prev) return;
    this.#state = next;
    this.#apply(prev, next, action);
    // Last, so a listener that calls back into the connection sees a settled machine.
    this.#call(() => this.#options.onStatus?.(next));
  }

  /** Brings sockets, timers and listeners in line with a transition. Never dispatches synchronously. */
  #apply(prev: ConnectionStatus, next: ConnectionStatus, action: Action): void {
    const keepsSocket = next.status === 'open' && (prev.status === 'connecting' || prev.status === 'open');
    if (!keepsSocket) this.#dropSocket(action.type);
    if (prev.status === 'waiting') this.#timers.clearTimeout(this.#retryTimer);
    if (next.status === 'waiting')
      this.#retryTimer = this.#timers.setTimeout(() => this.#dispatch({ type: 'retry' }), next.retryInMs);
    if (next.status === 'open' && prev.status !== 'open') this.#schedulePing(next.welcome);
    if (next.status === 'connecting') void this.#attempt(next);
    if (active(next) !== active(prev)) {
      for (const type of ['online', 'pageshow', 'pagehide', 'visibilitychange']) {
        if (active(next)) this.#window?.addEventListener(type, this.#onPageEvent);
        else this.#window?.removeEventListener(type, this.#onPageEvent);
      }
    }
  }

  async #attempt(state: Connecting): Promise<void> {
    const current = () => this.#state === state;
    if (state.afterRefresh) {
      try {
        await this.#options.refresh?.();
      } catch (cause) {
        const error = new ParlorError('token_expired', 'the credential expired and refresh() failed', undefined, {
          cause,
        });
        if (current()) this.#dispatch({ type: 'give-up', error });
        return;
      }
      if (!current()) return;
    }
    let url: string;
    let hello: HelloFrame;
    try {
      const provider = this.#options.url;
      [url, hello] = await Promise.all([typeof provider === 'string' ? provider : provider(), this.#options.hello()]);
    } catch (cause) {
      const error = new ParlorError('network', 'could not prepare the connection (url or hello failed)', undefined, {
        cause,
      });
      if (current()) this.#lost(null, error);
      return;
    }
    if (!current()) return;
    const WebSocketClass = this.#options.WebSocket ?? globalThis.WebSocket;
    if (typeof WebSocketClass !== 'function') {
      const error = new ParlorError('invalid_options', 'no WebSocket here: pass the WebSocket option');
      this.#dispatch({ type: 'give-up', error });
      return;
    }
    // One partysocket per attempt, with its own retrying and queue off: this class schedules attempts
    // (partysocket's schedule has no jitter and retries the first time after 0 ms), the outbox queues.
    const socket = new ReconnectingWebSocket(url, undefined, {
      WebSocket: WebSocketClass,
      maxRetries: 0,
      maxEnqueuedMessages: 0,
      connectionTimeout: this.#options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    });
    this.#socket = socket;
    this.#lastError = null;
    socket.onopen = () => {
      if (socket !== this.#socket) return;
      socket.send(JSON.stringify(hello));
      this.#expectAnswer();
    };
    socket.onmessage = (event) => this.#onMessage(socket, event);
    // The on* handlers get partysocket's own event objects; its re-dispatched copies of synthetic
    // closes lose the code in browsers (it clones them with the wrong constructor arguments).
    socket.onclose = (event) => {
      if (socket !== this.#socket) return;
      const code = typeof event.code === 'number' ? event.code : 1006;
      this.#lost(code, closeError(code, typeof event.reason === 'string' ? event.reason : '', this.#lastError));
    };
    // Failures normally arrive as a close first; an error with no close (the constructor threw) ends the attempt too.
    socket.onerror = () => {
      if (socket === this.#socket) this.#lost(1006, new ParlorError('network', 'the connection failed'));
    };
  }

  #onMessage(socket: ReconnectingWebSocket, event: MessageEvent): void {
    if (socket !== this.#socket) return;
    // Anything at all from the server proves the socket is alive.
    this.#timers.clearTimeout(this.#silenceTimer);
    this.#silenceTimer = undefined;
    if (typeof event.data !== 'string') {
      this.#protocolError(new ParlorError('bad_frame', 'binary frames are not part of the protocol'));
      return;
    }
    const result = parseFrame(serverFrameSchema, event.data, this.#options.maxFrameBytes ?? MAX_FRAME_BYTES);
    if (!result.ok) {
      this.#protocolError(new ParlorError(result.code, result.message));
      return;
    }
    const frame = result.frame;
    this.#lastError = frame.type === 'error' ? frame : null;
    if (frame.type === 'welcome') this.#dispatch({ type: 'welcome', welcome: frame, at: this.#now() });
    // Before the welcome only errors matter, and they are kept to explain the close that follows.
    if (this.#state.status === 'open' && socket === this.#socket) this.#call(() => this.#options.onFrame(frame));
  }

  #lost(closeCode: number | null, error: ParlorError): void {
    this.#dispatch({ type: 'lost', closeCode, error, at: this.#now(), jitter: this.#random() });
  }

  #protocolError(error: ParlorError): void {
    this.#call(() => this.#options.onProtocolError?.(error));
  }

  #dropSocket(reason: string): void {
    this.#timers.clearTimeout(this.#pingTimer);
    this.#timers.clearTimeout(this.#silenceTimer);
    this.#silenceTimer = undefined;
    const socket = this.#socket;
    if (!socket) return;
    this.#socket = null;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    // 1000 tells the server this was deliberate; on a half-open socket it reaches no one, which is fine.
    socket.close(CLOSE_CODES.normal, reason);
  }

  #schedulePing(welcome: WelcomeFrame): void {
    const interval = this.#options.pingIntervalMs ?? welcome.limits.pingIntervalMs;
    this.#pingTimer = this.#timers.setTimeout(() => {
      this.#ping();
      this.#schedulePing(welcome);
    }, interval);
  }

  /** Sends a ping and expects some frame back within the grace period. */
  #ping(): void {
    if (this.send({ type: 'ping', t: this.#now() })) this.#expectAnswer();
  }

  #expectAnswer(): void {
    // An earlier unanswered ping keeps its deadline: a steady trickle of pings must not postpone it.
    if (this.#silenceTimer !== undefined) return;
    this.#silenceTimer = this.#timers.setTimeout(() => {
      this.#silenceTimer = undefined;
      this.#lost(null, new ParlorError('network', 'the server stopped answering (half-open connection)'));
    }, this.#options.pongTimeoutMs ?? PONG_TIMEOUT_MS);
  }

  readonly #onPageEvent = (event: Event): void => {
    switch (event.type) {
      case 'pagehide':
        // Closing (with 1000) lets the page enter the back/forward cache; pageshow brings it back.
        this.#dispatch({ type: 'suspend' });
        return;
      case 'visibilitychange':
        if ((event.target as { visibilityState?: unknown } | null)?.visibilityState === 'hidden') return;
        break;
    }
    // Back online, shown or visible: a waiting connection retries now; an open one checks it is alive,
    // since a network change or a long sleep often leaves a socket that only looks open.
    if (this.#state.status === 'open') this.#ping();
    else this.#dispatch({ type: 'wake' });
  };

  /** Runs a callback of the embedder; its exceptions surface as uncaught errors without breaking the machine. */
  #call(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

/** The part of a {@link ConnectionStatus} a UI shows (and that tabs relay to each other). */
export function connectionView(status: ConnectionStatus): ConnectionView {
  switch (status.status) {
    case 'idle':
      return { status: 'idle' };
    case 'connecting':
      return { status: 'connecting', attempt: status.attempt };
    case 'waiting':
      return { status: 'waiting', attempt: status.attempt, retryInMs: status.retryInMs };
    case 'open':
      return { status: 'open', since: status.since };
    case 'stopped':
      return { status: 'stopped', code: status.error.code, message: status.error.message };
  }
}
