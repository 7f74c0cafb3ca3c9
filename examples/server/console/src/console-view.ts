import { AnalyticsView } from './analytics-view.js';
import type { ConsoleIntents } from './console-intents.js';
import { waitingUnreadCount } from './console-selectors.js';
import type { ConnectionState, ConsoleState, Section } from './console-store.js';
import { ConversationView } from './conversation-view.js';
import { element, setText } from './element.js';
import { LiveVisitorsView } from './live-visitors-view.js';
import { PresenceView } from './presence-view.js';
import { QueueView } from './queue-view.js';
import { SignInView } from './sign-in-view.js';
import { VisitorPanel } from './visitor-panel.js';

/** How often relative times ("5 minutes ago") are refreshed. */
const CLOCK_TICK_MS = 30_000;

const SECTIONS: readonly { value: Section; label: string }[] = [
  { value: 'conversations', label: 'Conversations' },
  { value: 'visitors', label: 'Live visitors' },
  { value: 'analytics', label: 'Analytics' },
];

/** The connection line in the header. */
export function connectionText(connection: ConnectionState): string {
  switch (connection.kind) {
    case 'online':
      return 'Connected';
    case 'connecting':
      return 'Connecting…';
    case 'waiting':
      return `Connection lost (${connection.reason}). Reconnecting…`;
    case 'offline':
      return 'Offline';
  }
}

/** The whole page: the sign-in screen, or the console shell with its sections. Renders with DOM APIs only. */
export class ConsoleView {
  readonly #root: HTMLElement;
  readonly signIn: SignInView;
  readonly conversation: ConversationView;
  readonly #shell: HTMLElement;
  readonly #main: HTMLElement;
  readonly #agentName: HTMLElement;
  readonly #connection: HTMLElement;
  readonly #sound: HTMLInputElement;
  readonly #notice: HTMLElement;
  readonly #noticeText: HTMLElement;
  readonly #navButtons: Map<Section, HTMLButtonElement>;
  readonly #sections: Map<Section, HTMLElement>;
  readonly #queue: QueueView;
  readonly #panel: VisitorPanel;
  readonly #visitors: LiveVisitorsView;
  readonly #analytics: AnalyticsView;
  readonly #presence: PresenceView;
  #state: ConsoleState | undefined;
  #auth: ConsoleState['auth'] | undefined;

  constructor(root: HTMLElement, intents: ConsoleIntents, soundOn: boolean) {
    this.#root = root;
    this.signIn = new SignInView(intents);
    this.#queue = new QueueView(intents);
    this.conversation = new ConversationView(intents);
    this.#panel = new VisitorPanel(intents);
    this.#visitors = new LiveVisitorsView(intents);
    this.#analytics = new AnalyticsView(intents);
    this.#presence = new PresenceView(intents);

    this.#agentName = element('span', { className: 'agent-self' });
    this.#connection = element('p', { className: 'connection', attrs: { role: 'status' } });
    this.#sound = element('input', {
      id: 'sound-toggle',
      attrs: { type: 'checkbox', checked: soundOn },
      on: { change: () => intents.setSound(this.#sound.checked) },
    });
    const header = element(
      'header',
      { className: 'topbar' },
      element('p', { className: 'brand' }, 'Parlor agent console'),
      this.#agentName,
      this.#connection,
      element(
        'span',
        { className: 'choice' },
        this.#sound,
        element('label', { attrs: { for: 'sound-toggle' } }, 'Sound'),
      ),
      element('button', { attrs: { type: 'button' }, on: { click: () => intents.signOut() } }, 'Sign out'),
    );

    this.#navButtons = new Map(
      SECTIONS.map(({ value, label }) => [
        value,
        element(
          'button',
          { className: 'nav-button', attrs: { type: 'button' }, on: { click: () => intents.showSection(value) } },
          label,
        ),
      ]),
    );
    const nav = element(
      'nav',
      { className: 'sidebar', attrs: { 'aria-label': 'Sections' } },
      element('ul', { className: 'nav-list' }, ...[...this.#navButtons.values()].map((b) => element('li', {}, b))),
      this.#presence.element,
    );

    this.#noticeText = element('span');
    this.#notice = element(
      'div',
      { className: 'notice', attrs: { role: 'alert' } },
      this.#noticeText,
      element(
        'button',
        { className: 'dismiss', attrs: { type: 'button', hidden: true }, on: { click: () => intents.dismissNotice() } },
        'Dismiss',
      ),
    );

    const conversations = element(
      'div',
      { className: 'workspace' },
      this.#queue.element,
      this.conversation.element,
      this.#panel.element,
    );
    this.#sections = new Map<Section, HTMLElement>([
      ['conversations', conversations],
      ['visitors', this.#visitors.element],
      ['analytics', this.#analytics.element],
    ]);
    this.#main = element(
      'main',
      { id: 'main', className: 'content', attrs: { tabindex: -1, 'aria-label': 'Console' } },
      element('h1', { className: 'visually-hidden' }, 'Parlor agent console'),
      this.#notice,
      ...this.#sections.values(),
    );
    this.#shell = element('div', { className: 'shell' }, header, nav, this.#main);
    setInterval(() => {
      if (this.#state && this.#state.auth === 'signed-in') this.render(this.#state);
    }, CLOCK_TICK_MS);
  }

  /** Renders a state. */
  render(state: ConsoleState): void {
    this.#state = state;
    const signedIn = state.auth === 'signed-in';
    const wanted = signedIn ? this.#shell : this.signIn.element;
    if (this.#root.firstElementChild !== wanted) this.#root.replaceChildren(wanted);
    if (!signedIn) {
      this.signIn.render(state);
      if (this.#auth === undefined) queueMicrotask(() => this.signIn.focus());
      this.#auth = state.auth;
      return;
    }
    if (this.#auth !== 'signed-in') queueMicrotask(() => this.#main.focus());
    this.#auth = state.auth;
    const now = Date.now() + state.clockOffset;

    setText(this.#agentName, state.agent ? `Signed in as ${state.agent.name}` : '');
    setText(this.#connection, connectionText(state.connection));
    this.#connection.classList.toggle('connection--down', state.connection.kind !== 'online');
    setText(this.#noticeText, state.notice ?? '');
    this.#notice.classList.toggle('notice--shown', state.notice !== undefined);
    const dismiss = this.#notice.querySelector('button');
    if (dismiss) dismiss.hidden = state.notice === undefined;

    const waiting = waitingUnreadCount(state);
    for (const { value, label } of SECTIONS) {
      const button = this.#navButtons.get(value);
      if (!button) continue;
      if (value === state.section) button.setAttribute('aria-current', 'page');
      else button.removeAttribute('aria-current');
      let text = label;
      if (value === 'conversations' && waiting > 0) text = `${label} (${waiting} waiting)`;
      if (value === 'visitors') text = `${label} (${state.visitors.length})`;
      setText(button, text);
    }
    for (const [value, section] of this.#sections) section.hidden = value !== state.section;

    this.#presence.render(state);
    if (state.section === 'conversations') {
      this.#queue.render(state, now);
      this.conversation.render(state, now);
      this.#panel.render(state);
    } else if (state.section === 'visitors') {
      this.#visitors.render(state, now);
    } else {
      this.#analytics.render(state);
    }
  }

  /** Whether the open transcript is on screen. */
  get transcriptVisible(): boolean {
    return this.#state?.auth === 'signed-in' && this.#state.section === 'conversations' && this.conversation.visible;
  }
}
