import type { ConsoleIntents } from './console-intents.js';
import type { ConsoleState } from './console-store.js';
import { element, setText } from './element.js';

/** The sign-in screen: the agent token (kept in sessionStorage by main), progress and refusal messages. */
export class SignInView {
  readonly element: HTMLElement;
  readonly #input: HTMLInputElement;
  readonly #submit: HTMLButtonElement;
  readonly #cancel: HTMLButtonElement;
  readonly #status: HTMLElement;
  readonly #alert: HTMLElement;
  #wasSignedOut = true;

  constructor(intents: ConsoleIntents) {
    this.#input = element('input', {
      id: 'agent-token',
      attrs: {
        type: 'password',
        name: 'token',
        autocomplete: 'off',
        spellcheck: 'false',
        required: true,
        maxlength: 4096,
        'aria-describedby': 'agent-token-hint',
      },
    });
    this.#submit = element('button', { className: 'primary', attrs: { type: 'submit' } }, 'Sign in');
    this.#cancel = element(
      'button',
      { attrs: { type: 'button', hidden: true }, on: { click: () => intents.signOut() } },
      'Cancel',
    );
    this.#status = element('p', { className: 'status', attrs: { role: 'status' } });
    this.#alert = element('div', { className: 'alert', attrs: { role: 'alert' } });
    const form = element(
      'form',
      {
        className: 'sign-in-form',
        attrs: { 'aria-labelledby': 'sign-in-heading', novalidate: true },
        on: {
          submit: (event) => {
            event.preventDefault();
            const token = this.#input.value.trim();
            if (!token) {
              setText(this.#alert, 'Enter your agent token.');
              this.#input.focus();
              return;
            }
            intents.signIn(token);
          },
        },
      },
      element('h1', { id: 'sign-in-heading' }, 'Parlor agent console'),
      element('label', { attrs: { for: 'agent-token' } }, 'Agent token'),
      this.#input,
      element(
        'p',
        { id: 'agent-token-hint', className: 'hint' },
        'The token from the server configuration. It is kept for this browser tab only.',
      ),
      element('div', { className: 'actions' }, this.#submit, this.#cancel),
      this.#status,
      this.#alert,
    );
    this.element = element('main', { id: 'main', className: 'sign-in', attrs: { tabindex: -1 } }, form);
  }

  /** Shows the state of the sign-in. */
  render(state: ConsoleState): void {
    const busy = state.auth === 'signing-in';
    this.#input.disabled = busy;
    this.#submit.disabled = busy;
    this.#cancel.hidden = !busy;
    let status = '';
    if (busy) {
      status =
        state.connection.kind === 'waiting'
          ? `Cannot reach the server (${state.connection.reason}). Retrying…`
          : 'Signing in…';
    }
    setText(this.#status, status);
    setText(this.#alert, state.authError ?? '');
    this.#input.setAttribute('aria-invalid', String(state.authError !== undefined));
    const signedOut = state.auth === 'signed-out';
    if (signedOut && !this.#wasSignedOut) {
      this.#input.value = '';
      queueMicrotask(() => this.#input.focus());
    }
    this.#wasSignedOut = signedOut;
  }

  /** Puts the caret in the token field. */
  focus(): void {
    this.#input.focus();
  }
}
