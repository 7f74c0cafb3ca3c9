/** The usage events a site may count, once the visitor's consent allows it. */
export type AnalyticsEvent = 'load' | 'open' | 'close' | 'message_sent';

/** Most events held before a batch is sent (the server accepts up to 50 per request). */
const MAX_BATCH = 50;
/** How long events wait to be batched together. */
const FLUSH_MS = 5000;

/**
 * Batches widget usage events to `POST /v1/events`. Nothing is queued or sent unless `allowed()` says the
 * visitor consented to analytics (the server also ignores them for a site that has analytics off). Pending
 * events go out with `keepalive` when the page is hidden, so a navigation does not drop them.
 */
export class Analytics {
  #queue: { name: AnalyticsEvent; at: number }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onHide = () => {
    if (document.visibilityState === 'hidden') this.flush();
  };

  constructor(
    private readonly endpoint: string,
    private readonly siteId: string,
    private readonly allowed: () => boolean,
  ) {
    document.addEventListener('visibilitychange', this.#onHide);
  }

  /** Counts one event (dropped without consent). */
  track(name: AnalyticsEvent): void {
    if (!this.allowed()) return;
    this.#queue.push({ name, at: Date.now() });
    if (this.#queue.length >= MAX_BATCH) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Sends what is queued now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const events = this.#queue.splice(0, MAX_BATCH);
    if (!events.length || !this.allowed()) return;
    void fetch(this.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ site: this.siteId, events }),
      keepalive: true,
      credentials: 'omit',
    }).catch(() => undefined); // analytics never disturb the chat
  }

  /** Sends what is left and stops listening. */
  stop(): void {
    this.flush();
    document.removeEventListener('visibilitychange', this.#onHide);
  }
}
