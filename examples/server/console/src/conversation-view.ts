import type { ConsoleIntents } from './console-intents.js';
import { openConversation, transcriptEntries } from './console-selectors.js';
import type { ConsoleState, Transcript, TypingState } from './console-store.js';
import { element, setText, syncChildren } from './element.js';
import { visitorLabel } from './formatters.js';
import { ReplyComposer } from './reply-composer.js';
import { createEntry, updateEntry } from './transcript-entry.js';
import type { EntryContext } from './transcript-entry.js';

/** Pixels from the bottom within which the log follows new messages. */
const FOLLOW_THRESHOLD = 48;

/** "Visitor is typing…" and friends. */
export function typingText(typing: TypingState | undefined): string {
  if (!typing) return '';
  if (typing.role === 'visitor') return 'Visitor is typing…';
  if (typing.role === 'agent') return `${typing.name ?? 'Another agent'} is typing…`;
  return `${typing.name ?? 'The bot'} is typing…`;
}

/** The open conversation: heading, "load older", the transcript log, typing indicator and reply box. */
export class ConversationView {
  readonly element: HTMLElement;
  readonly composer: ReplyComposer;
  readonly #intents: ConsoleIntents;
  readonly #heading: HTMLElement;
  readonly #older: HTMLButtonElement;
  readonly #log: HTMLElement;
  readonly #placeholder: HTMLElement;
  readonly #typing: HTMLElement;
  #shownConversation: string | undefined;
  #lastTranscript: Transcript | undefined;
  #lastPending: ConsoleState['pending'] | undefined;
  #lastVisitorName = '';

  constructor(intents: ConsoleIntents) {
    this.#intents = intents;
    this.#heading = element('h2', { id: 'conversation-heading', attrs: { tabindex: -1 } }, 'No conversation open');
    this.#older = element(
      'button',
      { className: 'older', attrs: { type: 'button', hidden: true }, on: { click: () => intents.loadOlder() } },
      'Load older messages',
    );
    this.#log = element('div', {
      className: 'log',
      attrs: { role: 'log', 'aria-live': 'polite', 'aria-label': 'Transcript', tabindex: 0 },
    });
    this.#placeholder = element('p', { className: 'empty' }, 'Choose a conversation from the queue.');
    this.#typing = element('p', { className: 'typing', attrs: { 'aria-live': 'polite' } });
    this.composer = new ReplyComposer(intents);
    this.element = element(
      'section',
      { className: 'conversation', attrs: { 'aria-labelledby': 'conversation-heading' } },
      this.#heading,
      this.#placeholder,
      this.#older,
      this.#log,
      this.#typing,
      this.composer.element,
    );
  }

  /** Renders the open conversation; `now` is the server-corrected clock. */
  render(state: ConsoleState, now: number): void {
    const transcript = state.transcript;
    const row = openConversation(state);
    const visitorName = row ? visitorLabel(row.visitor) : 'Visitor';
    setText(this.#heading, transcript ? `Conversation with ${visitorName}` : 'No conversation open');
    this.#placeholder.hidden = transcript !== undefined;
    this.#log.hidden = transcript === undefined;
    this.#older.hidden = !transcript || !transcript.more;
    this.#older.disabled = transcript?.loadingOlder ?? false;
    setText(this.#older, transcript?.loadingOlder ? 'Loading older messages…' : 'Load older messages');
    this.#log.setAttribute('aria-busy', String(transcript?.loading ?? false));
    setText(this.#typing, typingText(transcript?.typing));
    this.composer.render(state);

    const unchanged =
      transcript === this.#lastTranscript &&
      state.pending === this.#lastPending &&
      visitorName === this.#lastVisitorName;
    if (unchanged) return;
    this.#lastTranscript = transcript;
    this.#lastPending = state.pending;
    this.#lastVisitorName = visitorName;
    this.#renderLog(state, now, visitorName);
  }

  #renderLog(state: ConsoleState, now: number, visitorName: string): void {
    const log = this.#log;
    const conversation = state.transcript?.conversation;
    const switched = conversation !== this.#shownConversation;
    this.#shownConversation = conversation;
    if (switched) log.replaceChildren();
    const following = log.scrollHeight - log.scrollTop - log.clientHeight < FOLLOW_THRESHOLD;
    const heightBefore = log.scrollHeight;
    const topBefore = log.scrollTop;
    const firstBefore = log.firstElementChild;
    const context: EntryContext = {
      visitorName,
      agentId: state.agent?.id,
      now,
      retry: (id) => this.#intents.retryReply(id),
      discard: (id) => this.#intents.discardReply(id),
    };
    syncChildren(
      log,
      transcriptEntries(state),
      (entry) => entry.key,
      (entry) => createEntry(entry),
      (node, entry) => updateEntry(node, entry, context),
    );
    if (switched || following) log.scrollTop = log.scrollHeight;
    else if (firstBefore && log.firstElementChild !== firstBefore) {
      // Older messages went in above: keep what the agent was reading in place.
      log.scrollTop = topBefore + (log.scrollHeight - heightBefore);
    }
  }

  /** Whether the transcript is on screen (for read receipts). */
  get visible(): boolean {
    return this.element.isConnected && !this.#log.hidden && this.element.closest('[hidden]') === null;
  }
}
