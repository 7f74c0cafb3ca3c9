import type {
  Cart,
  ConversationSummary,
  PageSummary,
  VisitorContext,
  VisitorInfo,
  VisitorSummary,
} from '@parlor/core/protocol';
import type { ExportFormat } from './agent-api.js';
import type { ConsoleIntents } from './console-intents.js';
import { openConversation } from './console-selectors.js';
import type { ConsoleState } from './console-store.js';
import { element, setChildren, setText } from './element.js';
import type { Child } from './element.js';
import { claimLabel, formatDateTime, formatMoney } from './formatters.js';

const MODE_LABELS: Record<VisitorInfo['mode'], string> = {
  anonymous: 'Anonymous',
  identified: 'Identified (site-provided)',
  jwt: 'Verified (signed token)',
};

/** A `<dl>` of label/value pairs; entries with an undefined value are left out. */
export function definitionList(entries: readonly [string, Child | undefined][], className = 'facts'): HTMLElement {
  const list = element('dl', { className });
  for (const [label, value] of entries) {
    if (value === undefined || value === null || value === false || value === '') continue;
    list.append(element('dt', {}, label), element('dd', {}, value));
  }
  return list;
}

/** The visitor's identity as a definition list. */
export function identityList(visitor: VisitorInfo | VisitorSummary): HTMLElement {
  return definitionList([
    ['Mode', MODE_LABELS[visitor.mode]],
    [claimLabel('Name', visitor), visitor.name],
    [claimLabel('Email', visitor), visitor.email],
    ['User id', visitor.userId],
    ['Visitor id', visitor.id],
  ]);
}

/** The visitor's page as text: title, then the URL (never a live link: it is the visitor's claim). */
export function pageSummary(page: NonNullable<VisitorContext['page']> | PageSummary): HTMLElement {
  return element(
    'span',
    { className: 'page' },
    page.title ? element('span', { className: 'page-title' }, page.title) : false,
    element('span', { className: 'page-url' }, page.url),
  );
}

function cartSection(cart: Cart): HTMLElement {
  const items = element(
    'ul',
    { className: 'cart-items' },
    ...cart.items.map((item) =>
      element('li', {}, `${item.quantity} × ${item.title} — ${formatMoney(item.price * item.quantity, cart.currency)}`),
    ),
  );
  return element(
    'div',
    { className: 'cart' },
    element('h4', {}, 'Cart'),
    cart.items.length ? items : element('p', {}, 'Empty'),
    element(
      'p',
      { className: 'cart-total' },
      `Total: ${formatMoney(cart.total, cart.currency)} (${cart.itemCount} ${cart.itemCount === 1 ? 'item' : 'items'})`,
    ),
  );
}

/** Page, cart, attributes and consent as the visitor allowed them to be shared. */
export function contextSection(context: VisitorContext | undefined): HTMLElement[] {
  const parts: HTMLElement[] = [];
  if (!context || (!context.page && !context.cart && !context.attributes && !context.consent)) {
    return [element('p', { className: 'hint' }, 'No context shared.')];
  }
  if (context.page) {
    parts.push(
      definitionList([
        ['Page', pageSummary(context.page)],
        ['Referrer', context.page.referrer],
      ]),
    );
  }
  if (context.cart) parts.push(cartSection(context.cart));
  const attributes = Object.entries(context.attributes ?? {});
  if (attributes.length > 0) {
    parts.push(
      element('h4', {}, 'Attributes'),
      definitionList(
        attributes.map(([key, value]) => [key, value === null ? '—' : String(value)]),
        'facts attributes',
      ),
    );
  }
  if (context.consent) {
    parts.push(
      element('h4', {}, 'Consent'),
      definitionList([
        ['Share page, cart and attributes', context.consent.context ? 'Yes' : 'No'],
        ['Analytics', context.consent.analytics ? 'Yes' : 'No'],
      ]),
    );
  }
  return parts;
}

/** The side panel of the open conversation: who the visitor is, their context, status and export actions. */
export class VisitorPanel {
  readonly element: HTMLElement;
  readonly #intents: ConsoleIntents;
  readonly #body: HTMLElement;
  readonly #actions: HTMLElement;
  readonly #statusButton: HTMLButtonElement;
  readonly #exportStatus: HTMLElement;
  #row: ConversationSummary | undefined;
  #details: ConsoleState['details'];

  constructor(intents: ConsoleIntents) {
    this.#intents = intents;
    this.#body = element('div', { className: 'panel-body' });
    this.#statusButton = element('button', {
      attrs: { type: 'button' },
      on: { click: () => this.#toggleStatus() },
    });
    const exportButton = (format: ExportFormat, label: string) =>
      element('button', { attrs: { type: 'button' }, on: { click: () => void this.#export(format) } }, label);
    this.#exportStatus = element('p', { className: 'status', attrs: { role: 'status' } });
    this.#actions = element(
      'div',
      { className: 'panel-actions' },
      this.#statusButton,
      element(
        'div',
        { className: 'export', attrs: { role: 'group', 'aria-label': 'Export transcript' } },
        element('span', { className: 'export-label', attrs: { 'aria-hidden': 'true' } }, 'Export:'),
        exportButton('json', 'Transcript JSON'),
        exportButton('csv', 'Transcript CSV'),
      ),
      this.#exportStatus,
    );
    this.element = element(
      'aside',
      { className: 'visitor-panel', attrs: { 'aria-labelledby': 'visitor-heading' } },
      element('h2', { id: 'visitor-heading' }, 'Visitor'),
      this.#body,
      this.#actions,
    );
  }

  /** Renders the open conversation's visitor, or hides the actions when none is open. */
  render(state: ConsoleState): void {
    const row = openConversation(state);
    this.#actions.hidden = row === undefined;
    if (row === this.#row && state.details === this.#details) return;
    if (row?.id !== this.#row?.id) setText(this.#exportStatus, '');
    this.#row = row;
    this.#details = state.details;
    if (!row) {
      setChildren(this.#body, element('p', { className: 'hint' }, 'No conversation open.'));
      return;
    }
    setText(this.#statusButton, row.status === 'closed' ? 'Reopen conversation' : 'Close conversation');
    // The row is a summary; the full identity and context come with `details` (asked for on open).
    const details = state.details?.visitor.id === row.visitor.id ? state.details : undefined;
    setChildren(
      this.#body,
      identityList(details?.visitor ?? row.visitor),
      element('h3', {}, 'Context'),
      ...(details
        ? contextSection(details.context)
        : [
            ...(row.page ? [definitionList([['Page', pageSummary(row.page)]])] : []),
            element('p', { className: 'hint' }, 'Loading details…'),
          ]),
      element('h3', {}, 'Conversation'),
      definitionList([
        ['Site', row.site],
        ['Status', row.status[0]?.toUpperCase() + row.status.slice(1)],
        ['Started', formatDateTime(row.createdAt)],
        ['Last activity', formatDateTime(row.updatedAt)],
      ]),
    );
  }

  #toggleStatus(): void {
    if (!this.#row) return;
    this.#intents.setStatus(this.#row.status === 'closed' ? 'open' : 'closed');
  }

  async #export(format: ExportFormat): Promise<void> {
    setText(this.#exportStatus, `Preparing the ${format.toUpperCase()} export…`);
    try {
      await this.#intents.exportTranscript(format);
      setText(this.#exportStatus, `Transcript ${format.toUpperCase()} downloaded.`);
    } catch (error) {
      setText(this.#exportStatus, `Export failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
