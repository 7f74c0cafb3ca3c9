import type { ConsoleIntents } from './console-intents.js';
import type { ConsoleState } from './console-store.js';
import { element, setText } from './element.js';
import { parseQuickReplies } from './quick-replies.js';

/** The reply box: Enter sends, Shift+Enter is a new line; drafts are kept per conversation. */
export class ReplyComposer {
  readonly element: HTMLFormElement;
  readonly #intents: ConsoleIntents;
  readonly #text: HTMLTextAreaElement;
  readonly #quick: HTMLInputElement;
  readonly #send: HTMLButtonElement;
  readonly #note: HTMLElement;
  readonly #error: HTMLElement;
  readonly #drafts = new Map<string, { text: string; quick: string }>();
  #conversation: string | undefined;
  #maxLength = 0;

  constructor(intents: ConsoleIntents) {
    this.#intents = intents;
    this.#text = element('textarea', {
      id: 'reply-text',
      attrs: { rows: 3, name: 'reply', 'aria-describedby': 'reply-hint reply-note' },
      on: {
        input: () => {
          if (this.#text.value.trim()) intents.typing();
          setText(this.#error, '');
        },
        keydown: (event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && !event.altKey && !event.ctrlKey) {
            event.preventDefault();
            this.#submit();
          }
        },
      },
    });
    this.#quick = element('input', {
      id: 'reply-quick',
      attrs: { type: 'text', name: 'quickReplies', autocomplete: 'off', 'aria-describedby': 'reply-quick-hint' },
    });
    this.#send = element('button', { className: 'primary', attrs: { type: 'submit' } }, 'Send');
    this.#note = element('p', { id: 'reply-note', className: 'hint' });
    this.#error = element('p', { className: 'error-text', attrs: { role: 'alert' } });
    this.element = element(
      'form',
      {
        className: 'composer',
        attrs: { 'aria-label': 'Reply', novalidate: true },
        on: {
          submit: (event) => {
            event.preventDefault();
            this.#submit();
          },
        },
      },
      element('label', { attrs: { for: 'reply-text' } }, 'Reply'),
      this.#text,
      element('p', { id: 'reply-hint', className: 'hint' }, 'Enter sends, Shift+Enter starts a new line.'),
      element(
        'div',
        { className: 'composer-row' },
        element(
          'div',
          { className: 'field' },
          element('label', { attrs: { for: 'reply-quick' } }, 'Quick replies (optional)'),
          this.#quick,
          element('p', { id: 'reply-quick-hint', className: 'hint' }, 'Comma separated, up to 10.'),
        ),
        this.#send,
      ),
      this.#note,
      this.#error,
    );
  }

  /** Enables the box when a conversation is open and swaps drafts on a switch. */
  render(state: ConsoleState): void {
    const id = state.openId;
    if (id !== this.#conversation) {
      if (this.#conversation !== undefined) {
        this.#drafts.set(this.#conversation, { text: this.#text.value, quick: this.#quick.value });
      }
      const draft = id !== undefined ? this.#drafts.get(id) : undefined;
      this.#text.value = draft?.text ?? '';
      this.#quick.value = draft?.quick ?? '';
      setText(this.#error, '');
      this.#conversation = id;
    }
    const row = id !== undefined ? state.conversations.get(id) : undefined;
    const disabled = id === undefined;
    this.#text.disabled = disabled;
    this.#quick.disabled = disabled;
    this.#send.disabled = disabled;
    this.#maxLength = state.limits.maxTextLength;
    this.#text.maxLength = this.#maxLength;
    let note = '';
    if (id === undefined) note = 'Open a conversation to reply.';
    else if (state.connection.kind !== 'online') note = 'Offline: replies are sent when the connection is back.';
    else if (row?.status === 'closed') note = 'This conversation is closed: replying reopens it.';
    setText(this.#note, note);
  }

  /** Moves focus to the reply box. */
  focus(): void {
    if (!this.#text.disabled) this.#text.focus();
  }

  #submit(): void {
    if (this.#text.disabled) return;
    const text = this.#text.value.trim();
    if (!text) {
      setText(this.#error, 'Write a reply first.');
      return;
    }
    if (text.length > this.#maxLength) {
      setText(this.#error, `The reply is longer than ${this.#maxLength} characters.`);
      return;
    }
    const quick = parseQuickReplies(this.#quick.value);
    if (!quick.ok) {
      setText(this.#error, quick.error);
      this.#quick.focus();
      return;
    }
    setText(this.#error, '');
    this.#intents.sendReply(text, quick.values);
    this.#text.value = '';
    this.#quick.value = '';
    if (this.#conversation !== undefined) this.#drafts.delete(this.#conversation);
    this.#text.focus();
  }
}
