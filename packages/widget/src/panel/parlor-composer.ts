import { consume } from '@lit/context';
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { classMap } from 'lit/directives/class-map.js';
import { ifDefined } from 'lit/directives/if-defined.js';
import type { ChatClient, ParlorError } from '@parlor/core';
import { formatBytes, formatMinutes } from '../i18n/format.js';
import { defaultStrings } from '../i18n/locale.js';
import type { ParlorStrings } from '../i18n/strings.js';
import { ChatController } from './chat-controller.js';
import { clientContext, settingsContext, type PanelSettings } from './contexts.js';
import { composerStyles } from './parlor-composer.styles.js';

/** Repeat "typing" to the agent at most this often while the visitor keeps typing. */
const TYPING_REFRESH_MS = 2000;
/** Tell the agent the visitor stopped typing after this long without input. */
const TYPING_IDLE_MS = 3000;

/** What a file must satisfy before it is uploaded. */
interface AttachmentRules {
  /** Accepted MIME types; empty when attachments are off. */
  readonly types: readonly string[];
  /** Largest file in bytes, when known. */
  readonly maxBytes: number | undefined;
}

// Engines without `field-sizing` get the text area's height set through the CSSOM, which a strict CSP allows
// (it forbids style attributes in markup, not style changes made by script).
const growsByItself = typeof CSS !== 'undefined' && CSS.supports('field-sizing', 'content');

const sendIcon = html`<svg class="icon send-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
  <path
    d="M3.4 20.6 21.2 12.9a1 1 0 0 0 0-1.8L3.4 3.4a.9.9 0 0 0-1.3 1L4 10.6a1 1 0 0 0 .8.7l8.2.7-8.2.7a1 1 0 0 0-.8.7l-1.9 6.2a.9.9 0 0 0 1.3 1z"
  />
</svg>`;

const attachIcon = html`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
  <path
    d="M16.5 7v9.5a4.5 4.5 0 0 1-9 0V6a3 3 0 0 1 6 0v10a1.5 1.5 0 0 1-3 0V7"
    fill="none"
    stroke="currentColor"
    stroke-width="1.8"
    stroke-linecap="round"
    stroke-linejoin="round"
  />
</svg>`;

/**
 * The chat panel's composer: a growing text area, a send button and, when the site accepts files, an attach button.
 *
 * Enter sends and Shift+Enter starts a new line; Enter that ends an IME composition (Japanese, Chinese, Korean input)
 * never sends. Files come from the picker, from a drop onto the composer, or from an image pasted into the text
 * area; each is checked against the server's limits first, and one that fails is explained in the error line
 * instead of being sent. While the visitor types, the agent is told so.
 *
 * It reads the chat client and the settings from the panel's contexts.
 *
 * @tag parlor-composer
 * @cssprop --parlor-composer-bg - Background of the composer (default: `--parlor-surface`).
 * @cssprop --parlor-composer-input-bg - Background of the text area (default: `--parlor-surface-alt`).
 * @cssprop --parlor-composer-input-border - Border of the text area (default: `--parlor-muted`).
 * @csspart composer - The form.
 * @csspart input - The text area.
 * @csspart send - The send button.
 * @csspart attach - The attach-file button.
 * @csspart error - The line that explains a refused message or file.
 *
 * @example
 * ```ts
 * const composer = panel.shadowRoot.querySelector('parlor-composer');
 * composer.focus();
 * composer.addFiles(event.dataTransfer.files);
 * ```
 */
export class ParlorComposer extends LitElement {
  static override shadowRootOptions: ShadowRootInit = { ...LitElement.shadowRootOptions, delegatesFocus: true };

  static override styles = composerStyles;

  readonly #chat = new ChatController(this);

  @query('textarea') private readonly textarea?: HTMLTextAreaElement | null;
  @query('input[type="file"]') private readonly picker?: HTMLInputElement | null;

