import { LitElement, html, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import { emit } from '../events.js';
import { styles } from './parlor-chat.styles.js';

/**
 * The Parlor chat widget: a launcher button and the chat panel it opens, in Shadow DOM.
 *
 * @fires parlor-open - The panel opened.
 * @fires parlor-close - The panel closed.
 * @cssprop --parlor-accent - Brand colour of the launcher and the visitor's messages.
 * @cssprop --parlor-surface - Panel background.
 * @cssprop --parlor-text - Text colour.
 * @cssprop --parlor-z-index - Stacking level of the widget on the host page.
 * @csspart launcher - The round button that opens and closes the panel.
 * @csspart panel - The chat panel.
 *
 * @example
 * ```html
 * <parlor-chat site-id="demo" server="https://chat.example.com"></parlor-chat>
 * ```
 */
export class ParlorChat extends LitElement {
  /** The element's shadow styles. Theme it with the custom properties and parts above, never by overriding this. */
  static override styles = styles;

  /** The site this widget belongs to, as configured on the server. */
  @property({ attribute: 'site-id' }) siteId = '';

  /** Base URL of the Parlor server, e.g. `https://chat.example.com`. */
  @property() server = '';

  /** Which bottom corner the widget sits in. */
  @property({ reflect: true }) position: 'left' | 'right' = 'right';

  /** Whether the chat panel is open. */
  @property({ type: Boolean, reflect: true }) open = false;

  /** Accessible name of the launcher button. */
  @property({ attribute: 'launcher-label' }) launcherLabel = 'Chat with us';

  #handleLauncherClick() {
    this.toggle();
  }

  #handleKeydown(event: KeyboardEvent) {
    if (event.key === 'Escape' && this.open) this.hide();
  }

  /** Opens the chat panel. */
  show(): void {
    if (this.open) return;
    this.open = true;
    emit(this, 'parlor-open', { open: true });
  }

  /** Closes the chat panel. */
  hide(): void {
    if (!this.open) return;
    this.open = false;
    emit(this, 'parlor-close', { open: false });
  }

  /** Opens the panel when closed, closes it when open. */
  toggle(): void {
    if (this.open) this.hide();
    else this.show();
  }

  override render() {
    return html`
      ${
        this.open
          ? html`<div
              part="panel"
              id="panel"
              role="dialog"
              aria-label=${this.launcherLabel}
              @keydown=${this.#handleKeydown}
            >
              <slot></slot>
            </div>`
          : nothing
      }
      <button
        part="launcher"
        type="button"
        aria-label=${this.launcherLabel}
        aria-expanded=${this.open ? 'true' : 'false'}
        aria-controls="panel"
        @click=${this.#handleLauncherClick}
      >
        <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" fill="currentColor">
          <path d="M4 4h16v12H7l-3 3z" />
        </svg>
      </button>
    `;
  }
}
