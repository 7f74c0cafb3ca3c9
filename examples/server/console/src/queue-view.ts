import type { ConversationSummary } from '@parlor/core/protocol';
import type { ConsoleIntents } from './console-intents.js';
import { statusCounts, visibleConversations } from './console-selectors.js';
import type { ConsoleState, ConversationStatus } from './console-store.js';
import { element, setText, syncChildren } from './element.js';
import { formatDateTime, formatRelative, visitorLabel } from './formatters.js';
import { createTablist } from './tablist.js';
import type { Tablist } from './tablist.js';

const TABS: readonly { value: ConversationStatus; label: string }[] = [
  { value: 'waiting', label: 'Waiting' },
  { value: 'open', label: 'Open' },
  { value: 'closed', label: 'Closed' },
];

const EMPTY: Record<ConversationStatus, string> = {
  waiting: 'Nobody is waiting.',
  open: 'No open conversations.',
  closed: 'No closed conversations.',
};

interface Row {
  item: ConversationSummary;
  selected: boolean;
  now: number;
}

/** The conversation queue: Waiting / Open / Closed tabs and one button per conversation. */
export class QueueView {
  readonly element: HTMLElement;
  readonly #intents: ConsoleIntents;
  readonly #tabs: Tablist<ConversationStatus>;
  readonly #list: HTMLUListElement;
  readonly #empty: HTMLElement;
  readonly #panel: HTMLElement;

  constructor(intents: ConsoleIntents) {
    this.#intents = intents;
    this.#tabs = createTablist('queue-tab', 'Conversation status', 'queue-panel', TABS, (value) =>
      intents.setFilter(value),
    );
    this.#list = element('ul', { className: 'conversation-list' });
    this.#empty = element('p', { className: 'empty' });
    this.#panel = element(
      'div',
      { id: 'queue-panel', className: 'queue-panel', attrs: { role: 'tabpanel' } },
      this.#list,
      this.#empty,
    );
    this.element = element(
      'section',
      { className: 'queue', attrs: { 'aria-labelledby': 'queue-heading' } },
      element('h2', { id: 'queue-heading' }, 'Queue'),
      this.#tabs.element,
      this.#panel,
    );
  }

  /** Renders the tabs and the rows of the selected one; `now` is the server-corrected clock. */
  render(state: ConsoleState, now: number): void {
    const counts = statusCounts(state);
    this.#tabs.update(state.filter, {
      waiting: `Waiting (${counts.waiting})`,
      open: `Open (${counts.open})`,
      closed: `Closed (${counts.closed})`,
    });
    this.#panel.setAttribute('aria-labelledby', this.#tabs.tabId(state.filter));
    const rows: Row[] = visibleConversations(state).map((item) => ({ item, selected: item.id === state.openId, now }));
    syncChildren(
      this.#list,
      rows,
      (row) => row.item.id,
      (row) => this.#createRow(row.item.id),
      (node, row) => updateRow(node, row),
    );
    this.#empty.hidden = rows.length > 0;
    setText(this.#empty, EMPTY[state.filter]);
  }

  #createRow(id: string): HTMLElement {
    const button = element(
      'button',
      {
        className: 'conversation-row',
        attrs: { type: 'button' },
        on: { click: () => this.#intents.openConversation(id) },
      },
      element('span', { className: 'row-name' }),
      element(
        'span',
        { className: 'badge', attrs: { hidden: true } },
        element('span', { className: 'badge-count' }),
        element('span', { className: 'visually-hidden' }, ' unread'),
      ),
      element('span', { className: 'row-site' }),
      element('time', { className: 'row-time' }),
      element('span', { className: 'row-preview' }),
    );
    return element('li', {}, button);
  }
}

/** Fills a row's parts in place, so a focused row keeps its focus. */
function updateRow(node: HTMLElement, { item, selected, now }: Row): void {
  const part = (name: string): HTMLElement => node.querySelector(`.${name}`) ?? element('span');
  const button = node.querySelector('button');
  if (selected) button?.setAttribute('aria-current', 'true');
  else button?.removeAttribute('aria-current');
  setText(part('row-name'), visitorLabel(item.visitor));
  setText(part('row-site'), item.site);
  const badge = part('badge');
  badge.hidden = item.unread === 0;
  setText(part('badge-count'), item.unread > 99 ? '99+' : String(item.unread));
  const last = item.lastMessage;
  const preview = last
    ? `${last.role === 'visitor' ? '' : `${roleName(last.role)}: `}${last.preview}`
    : 'No messages yet';
  setText(part('row-preview'), preview);
  const at = last?.at ?? item.updatedAt;
  const time = part('row-time');
  setText(time, formatRelative(at, now));
  time.setAttribute('datetime', new Date(at).toISOString());
  time.title = formatDateTime(at);
}

function roleName(role: string): string {
  return role === 'agent' ? 'Agent' : role === 'bot' ? 'Bot' : role === 'system' ? 'System' : 'Visitor';
}