  /** The explanation shown in the error line, if any. */
  @state() private error: string | undefined;
  /** A drag with files is over the composer. */
  @state() private dragging = false;

  /** The chat client messages go to; provided by the panel. */
  @consume({ context: clientContext, subscribe: true })
  @property({ attribute: false })
  client: ChatClient | undefined;

  /** The panel's resolved settings (strings, locale, accepted files); provided by the panel. */
  @consume({ context: settingsContext, subscribe: true })
  @property({ attribute: false })
  settings: PanelSettings | undefined;

  /** When "typing" was last sent, or undefined while the agent believes the visitor is not typing. */
  #typingSentAt: number | undefined;
  #typingIdle: ReturnType<typeof setTimeout> | undefined;
  /** `dragenter` and `dragleave` fire for every child crossed; the drag has left only when they balance. */
  #dragDepth = 0;

  /** Settles when the panel provides a client: it is created after the first render, and Enter may come first. */
  #arrival: Promise<ChatClient> | undefined;
  #arrived: ((client: ChatClient) => void) | undefined;
  #textWaits = false;
  /** Whether the client had a visitor at the last update: losing it is a logout, and the draft goes with them. */
  #hadVisitor = false;

  protected override willUpdate(changed: PropertyValues<this>): void {
    const hasVisitor = Boolean(this.#chat.state?.visitor);
    // Signed out: an unsent draft is the previous person's text, not the next one's.
    if (this.#hadVisitor && !hasVisitor && this.textarea) {
      this.#stopTyping();
      this.textarea.value = '';
    }
    this.#hadVisitor = hasVisitor;
    if (changed.has('client')) {
      this.#stopTyping();
      this.#chat.client = this.client;
      if (this.client) {
        this.#arrived?.(this.client);
        this.#arrival = this.#arrived = undefined;
      }
    }
  }

  #client(): Promise<ChatClient> {
    const client = this.#chat.client;
    if (client) return Promise.resolve(client);
    return (this.#arrival ??= new Promise((resolve) => (this.#arrived = resolve)));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stopTyping();
  }

  get #strings(): ParlorStrings {
    return this.settings?.strings ?? defaultStrings;
  }

