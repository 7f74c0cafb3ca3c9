import { statsResponseSchema } from './stats-table.js';
import type { StatsDay } from './stats-table.js';

/** Transcript export formats. */
export type ExportFormat = 'json' | 'csv';

/** Days of analytics the console shows. */
export const STATS_DAYS = 14;

/** Reads the human message of an HTTP error body (`{ code, message }` or `{ error: { code, message } }`). */
async function errorMessage(response: Response): Promise<string> {
  const fallback = `The server answered ${response.status} ${response.statusText}`.trim();
  try {
    const body: unknown = await response.json();
    if (typeof body !== 'object' || body === null) return fallback;
    const nested = 'error' in body && typeof body.error === 'object' && body.error !== null ? body.error : body;
    return 'message' in nested && typeof nested.message === 'string' && nested.message ? nested.message : fallback;
  } catch {
    return fallback;
  }
}

/** The plain `filename="…"` of a Content-Disposition header, reduced to safe characters; null without one. */
export function attachmentFilename(header: string | null): string | null {
  const match = header ? /(?:^|;)\s*filename=(?:"([^"]*)"|([^;\s]*))/i.exec(header) : null;
  const name = (match?.[1] ?? match?.[2])?.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
  return name ? name.slice(0, 200) : null;
}

/** Saves a blob as a file: a blob URL on a temporary `<a download>`, revoked once the download started. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename;
  anchor.hidden = true;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The console's HTTP calls to `/v1/agent/…`, authorised with the agent token as a bearer token. */
export class AgentApi {
  readonly #token: string;
  readonly #origin: string;

  constructor(token: string, origin: string = location.origin) {
    this.#token = token;
    this.#origin = origin;
  }

  async #get(path: string, accept: string): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.#origin), {
        headers: { authorization: `Bearer ${this.#token}`, accept },
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      throw new Error('Could not reach the server.');
    }
    if (!response.ok) throw new Error(await errorMessage(response));
    return response;
  }

  /** Downloads a conversation's transcript as a JSON or CSV file. */
  async exportTranscript(conversation: string, format: ExportFormat): Promise<void> {
    const accept = format === 'json' ? 'application/json' : 'text/csv';
    const response = await this.#get(
      `/v1/agent/conversations/${encodeURIComponent(conversation)}/transcript.${format}`,
      accept,
    );
    const blob = await response.blob();
    const fallback = `transcript-${conversation.replace(/[^A-Za-z0-9_-]/g, '')}.${format}`;
    saveBlob(blob, attachmentFilename(response.headers.get('content-disposition')) ?? fallback);
  }

  /** Daily analytics counts of a site for the last `days` days. */
  async stats(site: string, days: number = STATS_DAYS): Promise<StatsDay[]> {
    const params = new URLSearchParams({ site, days: String(days) });
    const response = await this.#get(`/v1/agent/stats?${params.toString()}`, 'application/json');
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new Error('The server sent stats that are not JSON.');
    }
    const parsed = statsResponseSchema.safeParse(body);
    if (!parsed.success) throw new Error('The server sent stats in an unexpected shape.');
    return parsed.data.days;
  }
}
