import type { ConsoleIntents } from './console-intents.js';
import type { AgentPresence, ConsoleState, MyPresence } from './console-store.js';
import { element, setText, syncChildren } from './element.js';

const STATUS_LABELS: Record<AgentPresence['status'], string> = { online: 'Online', away: 'Away', offline: 'Offline' };

/** This agent's Online / Away switch and the list of the other agents with their status. */
export class PresenceView {
  readonly element: HTMLElement;
  readonly #radios: Record<MyPresence, HTMLInputElement>;
  readonly #others: HTMLUListElement;
  readonly #none: HTMLElement;

  constructor(intents: ConsoleIntents) {
    const radio = (value: MyPresence) =>
      element('input', {
        id: `presence-${value}`,
        attrs: { type: 'radio', name: 'presence', value },
        on: { change: () => intents.setPresence(value) },
      });
    this.#radios = { online: radio('online'), away: radio('away') };
    this.#others = element('ul', { className: 'agents', attrs: { 'aria-label': 'Other agents' } });
    this.#none = element('p', { className: 'hint' }, 'No other agents signed in.');
    this.element = element(
      'div',
      { className: 'presence' },
      element(
        'fieldset',
        { className: 'presence-switch' },
        element('legend', {}, 'Your status'),
        element(
          'span',
          { className: 'choice' },
          this.#radios.online,
          element('label', { attrs: { for: 'presence-online' } }, 'Online'),
        ),
        element(
          'span',
          { className: 'choice' },
          this.#radios.away,
          element('label', { attrs: { for: 'presence-away' } }, 'Away'),
        ),
      ),
      element('h2', { className: 'agents-heading' }, 'Agents'),
      this.#others,
      this.#none,
    );
  }

  /** Renders the switch and the other agents. */
  render(state: ConsoleState): void {
    this.#radios.online.checked = state.myPresence === 'online';
    this.#radios.away.checked = state.myPresence === 'away';
    const others = state.agents.filter((a) => a.id !== state.agent?.id);
    this.#none.hidden = others.length > 0;
    syncChildren(
      this.#others,
      others,
      (agent) => agent.id,
      () =>
        element(
          'li',
          {},
          element('span', { className: 'dot', attrs: { 'aria-hidden': 'true' } }),
          element('span', { className: 'agent-name' }),
          element('span', { className: 'agent-status' }),
        ),
      (node, agent) => {
        node.className = `agent agent--${agent.status}`;
        const name = node.querySelector('.agent-name');
        const status = node.querySelector('.agent-status');
        if (name) setText(name, agent.name);
        if (status) setText(status, ` — ${STATUS_LABELS[agent.status]}`);
      },
    );
  }
}
