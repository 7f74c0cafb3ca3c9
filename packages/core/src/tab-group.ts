/**
 * The browser APIs a tab group uses, injectable so tests (and Node or SSR, where they do not exist) need
 * no shims. Leave a field out for the browser's own; pass `null` to mean "missing here".
 */
export interface TabGroupEnvironment {
  /**
   * The Web Locks manager that elects the leader. Defaults to `navigator.locks`, which browsers expose
   * only in secure contexts (https, localhost): on plain http every tab is its own leader.
   */
  locks?: LockManager | null;
  /** The constructor of the channel the tabs talk over. Defaults to the global `BroadcastChannel`. */
  BroadcastChannel?: typeof BroadcastChannel | null;
  /**
   * Where `pagehide` and `pageshow` are heard, so a tab leaving for the back/forward cache gives up
   * leadership and asks again on return. Defaults to `window`; `null` listens for neither.
   */
  pageEvents?: EventTarget | null;
}

/**
 * One tab's membership of a tab group: the tabs of one browser that share a name elect one leader with
 * Web Locks and talk over BroadcastChannel. See {@link joinTabGroup}.
 */
export interface TabGroup<M> {
  /**
   * True while this tab holds the group's lock. When uncoordinated, true from just after joining until
   * the tab closes the group or its page is hidden.
   */
  readonly isLeader: boolean;
  /** Resolves when this tab first becomes leader (never, if another tab keeps it); mostly for tests. */
  readonly leadership: Promise<void>;
  /**
   * Calls `listener` with `true` when this tab becomes leader and with `false` when it gives leadership
   * up (through {@link TabGroup.close}, on `pagehide`, or when another script takes the lock with
   * `steal: true`). Returns the unsubscribe function.
   */
  onLeaderChange(listener: (isLeader: boolean) => void): () => void;
  /**
   * Sends `message` to every other tab of the group, never to this one. It must be structured-cloneable
   * (a `DataCloneError` is thrown otherwise). Does nothing when uncoordinated or closed.
   */
  post(message: M): void;
  /** Calls `listener` with every message another tab posts. Returns the unsubscribe function. */
  onMessage(listener: (message: M) => void): () => void;
  /**
   * Whether the tabs coordinate: both Web Locks and BroadcastChannel are present and the browser grants
   * locks here. When false, every tab is its own leader and posts go nowhere. It can turn false after
   * joining if the browser refuses the lock (opaque origins such as sandboxed iframes).
   */
  readonly coordinated: boolean;
  /** Leaves the group: gives up leadership (the next tab in line takes over) and closes the channel. */
  close(): void;
}

/**
 * Web Locks reserves names that start with "-", and the client takes other locks on the same origin
 * (around the outbox flush): a prefix keeps a group's lock and channel clear of both.
 */
const PREFIX = 'tab-group:';

/** One lock request, from asking to giving back. */
interface Claim {
  readonly controller: AbortController;
  /** Set once the lock is granted: resolving it ends the lock callback, which releases the lock. */
  release?: () => void;
}

/** Calls every listener, so that one that throws neither skips the others nor reaches the lock callback. */
function notify<T>(listeners: ReadonlySet<(value: T) => void>, value: T): void {
  for (const listener of [...listeners]) {
    try {
      listener(value);
    } catch (error) {
      // A throw inside the lock callback would release the lock; report it the way the page reports
      // any uncaught error instead.
      if (typeof reportError === 'function') reportError(error);
      else console.error(error);
    }
  }
}

class TabGroupMember<M> implements TabGroup<M> {
  readonly #lockName: string;
  readonly #locks: LockManager | null;
  readonly #pageEvents: EventTarget | null;
  #channel: BroadcastChannel | null = null;
  #coordinated: boolean;
  #isLeader = false;
  #closed = false;
  /** True between `pagehide` and `pageshow`: a frozen tab cannot serve the others, so it does not lead. */
  #hidden = false;
  /** The lock request queued or held, if any. */
  #claim: Claim | undefined;
  readonly #leadership: Promise<void>;
  #resolveLeadership: () => void = () => undefined;
  readonly #leaderListeners = new Set<(isLeader: boolean) => void>();
  readonly #messageListeners = new Set<(message: M) => void>();

