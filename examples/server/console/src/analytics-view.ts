import { STATS_DAYS } from './agent-api.js';
import type { ConsoleIntents } from './console-intents.js';
import type { ConsoleState, StatsState } from './console-store.js';
import { element, setChildren, setText } from './element.js';
import { pivotStats } from './stats-table.js';

const EVENT_LABELS: Record<string, string> = {
  load: 'Widget loads',
  open: 'Chats opened',
  close: 'Chats closed',
  message_sent: 'Messages sent',
};

const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
const countFormat = new Intl.NumberFormat();

/** The analytics section: a site picker, a refresh button and a table of daily event counts. */
export class AnalyticsView {
  readonly element: HTMLElement;
  readonly #site: HTMLSelectElement;
  readonly #refresh: HTMLButtonElement;
  readonly #status: HTMLElement;
  readonly #error: HTMLElement;
  readonly #table: HTMLTableElement;
  #sites: readonly string[] = [];
  #stats: StatsState | undefined;

  constructor(intents: ConsoleIntents) {
    this.#site = element('select', {
      id: 'stats-site',
      on: { change: () => intents.loadStats(this.#site.value) },
    });
    this.#refresh = element(
      'button',
      {
        attrs: { type: 'button' },
        on: {
          click: () => {
            if (this.#site.value) intents.loadStats(this.#site.value);
          },
        },
      },
      'Refresh',
    );
    this.#status = element('p', { className: 'status', attrs: { role: 'status' } });
    this.#error = element('p', { className: 'error-text', attrs: { role: 'alert' } });
    this.#table = element('table', { className: 'stats' });
    this.element = element(
      'section',
      { className: 'analytics', attrs: { 'aria-labelledby': 'analytics-heading' } },
      element('h2', { id: 'analytics-heading' }, 'Analytics'),
      element(
        'div',
        { className: 'toolbar' },
        element('label', { attrs: { for: 'stats-site' } }, 'Site'),
        this.#site,
        this.#refresh,
      ),
      this.#status,
      this.#error,
      element(
        'div',
        { className: 'table-scroll', attrs: { tabindex: 0, 'aria-labelledby': 'analytics-heading' } },
        this.#table,
      ),
    );
  }

  /** Renders the picker and the table. */
  render(state: ConsoleState): void {
    if (state.sites !== this.#sites) {
      this.#sites = state.sites;
      setChildren(this.#site, ...state.sites.map((site) => element('option', { attrs: { value: site } }, site)));
    }
    const stats = state.stats;
    if (stats.site !== undefined && this.#site.value !== stats.site) this.#site.value = stats.site;
    this.#site.disabled = state.sites.length === 0;
    this.#refresh.disabled = stats.status === 'loading' || state.sites.length === 0;
    if (stats === this.#stats) return;
    this.#stats = stats;
    setText(this.#status, stats.status === 'loading' ? 'Loading…' : '');
    setText(this.#error, stats.status === 'error' ? `Could not load analytics: ${stats.error ?? 'unknown error'}` : '');
    this.#table.hidden = stats.status === 'idle' || (stats.status !== 'loaded' && stats.days.length === 0);
    if (!this.#table.hidden) this.#renderTable(stats);
  }

  #renderTable(stats: StatsState): void {
    const table = pivotStats(stats.days, STATS_DAYS);
    const header = (name: string) => element('th', { attrs: { scope: 'col' } }, EVENT_LABELS[name] ?? name);
    setChildren(
      this.#table,
      element('caption', {}, `Events per day on ${stats.site ?? ''}, last ${STATS_DAYS} days (UTC)`),
      element(
        'thead',
        {},
        element('tr', {}, element('th', { attrs: { scope: 'col' } }, 'Day'), ...table.names.map(header)),
      ),
      element(
        'tbody',
        {},
        ...table.rows.map((row) =>
          element(
            'tr',
            {},
            element(
              'th',
              { attrs: { scope: 'row' } },
              element('time', { attrs: { datetime: row.day } }, dayFormat.format(Date.parse(`${row.day}T00:00:00Z`))),
            ),
            ...row.counts.map((count) => element('td', {}, countFormat.format(count))),
          ),
        ),
      ),
      element(
        'tfoot',
        {},
        element(
          'tr',
          {},
          element('th', { attrs: { scope: 'row' } }, 'Total'),
          ...table.totals.map((total) => element('td', {}, countFormat.format(total))),
        ),
      ),
    );
  }
}