  /** The server's limits once it announced them, the site's settings before that. */
  get #rules(): AttachmentRules {
    const limits = this.#chat.state?.limits;
    return {
      types: limits?.attachmentTypes ?? this.settings?.accept ?? [],
      maxBytes: limits?.maxAttachmentBytes ?? this.settings?.maxFileSize,
    };
  }

  #handleKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Enter' || event.shiftKey) return;
    // Enter also confirms an IME composition; some engines report it only through the legacy key code 229.
    if (event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    void this.#sendText();
  }

  #handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    void this.#sendText();
  }

  #handleInput(): void {
    this.error = undefined;
    this.#fit();
    const client = this.#chat.client;
    if (!client) return;
    if (!this.textarea?.value.trim()) {
      this.#stopTyping();
      return;
    }
    const now = Date.now();
    if (this.#typingSentAt === undefined || now - this.#typingSentAt >= TYPING_REFRESH_MS) {
      this.#typingSentAt = now;
      client.setTyping(true);
    }
    clearTimeout(this.#typingIdle);
    this.#typingIdle = setTimeout(() => this.#stopTyping(), TYPING_IDLE_MS);
  }

  #handlePaste(event: ClipboardEvent): void {
    const data = event.clipboardData;
    if (!data) return;
    // Copying from a word processor also puts a picture of the selection on the clipboard: when there is text,
    // the visitor meant the text.
    if (data.getData('text/plain')) return;
    const files = [...data.items]
      .filter((item) => item.kind === 'file' && item.type.startsWith('image/'))
      .map((item) => item.getAsFile())
      .filter((file): file is File => file !== null);
    if (files.length === 0) return;
    event.preventDefault();
    void this.addFiles(files);
  }

  #handleAttach(): void {
    this.picker?.click();
  }

  #handlePicked(event: Event): void {
    const input = event.currentTarget as HTMLInputElement;
    const files = [...(input.files ?? [])];
    // Cleared so that choosing the same file again still fires `change`.
    input.value = '';
    void this.addFiles(files);
  }

  #handleDragEnter(event: DragEvent): void {
    if (!hasFiles(event)) return;
    event.preventDefault();
    this.#dragDepth++;
    this.dragging = true;
  }

  #handleDragOver(event: DragEvent): void {
    if (!hasFiles(event)) return;
    // Without this the browser opens the file in place of the page.
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  }

  #handleDragLeave(event: DragEvent): void {
    if (!hasFiles(event)) return;
    this.#dragDepth = Math.max(0, this.#dragDepth - 1);
    if (this.#dragDepth === 0) this.dragging = false;
  }

  #handleDrop(event: DragEvent): void {
    if (!hasFiles(event)) return;
    event.preventDefault();
    // Handled here: a panel that also accepts drops must not send the same files again.
    event.stopPropagation();
    this.#dragDepth = 0;
    this.dragging = false;
    void this.addFiles([...(event.dataTransfer?.files ?? [])]);
  }

  /** Sends what the visitor wrote; on failure the text comes back and the error line says why. */
  async #sendText(): Promise<void> {
    const client = this.#chat.client;
    const textarea = this.textarea;
    if (!textarea?.value.trim()) return;
    if (!client) {
      // The client is still loading: the text stays in the box (nothing to lose) and goes once it is here,
      // with anything typed meanwhile. Another Enter does not queue it twice.
      if (this.#textWaits) return;
      this.#textWaits = true;
      await this.#client();
      this.#textWaits = false;
      return this.#sendText();
    }
    const text = textarea.value;
    // Cleared at once, so a second Enter while the message is being queued cannot send it twice.
    textarea.value = '';
    this.#fit();
    this.error = undefined;
    textarea.focus();
    try {
      await client.send(text);
    } catch {
      // Nothing the visitor wrote is lost, including anything typed meanwhile.
      textarea.value = textarea.value ? `${text}\n${textarea.value}` : text;
      this.#fit();
      this.error = this.#strings.genericError;
    } finally {
      this.#stopTyping();
    }
  }

  /** Why `file` cannot be sent, or undefined when it can. */
  #refusal(file: File, rules: AttachmentRules): string | undefined {
    const mime = file.type || 'application/octet-stream';
    if (!rules.types.includes(mime)) return this.#strings.fileTypeNotAllowed;
    if (rules.maxBytes !== undefined && file.size > rules.maxBytes) return this.#tooLarge(rules.maxBytes);
    return undefined;
  }

  #tooLarge(maxBytes: number): string {
    return this.#strings.fileTooLarge(formatBytes(maxBytes, this.settings?.locale ?? 'en'));
  }

  /** The explanation for a file the client refused, or undefined when the message list already shows it. */
  #uploadError(error: unknown): string | undefined {
    // Told apart by name, as `isParlorError` does across realms: the class lives in the client's own chunk.
    if (!(error instanceof Error && error.name === 'ParlorError')) return this.#strings.genericError;
    switch ((error as ParlorError).code) {
      case 'too_large':
        return this.#tooLarge(this.#rules.maxBytes ?? 0);
      case 'bad_frame':
        return this.#strings.fileTypeNotAllowed;
      case 'upload_failed':
        return undefined; // its failed item, with Retry, is in the message list
      case 'rate_limited': {
        // An upload quota (hours) or the request rate (seconds): said in whole minutes, at least one.
        const minutes = Math.max(1, Math.ceil(((error as ParlorError).retryAfterMs ?? 0) / 60_000));
        return this.#strings.uploadRateLimited(formatMinutes(minutes, this.settings?.locale ?? 'en'));
      }
      default:
        return this.#strings.genericError;
    }
  }

  #stopTyping(): void {
    clearTimeout(this.#typingIdle);
    this.#typingIdle = undefined;
    if (this.#typingSentAt === undefined) return;
    this.#typingSentAt = undefined;
    this.#chat.client?.setTyping(false);
  }

  /** Fits the text area to its content where CSS cannot (no `field-sizing`); `max-block-size` still caps it. */
  #fit(): void {
    const textarea = this.textarea;
    if (growsByItself || !textarea) return;
    textarea.style.blockSize = 'auto';
    const borders = textarea.offsetHeight - textarea.clientHeight;
    textarea.style.blockSize = `${textarea.scrollHeight + borders}px`;
  }

  /**
   * Checks each file against the limits and uploads the acceptable ones; the refused ones are explained in the
   * error line and nothing of them is sent. Upload progress appears on the file's message in the list. The panel
   * calls this for files dropped anywhere on it.
   *
   * @returns A promise that settles once every accepted file has been uploaded or has failed.
   * @example
   * ```ts
   * panel.addEventListener('drop', (event) => composer.addFiles(event.dataTransfer?.files ?? []));
   * ```
   */
  async addFiles(files: Iterable<File>): Promise<void> {
    files = [...files]; // a drop's file list may be gone once the event is over
    const client = await this.#client();
    const rules = this.#rules;
    const refusals = new Set<string>();
    const accepted: File[] = [];
    for (const file of files) {
      const refusal = this.#refusal(file, rules);
      if (refusal) refusals.add(refusal);
      else accepted.push(file);
    }
    this.error = refusals.size > 0 ? [...refusals].join(' ') : undefined;
    const results = await Promise.allSettled(accepted.map((file) => client.sendFile(file)));
    for (const result of results) {
      if (result.status === 'rejected') {
        const message = this.#uploadError(result.reason);
        if (message) refusals.add(message);
      }
    }
    if (refusals.size > 0) this.error = [...refusals].join(' ');
  }

  /** Moves focus to the text area. */
  override focus(options?: FocusOptions): void {
    if (this.textarea) this.textarea.focus(options);
    else super.focus(options);
  }

  protected override render(): TemplateResult {
    const strings = this.#strings;
    const { types } = this.#rules;
    const maxLength = this.#chat.state?.limits?.maxTextLength;
    return html`
      <form
        part="composer"
        class=${classMap({ dragging: this.dragging })}
        @submit=${this.#handleSubmit}
        @dragenter=${this.#handleDragEnter}
        @dragover=${this.#handleDragOver}
        @dragleave=${this.#handleDragLeave}
        @drop=${this.#handleDrop}
      >
        <p id="error" part="error" class="error" role="alert">${this.error ?? nothing}</p>
        <div class="row">
          ${
            types.length > 0
              ? html`<button
                    type="button"
                    part="attach"
                    class="attach"
                    aria-label=${strings.attachFile}
                    title=${strings.attachFile}
                    @click=${this.#handleAttach}
                  >
                    ${attachIcon}
                  </button>
                  <input type="file" multiple accept=${types.join(',')} @change=${this.#handlePicked} />`
              : nothing
          }
          <textarea
            dir="auto"
            part="input"
            rows="1"
            enterkeyhint="send"
            aria-label=${strings.composerPlaceholder}
            aria-describedby="error"
            placeholder=${strings.composerPlaceholder}
            maxlength=${ifDefined(maxLength)}
            @keydown=${this.#handleKeydown}
            @input=${this.#handleInput}
            @paste=${this.#handlePaste}
          ></textarea>
          <button type="submit" part="send" class="send" aria-label=${strings.send} title=${strings.send}>
            ${sendIcon}
          </button>
        </div>
      </form>
    `;
  }
}

/** Whether a drag carries files (not text or a link being dragged around the page). */
function hasFiles(event: DragEvent): boolean {
  return event.dataTransfer?.types.includes('Files') ?? false;
}
