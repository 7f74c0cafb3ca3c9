/**
 * The server's metrics, exposed at `GET /metrics` in the Prometheus text format: connections, frames in
 * and out, errors by code, and the relay latency histogram (from a `send` arriving to the `message`
 * frame leaving for the other side).
 */
const LATENCY_BUCKETS_MS = [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500];
/**
 * Distinct (site, origin) label pairs kept for refused origins. Origins are chosen by whoever connects, so
 * past this many pairs further refusals are counted under `origin="other"`: the exposition stays bounded.
 */
export const MAX_ORIGIN_LABELS = 100;

/** A label value as the text format needs it: backslash, quote and newline escaped. */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Mutable counters the server updates. */
export class Metrics {
  readonly connections = { visitor: 0, agent: 0 };
  framesIn = 0;
  framesOut = 0;
  messagesStored = 0;
  readonly errors = new Map<string, number>();
  /** Refused origins by `site\norigin` (bounded by {@link MAX_ORIGIN_LABELS}). */
  readonly #refusedOrigins = new Map<string, number>();
  readonly #buckets = new Array<number>(LATENCY_BUCKETS_MS.length).fill(0);
  #latencyCount = 0;
  #latencySum = 0;

  /** Counts an error sent to a client, by code. */
  error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /**
   * Counts a request or socket refused for its Origin. `site` is a configured site id, or `*` where the
   * site is not known yet (the visitor socket's upgrade, a preflight); `origin` as the client sent it, or
   * `none`.
   */
  originRefused(site: string, origin: string): void {
    let key = `${site}\n${origin}`;
    if (!this.#refusedOrigins.has(key) && this.#refusedOrigins.size >= MAX_ORIGIN_LABELS) key = `${site}\nother`;
    this.#refusedOrigins.set(key, (this.#refusedOrigins.get(key) ?? 0) + 1);
  }

  /** Records one relay latency in milliseconds. */
  relayed(ms: number): void {
    this.#latencyCount++;
    this.#latencySum += ms;
    const i = LATENCY_BUCKETS_MS.findIndex((b) => ms <= b);
    if (i >= 0) this.#buckets[i] = (this.#buckets[i] ?? 0) + 1;
  }

  /** The Prometheus text exposition. */
  render(): string {
    const lines = [
      '# HELP parlor_connections Open WebSocket connections.',
      '# TYPE parlor_connections gauge',
      `parlor_connections{kind="visitor"} ${this.connections.visitor}`,
      `parlor_connections{kind="agent"} ${this.connections.agent}`,
      '# HELP parlor_frames_in_total Frames received.',
      '# TYPE parlor_frames_in_total counter',
      `parlor_frames_in_total ${this.framesIn}`,
      '# HELP parlor_frames_out_total Frames sent.',
      '# TYPE parlor_frames_out_total counter',
      `parlor_frames_out_total ${this.framesOut}`,
      '# HELP parlor_messages_stored_total Messages durably stored.',
      '# TYPE parlor_messages_stored_total counter',
      `parlor_messages_stored_total ${this.messagesStored}`,
      '# HELP parlor_errors_total Error frames sent, by code.',
      '# TYPE parlor_errors_total counter',
      ...[...this.errors].map(([code, n]) => `parlor_errors_total{code="${code}"} ${n}`),
      '# HELP parlor_origin_refused_total Requests and sockets refused for their Origin, by site and origin.',
      '# TYPE parlor_origin_refused_total counter',
      ...[...this.#refusedOrigins].map(([key, n]) => {
        const [site = '', origin = ''] = key.split('\n');
        return `parlor_origin_refused_total{site="${label(site)}",origin="${label(origin)}"} ${n}`;
      }),
      '# HELP parlor_relay_latency_ms From a send arriving to the message leaving for the other side.',
      '# TYPE parlor_relay_latency_ms histogram',
    ];
    let cumulative = 0;
    LATENCY_BUCKETS_MS.forEach((le, i) => {
      cumulative += this.#buckets[i] ?? 0;
      lines.push(`parlor_relay_latency_ms_bucket{le="${le}"} ${cumulative}`);
    });
    lines.push(`parlor_relay_latency_ms_bucket{le="+Inf"} ${this.#latencyCount}`);
    lines.push(`parlor_relay_latency_ms_sum ${this.#latencySum}`);
    lines.push(`parlor_relay_latency_ms_count ${this.#latencyCount}`);
    return `${lines.join('\n')}\n`;
  }
}
