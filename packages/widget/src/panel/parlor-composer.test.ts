// <parlor-composer> against the real reference server: what the visitor types and drops is what the server
// stores, once; what must not be sent never reaches the client.
import { provide } from '@lit/context';
import { expect, fixture, html } from '@open-wc/testing';
import { LitElement, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import { sendKeys } from '@web/test-runner-commands';
import { createChatClient, type ChatClient } from '@parlor/core';
import { DEFAULT_LIMITS } from '@parlor/core/protocol';
import { startServer, stopServer, storedMessages, type TestServerInfo } from '../../../../test/support/server.js';
import { formatBytes } from '../i18n/format.js';
import { loadStrings } from '../i18n/locale.js';
import { clientContext, settingsContext, type PanelSettings } from './contexts.js';
import { ParlorComposer } from './parlor-composer.js';

/** Stands in for the panel: provides the client and the settings to what it contains. */
class ComposerTestProvider extends LitElement {
  @provide({ context: clientContext })
  @property({ attribute: false })
  client: ChatClient | undefined;

  @provide({ context: settingsContext })
  @property({ attribute: false })
  settings: PanelSettings | undefined;

  protected override render(): TemplateResult {
    return html`<slot></slot>`;
  }
}
if (!customElements.get('composer-test-provider'))
  customElements.define('composer-test-provider', ComposerTestProvider);
if (!customElements.get('parlor-composer')) customElements.define('parlor-composer', ParlorComposer);

const strings = loadStrings('en');

function settingsWith(overrides: Partial<PanelSettings> = {}): PanelSettings {
  return {
    locale: 'en',
    dir: 'ltr',
    strings,
    preChat: false,
    accept: DEFAULT_LIMITS.attachmentTypes,
    maxFileSize: DEFAULT_LIMITS.maxAttachmentBytes,
    ...overrides,
  };
}

/** Polls `read` until it returns something truthy. */
async function until<T>(read: () => T | Promise<T>, what: string, timeoutMs = 4000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A real PNG of a few hundred bytes, drawn on a canvas. */
async function smallPng(): Promise<File> {
  const canvas = document.createElement('canvas');
  canvas.width = 8;
  canvas.height = 8;
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#3b3bd4';
  context.fillRect(0, 0, 8, 8);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  return new File([blob!], 'dot.png', { type: 'image/png' });
}

function filesOf(...files: File[]): DataTransfer {
  const transfer = new DataTransfer();
  for (const file of files) transfer.items.add(file);
  return transfer;
}

describe('<parlor-composer>', () => {
  let server: TestServerInfo | undefined;
  let client: ChatClient | undefined;

  async function setup(
    options: {
      limits?: Record<string, unknown>;
      settings?: Partial<PanelSettings>;
      uploadQuota?: { visitorBytes: number };
    } = {},
  ): Promise<{ el: ParlorComposer; client: ChatClient; server: TestServerInfo; textarea: HTMLTextAreaElement }> {
    server = await startServer({
      siteId: 'w-composer',
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.uploadQuota ? { uploadQuota: options.uploadQuota } : {}),
    });
    client = createChatClient({ siteId: server.siteId, server: server.url, storage: 'memory', shareTabs: false });
    const provider = await fixture<ComposerTestProvider>(
      html`<composer-test-provider .client=${client} .settings=${settingsWith(options.settings)}>
        <parlor-composer></parlor-composer>
      </composer-test-provider>`,
    );
    const el = provider.querySelector<ParlorComposer>('parlor-composer')!;
    await el.updateComplete;
    const textarea = el.shadowRoot!.querySelector('textarea')!;
    return { el, client, server, textarea };
  }

  /** Waits for the welcome, so the composer knows the server's limits. */
  async function connected(el: ParlorComposer, chat: ChatClient): Promise<void> {
    chat.connect();
    await until(() => chat.getSnapshot().limits, 'the welcome');
    await el.updateComplete;
  }

  const errorText = (el: ParlorComposer) => el.shadowRoot!.querySelector('[part="error"]')!.textContent?.trim() ?? '';

  /** Nothing was handed to the client to send: no message, no upload, no socket. */
  function expectNothingSent(chat: ChatClient): void {
    expect(chat.getSnapshot().items).to.have.length(0);
    expect(chat.getSnapshot().conversation).to.equal(null);
  }

  afterEach(async () => {
    client?.destroy();
    client = undefined;
    if (server) await stopServer(server);
    server = undefined;
  });

  it('renders a named text area, send and attach buttons, and passes axe', async () => {
    const { el, textarea } = await setup();
    const root = el.shadowRoot!;
    expect(root.querySelector('form[part="composer"]')).to.exist;
    expect(textarea.getAttribute('part')).to.equal('input');
    expect(textarea.getAttribute('aria-label')).to.equal(strings.composerPlaceholder);
    expect(textarea.placeholder).to.equal(strings.composerPlaceholder);
    expect(textarea.rows).to.equal(1);
    expect(root.querySelector('button[part="send"]')!.getAttribute('aria-label')).to.equal(strings.send);
    expect(root.querySelector('button[part="attach"]')!.getAttribute('aria-label')).to.equal(strings.attachFile);
    expect(root.querySelector<HTMLInputElement>('input[type="file"]')!.accept).to.equal(
      DEFAULT_LIMITS.attachmentTypes.join(','),
    );
    expect(root.querySelector('[style]')).to.equal(null);
    expect(root.querySelector('[part="error"]')!.getBoundingClientRect().height).to.equal(0);
    expect(getComputedStyle(textarea).fontSize).to.equal('16px');
    for (const button of root.querySelectorAll('button')) {
      const box = button.getBoundingClientRect();
      expect(box.width).to.be.at.least(24);
      expect(box.height).to.be.at.least(24);
    }
    await expect(el).to.be.accessible();
  });

  it('keeps what was sent before the client arrived, and sends it once when it does', async () => {
    // The panel creates its client after the first render: a quick visitor can press Enter before that.
    server = await startServer({ siteId: 'w-composer' });
    const provider = await fixture<ComposerTestProvider>(
      html`<composer-test-provider .settings=${settingsWith()}
        ><parlor-composer></parlor-composer
      ></composer-test-provider>`,
    );
    const el = provider.querySelector<ParlorComposer>('parlor-composer')!;
    await el.updateComplete;
    const textarea = el.shadowRoot!.querySelector('textarea')!;
    textarea.focus();
    await sendKeys({ type: 'Typed early' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ press: 'Enter' }); // impatient: must not send it twice
    expect(textarea.value).to.equal('Typed early'); // still there, nothing lost meanwhile
    client = createChatClient({ siteId: server.siteId, server: server.url, storage: 'memory', shareTabs: false });
    provider.client = client;
    client.connect();
    const chat = client;
    const conversation = await until(() => chat.getSnapshot().conversation?.id, 'the message is stored');
    await until(async () => (await storedMessages(server!, conversation)).length > 0, 'the server has it');
    await pause(200);
    expect((await storedMessages(server, conversation)).map((m) => m.body.text)).to.deep.equal(['Typed early']);
    expect(textarea.value).to.equal('');
  });

  it('has no attach button when the site accepts no files', async () => {
    const { el } = await setup({ settings: { accept: [] } });
    expect(el.shadowRoot!.querySelector('button[part="attach"]')).to.equal(null);
    expect(el.shadowRoot!.querySelector('input[type="file"]')).to.equal(null);
  });

  it('takes its maxlength and file types from the server once it has spoken', async () => {
    const {
      el,
      client: chat,
      textarea,
    } = await setup({
      limits: { maxTextLength: 500, attachmentTypes: ['image/png'] },
    });
    await connected(el, chat);
    expect(textarea.maxLength).to.equal(500);
    expect(el.shadowRoot!.querySelector<HTMLInputElement>('input[type="file"]')!.accept).to.equal('image/png');
  });

  it('sends on Enter, clears and keeps focus, and the server stores the message exactly once', async () => {
    const { el, client: chat, server: srv, textarea } = await setup();
    el.focus();
    expect(el.shadowRoot!.activeElement).to.equal(textarea);
    await sendKeys({ type: 'Hello from the composer' });
    await sendKeys({ press: 'Enter' });
    expect(textarea.value).to.equal('');
    expect(el.shadowRoot!.activeElement).to.equal(textarea);

    const conversation = await until(() => chat.getSnapshot().conversation?.id, 'the ack');
    const rows = await until(async () => {
      const stored = await storedMessages(srv, conversation);
      return stored.length > 0 ? stored : undefined;
    }, 'the stored message');
    await pause(200); // a duplicate would have arrived by now
    const again = await storedMessages(srv, conversation);
    expect(rows.map((row) => row.body.text)).to.deep.equal(['Hello from the composer']);
    expect(again.map((row) => row.body.text)).to.deep.equal(['Hello from the composer']);
  });

  it('sends with the send button too', async () => {
    const { el, client: chat, server: srv, textarea } = await setup();
    el.focus();
    await sendKeys({ type: 'Clicked' });
    el.shadowRoot!.querySelector<HTMLButtonElement>('button[part="send"]')!.click();
    expect(textarea.value).to.equal('');
    expect(el.shadowRoot!.activeElement).to.equal(textarea);
    const conversation = await until(() => chat.getSnapshot().conversation?.id, 'the ack');
    const rows = await until(async () => {
      const stored = await storedMessages(srv, conversation);
      return stored.length > 0 ? stored : undefined;
    }, 'the stored message');
    expect(rows.map((row) => row.body.text)).to.deep.equal(['Clicked']);
  });

  it('inserts a newline on Shift+Enter and sends nothing', async () => {
    const { el, client: chat, textarea } = await setup();
    el.focus();
    await sendKeys({ type: 'first line' });
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ up: 'Shift' });
    await sendKeys({ type: 'second line' });
    expect(textarea.value).to.equal('first line\nsecond line');
    await pause(100);
    expectNothingSent(chat);
  });

  it('does not send on the Enter that ends an IME composition', async () => {
    const { el, client: chat, textarea } = await setup();
    el.focus();
    await sendKeys({ type: 'nihongo' });
    const composing = new KeyboardEvent('keydown', {
      key: 'Enter',
      isComposing: true,
      bubbles: true,
      cancelable: true,
    });
    textarea.dispatchEvent(composing);
    // Some engines report the confirming Enter only through the legacy key code.
    const legacy = new KeyboardEvent('keydown', { key: 'Enter', keyCode: 229, bubbles: true, cancelable: true });
    textarea.dispatchEvent(legacy);
    expect(composing.defaultPrevented).to.equal(false);
    expect(legacy.defaultPrevented).to.equal(false);
    expect(textarea.value).to.equal('nihongo');
    await pause(100);
    expectNothingSent(chat);
  });

  it('does not send whitespace', async () => {
    const { el, client: chat, textarea } = await setup();
    el.focus();
    await sendKeys({ type: '   ' });
    await sendKeys({ press: 'Enter' });
    el.shadowRoot!.querySelector<HTMLButtonElement>('button[part="send"]')!.click();
    expect(textarea.value.trim()).to.equal('');
    await pause(100);
    expectNothingSent(chat);
  });

  it('keeps the text and shows an alert when sending fails', async () => {
    const { el, client: chat, textarea } = await setup();
    el.focus();
    await sendKeys({ type: 'Do not lose me' });
    chat.destroy(); // a destroyed client refuses every send
    await sendKeys({ press: 'Enter' });
    await until(() => errorText(el), 'the error');
    expect(textarea.value).to.equal('Do not lose me');
    const alert = el.shadowRoot!.querySelector('[part="error"]')!;
    expect(alert.getAttribute('role')).to.equal('alert');
    expect(errorText(el)).to.equal(strings.genericError);
    await expect(el).to.be.accessible();
  });

  it('tells the agent the visitor is typing, at most every two seconds, and stops after sending', async () => {
    const { el, client: chat } = await setup();
    const calls: boolean[] = [];
    const setTyping = chat.setTyping.bind(chat);
    chat.setTyping = (on: boolean) => {
      calls.push(on);
      setTyping(on);
    };
    el.focus();
    await sendKeys({ type: 'Hello there' });
    expect(calls).to.deep.equal([true]);
    await sendKeys({ press: 'Enter' });
    await until(() => calls.length === 2, 'typing off');
    expect(calls).to.deep.equal([true, false]);
  });

  it('stops the typing signal after three seconds without input', async function () {
    this.timeout(8000);
    const { el, client: chat } = await setup();
    const calls: boolean[] = [];
    const setTyping = chat.setTyping.bind(chat);
    chat.setTyping = (on: boolean) => {
      calls.push(on);
      setTyping(on);
    };
    el.focus();
    await sendKeys({ type: 'h' });
    await pause(2500);
    expect(calls).to.deep.equal([true]);
    await pause(800);
    expect(calls).to.deep.equal([true, false]);
  });

  it('explains a file over the size limit and a file of a refused type, and sends neither', async () => {
    const { el, client: chat } = await setup({ limits: { maxAttachmentBytes: 1000 } });
    await connected(el, chat);
    const big = new File([new Uint8Array(5000)], 'big.png', { type: 'image/png' });
    await el.addFiles([big]);
    await el.updateComplete;
    expect(errorText(el)).to.equal(strings.fileTooLarge(formatBytes(1000, 'en')));

    const program = new File(['MZ'], 'setup.exe', { type: 'application/x-msdownload' });
    await el.addFiles([program]);
    await el.updateComplete;
    expect(errorText(el)).to.equal(strings.fileTypeNotAllowed);
    expect(el.shadowRoot!.querySelector('[part="error"]')!.getAttribute('role')).to.equal('alert');
    expectNothingSent(chat);
  });

  it('checks files from the picker, a drop and a pasted image the same way', async () => {
    const { el, client: chat, textarea } = await setup({ limits: { maxAttachmentBytes: 1000 } });
    await connected(el, chat);
    const big = new File([new Uint8Array(5000)], 'big.png', { type: 'image/png' });
    const tooLarge = strings.fileTooLarge(formatBytes(1000, 'en'));

    const picker = el.shadowRoot!.querySelector<HTMLInputElement>('input[type="file"]')!;
    picker.files = filesOf(big).files;
    picker.dispatchEvent(new Event('change', { bubbles: true }));
    await until(() => errorText(el) === tooLarge, 'the picker error');

    textarea.dispatchEvent(new InputEvent('input', { bubbles: true })); // typing clears the error
    await el.updateComplete;
    expect(errorText(el)).to.equal('');

    const form = el.shadowRoot!.querySelector('form')!;
    const drop = new DragEvent('drop', { dataTransfer: filesOf(big), bubbles: true, composed: true, cancelable: true });
    form.dispatchEvent(drop);
    expect(drop.defaultPrevented).to.equal(true);
    await until(() => errorText(el) === tooLarge, 'the drop error');

    textarea.dispatchEvent(new InputEvent('input', { bubbles: true }));
    await el.updateComplete;
    const paste = new ClipboardEvent('paste', { clipboardData: filesOf(big), bubbles: true, cancelable: true });
    textarea.dispatchEvent(paste);
    expect(paste.defaultPrevented).to.equal(true);
    await until(() => errorText(el) === tooLarge, 'the paste error');

    expectNothingSent(chat);
  });

  it('uploads a valid image through addFiles and the server stores it as an attachment', async function () {
    this.timeout(10000);
    const { el, client: chat, server: srv } = await setup();
    const png = await smallPng();
    await el.addFiles([png]);
    expect(errorText(el)).to.equal('');
    const conversation = await until(() => chat.getSnapshot().conversation?.id, 'the ack');
    const rows = await until(async () => {
      const stored = await storedMessages(srv, conversation);
      return stored.length > 0 ? stored : undefined;
    }, 'the stored attachment');
    expect(rows).to.have.length(1);
    expect(rows[0]!.body.kind).to.equal('attachment');
  });

  it('says when files can be sent again once the visitor’s upload quota is used up', async function () {
    this.timeout(10000);
    const { el } = await setup({ uploadQuota: { visitorBytes: 10 } });
    await el.addFiles([await smallPng()]);
    await el.updateComplete;
    // The wait is the server's (when the oldest counted upload leaves the window): the sentence around it is ours.
    const [before, after] = strings.uploadRateLimited('\u0000').split('\u0000');
    const text = errorText(el);
    expect(text.startsWith(before!) && text.endsWith(after!), text).to.equal(true);
    expect(text.length).to.be.greaterThan(before!.length + after!.length);
  });

  it('grows with its content up to about six lines, then scrolls', async () => {
    const { el, textarea } = await setup();
    el.focus();
    const oneLine = textarea.getBoundingClientRect().height;
    await sendKeys({ type: 'one' });
    for (let line = 0; line < 2; line++) {
      await sendKeys({ down: 'Shift' });
      await sendKeys({ press: 'Enter' });
      await sendKeys({ up: 'Shift' });
      await sendKeys({ type: 'more' });
    }
    const threeLines = textarea.getBoundingClientRect().height;
    expect(threeLines).to.be.greaterThan(oneLine);
    textarea.value = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    textarea.dispatchEvent(new InputEvent('input', { bubbles: true }));
    const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight);
    expect(textarea.getBoundingClientRect().height).to.be.at.most(lineHeight * 7 + 24);
    expect(textarea.scrollHeight).to.be.greaterThan(textarea.clientHeight);
  });
});
