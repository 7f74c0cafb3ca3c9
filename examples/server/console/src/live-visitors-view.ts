import type { LiveVisitor } from '@parlor/core/protocol';
import type { ConsoleIntents } from './console-intents.js';
import type { ConsoleState, ProactiveSend } from './console-store.js';
import { element, setChildren, setText, syncChildren } from './element.js';
import { claimLabel, formatDateTime, formatRelative, visitorLabel } from './formatters.js';
import { definitionList, pageSummary } from './visitor-panel.js';

/** Longest proactive message (from the protocol). */
const MAX_PROACTIVE_LENGTH = 2000;

interface Card {
  live: LiveVisitor;
  send: ProactiveSend | undefined;
  now: number;
}

/** The newest proactive send to each visitor. */
function latestSends(state: ConsoleState): Map<string, ProactiveSend> {
  const latest = new Map<string, ProactiveSend>();
  // Ids are UUIDv7, so map order (insertion) and id order agree; the last one wins.
  for (const send of state.proactive.values()) latest.set(send.visitor, send);
  return latest;
}

function sendStatus(send: ProactiveSend | undefined): string {
  if (!send) return '';
  if (send.status === 'sending') return 'Sending…';
  if (send.status === 'sent') return 'Sent.';
  return `Not sent: ${send.error ?? 'unknown error'}`;
}

/** The "Live visitors" section: who is on the sites now, with a proactive message form each. */
export class LiveVisitorsView {
  readonly element: HTMLElement;
  readonly #intents: ConsoleIntents;
  readonly #heading: HTMLElement;
  readonly #list: HTMLUListElement;
  readonly #empty: HTMLElement;

  constructor(intents: ConsoleIntents) {
    this.#intents = intents;
    this.#heading = element('h2', { id: 'visitors-heading' }, 'Live visitors');
    this.#list = element('ul', { className: 'visitor-list' });
    this.#empty = element('p', { className: 'empty' }, 'No visitors on your sites right now.');
    this.element = element(
      'section',
      { className: 'visitors', attrs: { 'aria-labelledby': 'visitors-heading' } },
      this.#heading,
      this.#empty,
      this.#list,
    );
  }

  /** Renders the live visitors; `now` is the server-corrected clock. */
  render(state: ConsoleState, now: number): void {
    setText(this.#heading, `Live visitors (${state.visitors.length})`);
    this.#empty.hidden = state.visitors.length > 0;
    const sends = latestSends(state);
    const cards: Card[] = state.visitors.map((live) => ({ live, send: sends.get(live.visitor.id), now }));
    syncChildren(
      this.#list,
      cards,
      (card) => card.live.visitor.id,
      (card) => this.#createCard(card.live.visitor.id),
      (node, card) => this.#updateCard(node, card),
    );
  }

  #createCard(visitorId: string): HTMLElement {
    const inputId = `proactive-${visitorId}`;
    const input = element('input', {
      id: inputId,
      className: 'proactive-text',
      attrs: { type: 'text', maxlength: MAX_PROACTIVE_LENGTH, autocomplete: 'off', required: true },
    });
    const form = element(
      'form',
      {
        className: 'proactive',
        attrs: { novalidate: true },
        on: {
          submit: (event) => {
            event.preventDefault();
            const text = input.value.trim();
            if (!text) {
              input.focus();
              return;
            }
            this.#intents.sendProactive(visitorId, text);
            input.value = '';
          },
        },
      },
      element('label', { className: 'proactive-label', attrs: { for: inputId } }, 'Send proactive message'),
      element('div', { className: 'inline' }, input, element('button', { attrs: { type: 'submit' } }, 'Send')),
      element('p', { className: 'status proactive-status', attrs: { role: 'status' } }),
    );
    return element(
      'li',
      { className: 'visitor-card' },
      element('h3', { className: 'visitor-name' }),
      element('div', { className: 'visitor-facts' }),
      element('button', {
        className: 'open-conversation',
        attrs: { type: 'button', hidden: true },
      }),
      form,
    );
  }

  #updateCard(node: HTMLElement, { live, send, now }: Card): void {
    const name = visitorLabel(live.visitor);
    const heading = node.querySelector('.visitor-name');
    if (heading) setText(heading, name);
    const label = node.querySelector('.proactive-label');
    if (label) setText(label, `Send proactive message to ${name}`);
    const facts = node.querySelector('.visitor-facts');
    if (facts instanceof HTMLElement) {
      const since = element(
        'time',
        { attrs: { datetime: new Date(live.connectedAt).toISOString(), title: formatDateTime(live.connectedAt) } },
        formatRelative(live.connectedAt, now),
      );
      setChildren(
        facts,
        definitionList([
          ['Site', live.site],
          [claimLabel('Email', live.visitor), live.visitor.email],
          ['User id', live.visitor.userId],
          ['Page', live.page ? pageSummary(live.page) : undefined],
          ['Connected', since],
        ]),
      );
    }
    const open = node.querySelector('.open-conversation');
    if (open instanceof HTMLButtonElement) {
      const conversation = live.conversation;
      open.hidden = conversation === undefined;
      setText(open, `Open conversation with ${name}`);
      open.onclick = conversation === undefined ? null : () => this.#intents.openConversation(conversation);
    }
    const status = node.querySelector('.proactive-status');
    if (status) setText(status, sendStatus(send));
    status?.classList.toggle('error-text', send?.status === 'failed');
  }
}