  constructor(name: string, env: TabGroupEnvironment) {
    this.#lockName = PREFIX + name;
    this.#leadership = new Promise<void>((resolve) => {
      this.#resolveLeadership = resolve;
    });
    this.#locks = env.locks === undefined ? (globalThis.navigator?.locks ?? null) : env.locks;
    const Channel = env.BroadcastChannel === undefined ? (globalThis.BroadcastChannel ?? null) : env.BroadcastChannel;
    this.#pageEvents = env.pageEvents === undefined ? (typeof window === 'undefined' ? null : window) : env.pageEvents;
    // One API without the other is no use: a follower that cannot reach the leader, or tabs that can
    // talk but not agree who leads. Either way each tab runs alone, and opens no channel, so tabs that
    // each hold their own connection never hear each other's traffic twice.
    this.#coordinated = this.#locks !== null && Channel !== null;
    if (this.#coordinated && Channel !== null) {
      this.#channel = new Channel(this.#lockName);
      this.#channel.addEventListener('message', this.#handleMessage);
    }
    this.#pageEvents?.addEventListener('pagehide', this.#handlePageHide);
    this.#pageEvents?.addEventListener('pageshow', this.#handlePageShow);
    this.#lead();
  }

  get isLeader(): boolean {
    return this.#isLeader;
  }

  get leadership(): Promise<void> {
    return this.#leadership;
  }

  get coordinated(): boolean {
    return this.#coordinated;
  }

  onLeaderChange(listener: (isLeader: boolean) => void): () => void {
    this.#leaderListeners.add(listener);
    return () => this.#leaderListeners.delete(listener);
  }

  post(message: M): void {
    this.#channel?.postMessage(message);
  }

  onMessage(listener: (message: M) => void): () => void {
    this.#messageListeners.add(listener);
    return () => this.#messageListeners.delete(listener);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pageEvents?.removeEventListener('pagehide', this.#handlePageHide);
    this.#pageEvents?.removeEventListener('pageshow', this.#handlePageShow);
    this.#stepDown();
    this.#channel?.close();
    this.#channel = null;
    this.#leaderListeners.clear();
    this.#messageListeners.clear();
  }

  /** Becomes leader, or queues for the lock when coordinated. */
  #lead(): void {
    if (this.#coordinated) this.#request();
    // Asynchronously even when alone, so a listener added right after joining hears `true` either way.
    else queueMicrotask(() => this.#becomeLeaderAlone());
  }

  #becomeLeaderAlone(): void {
    if (!this.#closed && !this.#hidden && !this.#coordinated) this.#setLeader(true);
  }

  #request(): void {
    const locks = this.#locks;
    if (locks === null) return;
    const claim: Claim = { controller: new AbortController() };
    this.#claim = claim;
    const granted = (): Promise<void> => {
      // The browser may have granted the lock just as this tab withdrew the request: hand it straight on.
      if (this.#claim !== claim) return Promise.resolve();
      return new Promise<void>((release) => {
        claim.release = release;
        this.#setLeader(true);
      });
    };
    let request: Promise<unknown>;
    try {
      // The callback's promise settles only when this tab steps down; if the tab closes or crashes
      // first, the browser releases the lock itself and grants it to the next request in line.
      request = locks.request(this.#lockName, { mode: 'exclusive', signal: claim.controller.signal }, granted);
    } catch (error) {
      request = Promise.reject(error);
    }
    request.catch(() => {
      // Rejected because this tab withdrew the request: nothing more to do.
      if (this.#claim !== claim) return;
      this.#claim = undefined;
      if (claim.release !== undefined) {
        // Held, then taken by someone's `steal: true`: step down and queue again.
        this.#setLeader(false);
        if (!this.#closed && !this.#hidden) this.#request();
        return;
      }
      // Never granted: the browser refuses locks here (an opaque origin), so run alone.
      this.#coordinated = false;
      this.#channel?.close();
      this.#channel = null;
      this.#becomeLeaderAlone();
    });
  }

  /** Gives up leadership, or withdraws from the queue. */
  #stepDown(): void {
    const claim = this.#claim;
    this.#claim = undefined;
    // Listeners drop what the leader holds (the socket) before the lock can pass to another tab.
    this.#setLeader(false);
    if (claim === undefined) return;
    if (claim.release !== undefined) claim.release();
    else claim.controller.abort();
  }

  #setLeader(isLeader: boolean): void {
    if (this.#isLeader === isLeader) return;
    this.#isLeader = isLeader;
    if (isLeader) this.#resolveLeadership();
    notify(this.#leaderListeners, isLeader);
  }

  readonly #handleMessage = (event: MessageEvent): void => {
    // The message's shape is the caller's contract (M), checked where it is used.
    notify(this.#messageListeners, event.data as M);
  };

  // Any pagehide, not only `persisted` ones: on a real unload the lock would go anyway, and stepping
  // down explicitly tells the listeners in time to drop the socket.
  readonly #handlePageHide = (): void => {
    if (this.#closed || this.#hidden) return;
    this.#hidden = true;
    this.#stepDown();
  };

  // Only after a pagehide: the `pageshow` of a first load finds this tab already queued or leading.
  readonly #handlePageShow = (): void => {
    if (this.#closed || !this.#hidden) return;
    this.#hidden = false;
    this.#lead();
  };
}

/**
 * Joins the tab group called `name`: the tabs of this browser (and origin) that join the same name elect
 * one leader through an exclusive Web Lock named `tab-group:<name>`, and talk over a BroadcastChannel of
 * the same name. Only the leader should hold what there must be one of, such as the socket; the others
 * reach it with {@link TabGroup.post}. When the leader closes, crashes or leaves for the back/forward
 * cache, the browser passes the lock to the next tab in line within milliseconds. Where Web Locks or
 * BroadcastChannel are missing, every tab is its own leader ({@link TabGroup.coordinated} is false).
 *
 * Joining twice on one page with the same name behaves like two tabs; different names are independent
 * groups. Nothing is read from the page until this is called, so the module imports safely in Node.
 *
 * @example
 * ```ts
 * type Relay = { kind: 'send'; text: string } | { kind: 'frame'; frame: unknown };
 * const group = joinTabGroup<Relay>(`parlor:${visitorId}`);
 * group.onLeaderChange((isLeader) => (isLeader ? openSocket() : closeSocket()));
 * group.onMessage((message) => {
 *   if (message.kind === 'send' && group.isLeader) socketSend(message.text);
 *   if (message.kind === 'frame') applyFrame(message.frame);
 * });
 * // A follower asks the leader to send; the leader relays what the server says to everyone.
 * if (!group.isLeader) group.post({ kind: 'send', text: 'Hello' });
 * // When the chat is torn down (the tab closing releases the lock by itself):
 * group.close();
 * ```
 */
export function joinTabGroup<M>(name: string, env: TabGroupEnvironment = {}): TabGroup<M> {
  return new TabGroupMember<M>(name, env);
}
