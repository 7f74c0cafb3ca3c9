/**
 * Origin allowlists. A pattern is an exact origin (`https://shop.example`) or one with a leading
 * `*.` wildcard for any subdomain (`https://*.myshopify.com` matches `https://a.myshopify.com` but not
 * `https://myshopify.com` or `https://a.myshopify.com.evil.test`). Scheme and port must match exactly.
 * An allowlist stops casual embedding on other sites; it is not identity (any non-browser client can
 * send any Origin), so a valid credential is always required as well.
 */
export function originAllowed(origin: string | undefined, patterns: readonly string[]): boolean {
  if (!origin) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin) return false; // reject anything that is not a bare origin
  return patterns.some((pattern) => {
    if (pattern === origin) return true;
    const match = /^(https?):\/\/\*\.([^/:]+)(:\d+)?$/.exec(pattern);
    if (!match) return false;
    const [, scheme, domain, port = ''] = match;
    return (
      url.protocol === `${scheme}:` && url.hostname.endsWith(`.${domain}`) && (url.port ? `:${url.port}` : '') === port
    );
  });
}

/** Where an Origin was refused, for the log line. */
export type OriginCheckpoint = 'upgrade' | 'hello' | 'upload' | 'events' | 'preflight';

/** Pairs remembered for log throttling before the memory is cleared. */
const MAX_REMEMBERED = 1000;
/** One log line per (site, origin) per this long; the line says how many refusals it stands for. */
const LOG_EVERY_MS = 60_000;

/** An Origin as logs and metrics carry it: a bare origin (at most 100 characters), `invalid`, or `none`. */
export function originLabel(origin: string | undefined): string {
  if (!origin) return 'none';
  try {
    const url = new URL(origin);
    if (url.origin === origin) return origin.slice(0, 100);
  } catch {
    // not a URL
  }
  return 'invalid';
}

/**
 * Checks Origins against allowlists and reports every refusal: counted in
 * `parlor_origin_refused_total{site,origin}` and logged as `origin refused` with the origin, the site and
 * where (at most one line per pair a minute, with the count since the last line, so refusals cannot flood
 * the log).
 *
 * @example
 * ```ts
 * if (!hub.origins.allowed(req.headers.origin, site, 'upload')) return fail(res, 403, 'forbidden_origin', '…');
 * ```
 */
export class OriginGuard {
  readonly #sites: () => Iterable<{ id: string; allowedOrigins: readonly string[] }>;
  readonly #report: (site: string, origin: string) => void;
  readonly #log: { warn(msg: string, fields: Record<string, string | number>): void };
  readonly #now: () => number;
  readonly #lastLogged = new Map<string, { at: number; since: number }>();

  constructor(options: {
    sites: () => Iterable<{ id: string; allowedOrigins: readonly string[] }>;
    report: (site: string, origin: string) => void;
    log: { warn(msg: string, fields: Record<string, string | number>): void };
    now: () => number;
  }) {
    this.#sites = options.sites;
    this.#report = options.report;
    this.#log = options.log;
    this.#now = options.now;
  }

  /**
   * True when `origin` is allowed by `site` (or, for `site` null, by any configured site); otherwise
   * the refusal is counted and logged, and false returned.
   */
  allowed(
    origin: string | undefined,
    site: { id: string; allowedOrigins: readonly string[] } | null,
    where: OriginCheckpoint,
  ): boolean {
    const ok = site
      ? originAllowed(origin, site.allowedOrigins)
      : [...this.#sites()].some((s) => originAllowed(origin, s.allowedOrigins));
    if (!ok) this.#refused(site?.id ?? '*', originLabel(origin), where);
    return ok;
  }

  #refused(site: string, origin: string, where: OriginCheckpoint): void {
    this.#report(site, origin);
    const key = `${site}\n${origin}`;
    const now = this.#now();
    const last = this.#lastLogged.get(key);
    if (last && now - last.at < LOG_EVERY_MS) {
      last.since++;
      return;
    }
    if (!last && this.#lastLogged.size >= MAX_REMEMBERED) this.#lastLogged.clear();
    this.#lastLogged.set(key, { at: now, since: 0 });
    this.#log.warn('origin refused', { origin, site, where, refused: (last?.since ?? 0) + 1 });
  }
}
