import { aTimeout, expect, fixture, oneEvent, waitUntil } from '@open-wc/testing';
import {
  agentSay,
  eventCounts,
  serverConnections,
  startServer,
  stopServer,
  storedContext,
  storedMessages,
  type TestServerInfo,
} from '../../../../test/support/server.js';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import '../define.js';
import type { ParlorPanel } from '../panel/parlor-panel.js';
import type { ParlorChat } from './parlor-chat.js';

const SITE = 'w-shell';

function panelOf(el: ParlorChat): ParlorPanel | null {
  return el.shadowRoot?.querySelector('parlor-panel') ?? null;
}

function launcherOf(el: ParlorChat): HTMLButtonElement {
  const button = el.shadowRoot?.querySelector<HTMLButtonElement>('button[part~="launcher"]');
  if (!button) throw new Error('no launcher');
  return button;
}

function textareaOf(el: ParlorChat): HTMLTextAreaElement | null {
  const composer = panelOf(el)?.shadowRoot?.querySelector('parlor-composer');
  return composer?.shadowRoot?.querySelector('textarea') ?? null;
}

/** The focused element, through every shadow root. */
function deepActive(): Element | null {
  let active: Element | null = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

async function openPanel(el: ParlorChat, ready: () => unknown = () => textareaOf(el)): Promise<ParlorPanel> {
  const opened = oneEvent(el, 'parlor-open');
  launcherOf(el).click();
  await opened;
  await waitUntil(ready, 'the panel loads and renders', { timeout: 5000 });
  const panel = panelOf(el);
  if (!panel) throw new Error('no panel');
  // Let the opening animation finish: contrast is measured on the final colours, not mid-fade.
  await Promise.all(panel.shadowRoot?.getAnimations().map((a) => a.finished) ?? []);
  return panel;
}

describe('<parlor-chat>', () => {
  let server: TestServerInfo;
  const mounted: ParlorChat[] = [];

  const mount = async (attrs = '', site = SITE) => {
    const el = await fixture<ParlorChat>(
      `<parlor-chat site-id="${site}" server="${server.url}" connect="lazy" ${attrs}></parlor-chat>`,
    );
    mounted.push(el);
    return el;
  };

  before(async () => {
    server = await startServer({ siteId: SITE });
  });

  after(async () => {
    await stopServer(server);
  });

  afterEach(async () => {
    for (const el of mounted.splice(0)) el.destroy();
    sessionStorage.clear();
    localStorage.clear();
    // Each test is a new visitor: forget the previous one's conversation (its IndexedDB store).
    for (const db of await indexedDB.databases())
      if (db.name?.includes(SITE))
        await new Promise((done) => {
          const request = indexedDB.deleteDatabase(db.name ?? '');
          request.onsuccess = request.onerror = request.onblocked = done;
        });
  });

  it('draws a named launcher at once and starts nothing else: no panel, no socket, no database, no storage', async () => {
    const before = (await indexedDB.databases()).length;
    // Web Storage's first touch blocks the main thread: a first-time visitor's page must never pay it.
    const touched: string[] = [];
    const { getItem, setItem } = Storage.prototype;
    Storage.prototype.getItem = function (this: Storage, key: string) {
      touched.push(`get ${key}`);
      return getItem.call(this, key);
    };
    Storage.prototype.setItem = function (this: Storage, key: string, value: string) {
      touched.push(`set ${key}`);
      setItem.call(this, key, value);
    };
    let el: ParlorChat;
    try {
      el = await mount();
      await new Promise((idle) => requestIdleCallback(idle)); // after the widget's own idle work
      await aTimeout(300);
    } finally {
      Object.assign(Storage.prototype, { getItem, setItem });
    }
    expect(touched.filter((t) => t.includes('parlor'))).to.deep.equal([]);
    const button = launcherOf(el);
    expect(button.getAttribute('aria-label')).to.equal('Chat with us');
    expect(button.getAttribute('aria-expanded')).to.equal('false');
    expect(panelOf(el)).to.equal(null);
    await aTimeout(300);
    expect((await serverConnections(server)).visitor).to.equal(0);
    expect((await indexedDB.databases()).length).to.equal(before);
    await expect(el).to.be.accessible();
  });

  it('opens by click into a labelled dialog with focus in the composer; Escape closes and focus returns', async () => {
    const el = await mount();
    const panel = await openPanel(el);
    const dialog = panel.shadowRoot?.querySelector('[part="panel"]');
    expect(dialog?.getAttribute('role')).to.equal('dialog');
    const title = panel.shadowRoot?.getElementById(dialog?.getAttribute('aria-labelledby') ?? '');
    expect(title?.textContent?.trim()).to.equal('Support');
    expect(launcherOf(el).getAttribute('aria-expanded')).to.equal('true');
    await waitUntil(() => deepActive() === textareaOf(el), 'focus moves into the composer');
    await expect(el).to.be.accessible();

    const closed = oneEvent(el, 'parlor-close');
    deepActive()?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    expect((await closed).detail).to.deep.equal({ open: false });
    expect(el.open).to.equal(false);
    expect(deepActive()).to.equal(launcherOf(el));
  });

  it('works from the keyboard alone: Enter opens, Escape closes, Enter on the close button closes', async () => {
    const el = await mount();
    launcherOf(el).focus();
    await sendKeys({ press: 'Enter' }); // real key presses, through the browser's own input pipeline
    await waitUntil(() => textareaOf(el) && deepActive() === textareaOf(el), 'Enter opens, focus in the composer', {
      timeout: 5000,
    });
    await sendKeys({ press: 'Escape' });
    expect(el.open).to.equal(false);
    expect(deepActive()).to.equal(launcherOf(el));

    await sendKeys({ press: 'Enter' });
    await waitUntil(() => deepActive() === textareaOf(el), 'reopened');
    const close = panelOf(el)?.shadowRoot?.querySelector<HTMLButtonElement>('button.close');
    expect(close?.getAttribute('aria-label')).to.equal('Close chat');
    close?.focus();
    await sendKeys({ press: 'Enter' });
    expect(el.open).to.equal(false);
    expect(deepActive()).to.equal(launcherOf(el));
  });

  it('sends from the composer, receives an agent reply with typed events, and badges unread while closed', async () => {
    const el = await mount();
    const ready = oneEvent(el, 'parlor-ready');
    await openPanel(el);
    expect((await ready).detail.locale).to.equal('en');
    const textarea = textareaOf(el);
    if (!textarea) throw new Error('no composer');
    textarea.value = 'Hello from the widget';
    textarea.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    textarea.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }));
    await waitUntil(() => el.client?.getSnapshot().conversation, 'the message is acknowledged', { timeout: 5000 });
    const conversation = el.client?.getSnapshot().conversation?.id ?? '';
    await waitUntil(async () => (await storedMessages(server, conversation)).length === 1);

    el.hide();
    const unread = oneEvent(el, 'parlor-unread-change');
    const message = oneEvent(el, 'parlor-message');
    await agentSay(server, conversation, 'Hi! How can I help?');
    const event = await message;
    expect(event.detail.message.body).to.deep.equal({ kind: 'text', text: 'Hi! How can I help?' });
    expect((await unread).detail.unread).to.equal(1);
    const badge = el.shadowRoot?.querySelector<HTMLElement>('[part~="badge"]');
    expect(badge?.hidden).to.equal(false);
    expect(badge?.textContent).to.equal('1');
    expect(launcherOf(el).getAttribute('aria-label')).to.equal('Chat with us, 1 unread message');
    expect(el.unread).to.equal(1);

    // Opening reads them: the badge goes and the label is plain again.
    el.show();
    await waitUntil(() => el.unread === 0, 'opening marks the messages read', { timeout: 5000 });
    expect(badge?.hidden).to.equal(true);
    expect(launcherOf(el).getAttribute('aria-label')).to.equal('Chat with us');
  });

  it('with sound, chimes for a reply that arrives while closed, and stays quiet while the visitor is reading', async () => {
    // Counts the chimes: each one is a short-lived audio context with two notes started on it.
    const notes: number[] = [];
    const Real = window.AudioContext;
    window.AudioContext = class extends Real {
      override createOscillator(): OscillatorNode {
        const osc = super.createOscillator();
        const start = osc.start.bind(osc);
        osc.start = (when?: number) => {
          notes.push(osc.frequency.value);
          start(when);
        };
        return osc;
      }
    };
    try {
      const el = await mount('sound');
      await openPanel(el);
      await el.client?.send('Is anyone there?');
      await waitUntil(() => el.client?.getSnapshot().conversation, 'acknowledged', { timeout: 5000 });
      const conversation = el.client?.getSnapshot().conversation?.id ?? '';
      await agentSay(server, conversation, 'Reading along with you');
      await waitUntil(() => el.client?.getSnapshot().items.length === 2, 'the reply arrives', { timeout: 5000 });
      await aTimeout(100);
      expect(notes, 'no chime while the panel is open and the tab visible').to.deep.equal([]);
      el.hide();
      await agentSay(server, conversation, 'Ping while closed');
      await waitUntil(() => notes.length > 0, 'a chime for the reply while closed', { timeout: 5000 });
      expect(notes).to.deep.equal([880, 1320]);
    } finally {
      window.AudioContext = Real;
    }
  });

  it('without sound, never makes one', async () => {
    let contexts = 0;
    const Real = window.AudioContext;
    window.AudioContext = class extends Real {
      constructor() {
        super();
        contexts++;
      }
    };
    try {
      const el = await mount();
      await openPanel(el);
      await el.client?.send('Quiet please');
      await waitUntil(() => el.client?.getSnapshot().conversation, 'acknowledged', { timeout: 5000 });
      el.hide();
      await agentSay(server, el.client?.getSnapshot().conversation?.id ?? '', 'A silent reply');
      await waitUntil(() => el.unread === 1, 'the reply arrives', { timeout: 5000 });
      expect(contexts).to.equal(0);
    } finally {
      window.AudioContext = Real;
    }
  });

  it('says how soon the team typically replies while nobody is online, in the visitor’s language', async function () {
    this.timeout(30_000); // two panels, opened one after the other
    const other = await startServer({ siteId: `${SITE}-reply`, replyMinutes: 90 });
    try {
      const presence = async (locale: string) => {
        const el = await fixture<ParlorChat>(
          `<parlor-chat site-id="${other.siteId}" server="${other.url}" locale="${locale}"></parlor-chat>`,
        );
        mounted.push(el);
        const panel = await openPanel(el);
        const line = () => panel.shadowRoot?.querySelector('.presence')?.textContent?.trim();
        await waitUntil(line, 'the welcome fills the header', { timeout: 5000 });
        const said = line();
        el.destroy();
        sessionStorage.clear(); // or the next widget of this site reopens by itself, as on the next page
        return said;
      };
      expect(await presence('en')).to.equal('Typically replies in 1.5 hours');
      expect(await presence('de')).to.equal('Antwortet meist innerhalb von 1,5 Stunden');
    } finally {
      await stopServer(other);
    }
  });

  it('takes new strings at once, on the launcher and in the open panel, even when set before it was defined', async () => {
    const early = document.createElement('parlor-chat-later') as HTMLElement & { strings?: unknown };
    early.strings = { launcherLabel: 'Talk to the shop' };
    const el = await mount();
    el.strings = { launcherLabel: 'Ask the bakery', panelTitle: 'The bakery' };
    expect(launcherOf(el).getAttribute('aria-label')).to.equal('Ask the bakery');
    const panel = await openPanel(el);
    expect(panel.shadowRoot?.querySelector('#title')?.textContent).to.equal('The bakery');
    el.strings = { panelTitle: 'The bakery, open till six' };
    await panel.updateComplete;
    expect(panel.shadowRoot?.querySelector('#title')?.textContent).to.equal('The bakery, open till six');
    expect(launcherOf(el).getAttribute('aria-label')).to.equal('Chat with us');
    // An element created before `<parlor-chat>` was defined keeps what was set on it then.
    const { ParlorChat } = await import('./parlor-chat.js');
    customElements.define('parlor-chat-later', class extends ParlorChat {});
    customElements.upgrade(early);
    document.body.append(early);
    try {
      const label = early.shadowRoot?.querySelector('[part~="launcher"]')?.getAttribute('aria-label');
      expect(label).to.equal('Talk to the shop');
    } finally {
      (early as unknown as ParlorChat).destroy();
    }
  });

  it('takes the inner parts’ own tokens from the page, set on the element like any other', async () => {
    const el = await mount();
    el.style.setProperty('--parlor-composer-input-bg', 'rgb(250, 240, 200)');
    el.style.setProperty('--parlor-composer-bg', 'rgb(10, 20, 30)');
    await openPanel(el);
    const textarea = textareaOf(el)!;
    expect(getComputedStyle(textarea).backgroundColor).to.equal('rgb(250, 240, 200)');
    const composer = panelOf(el)?.shadowRoot?.querySelector('parlor-composer');
    const form = composer?.shadowRoot?.querySelector('form');
    if (!form) throw new Error('no composer form');
    expect(getComputedStyle(form).backgroundColor).to.equal('rgb(10, 20, 30)');
  });

  it('passes an accessibility audit in the dark theme and right to left, mirrored', async () => {
    const el = await mount('theme="dark" locale="he"');
    const panel = await openPanel(el);
    const dialog = panel.shadowRoot?.querySelector('[part="panel"]');
    await waitUntil(() => dialog?.querySelector('h2')?.textContent !== 'Support', 'Hebrew strings load');
    expect(dialog?.getAttribute('dir')).to.equal('rtl');
    expect(launcherOf(el).getAttribute('aria-label')).to.equal('דברו איתנו');
    expect(getComputedStyle(el).getPropertyValue('--parlor-surface').trim()).to.equal('#1b1b1f');
    await expect(el).to.be.accessible();
  });

  it('pops the greeting up beside the launcher once, and opens the chat from it', async () => {
    const el = await mount('greeting="Need a hand with your order?" greeting-delay="0.05"');
    await waitUntil(() => el.shadowRoot?.querySelector('[part~="greeting"]'), 'the greeting pops up');
    const bubble = el.shadowRoot?.querySelector('[part~="greeting"]');
    expect(bubble?.getAttribute('role')).to.equal('status');
    expect(bubble?.querySelector('span')?.textContent).to.equal('Need a hand with your order?');
    expect(bubble?.querySelector('button')?.getAttribute('aria-label')).to.equal('Dismiss greeting');
    await expect(el).to.be.accessible();
    bubble?.querySelector('span')?.click();
    await waitUntil(() => textareaOf(el), 'clicking the greeting opens the chat', { timeout: 5000 });
    el.destroy();
    // Once per session: the next page does not pop it up again.
    const again = await mount('greeting="Need a hand with your order?" greeting-delay="0.05"');
    await aTimeout(200);
    expect(again.shadowRoot?.querySelector('[part~="greeting"]')).to.equal(null);
  });

  it('asks for name and email first with pre-chat, and hands them to the team', async () => {
    const el = await mount('pre-chat');
    const preChat = () => panelOf(el)?.shadowRoot?.querySelector<HTMLFormElement>('form[part="pre-chat"]');
    await openPanel(el, preChat);
    const form = preChat();
    expect(form, 'the pre-chat form replaces the composer').to.exist;
    expect(deepActive()?.id).to.equal('pre-name');
    await expect(el).to.be.accessible();
    const name = form?.querySelector<HTMLInputElement>('#pre-name');
    const email = form?.querySelector<HTMLInputElement>('#pre-email');
    if (!name || !email || !form) throw new Error('no form fields');
    name.value = 'Ada';
    email.value = 'ada@example.com';
    form.requestSubmit();
    await waitUntil(() => textareaOf(el), 'the composer follows the form');
    await waitUntil(() => el.client?.getSnapshot().visitor, 'connected', { timeout: 5000 });
    const visitor = el.client?.getSnapshot().visitor?.id ?? '';
    await waitUntil(
      async () => (await storedContext(server, visitor))?.attributes?.email === 'ada@example.com',
      'stored',
      {
        timeout: 5000,
      },
    );
    expect((await storedContext(server, visitor))?.attributes?.name).to.equal('Ada');
  });

  it('outside business hours shows the away message and takes an email for the team', async () => {
    const away = await startServer({
      siteId: 'w-shell-away',
      awayMessage: 'We are closed until Monday.',
      businessHours: { timezone: 'UTC', weekly: {} },
    });
    try {
      const el = await fixture<ParlorChat>(`<parlor-chat site-id="w-shell-away" server="${away.url}"></parlor-chat>`);
      mounted.push(el);
      const form = () => panelOf(el)?.shadowRoot?.querySelector<HTMLFormElement>('form[part="away-form"]');
      await openPanel(el);
      await waitUntil(form, 'the welcome says the site is away', { timeout: 5000 });
      const root = panelOf(el)?.shadowRoot;
      expect(root?.querySelector('[part="away"]')?.textContent).to.equal('We are closed until Monday.');
      expect(root?.querySelector('.presence')?.textContent?.trim()).to.equal('We’re away right now');
      await expect(el).to.be.accessible();
      const email = form()?.querySelector<HTMLInputElement>('input[type="email"]');
      if (!email) throw new Error('no email field');
      email.value = 'later@example.com';
      form()?.requestSubmit();
      await waitUntil(() => !form(), 'the form goes once sent');
      const visitor = el.client?.getSnapshot().visitor?.id ?? '';
      await waitUntil(
        async () => (await storedContext(away, visitor))?.attributes?.email === 'later@example.com',
        'stored',
        {
          timeout: 5000,
        },
      );
    } finally {
      await stopServer(away);
    }
  });

  it('counts load, open and close only once the visitor consented to analytics', async () => {
    const counted = await startServer({ siteId: 'w-shell-analytics' });
    try {
      const el = await fixture<ParlorChat>(
        `<parlor-chat site-id="w-shell-analytics" server="${counted.url}"></parlor-chat>`,
      );
      mounted.push(el);
      await openPanel(el);
      el.hide();
      // Until now there was no consent: that load, open and close were never counted.
      el.setConsent({ context: false, analytics: true });
      const panel = panelOf(el);
      el.show();
      await panel?.updateComplete;
      el.hide();
      await panel?.updateComplete;
      el.destroy(); // flushes what is queued
      await waitUntil(async () => (await eventCounts(counted)).close === 1, 'the batch arrives', { timeout: 5000 });
      expect(await eventCounts(counted)).to.deep.equal({ open: 1, close: 1 });
    } finally {
      await stopServer(counted);
    }
  });

  it('puts the unread count in the page title while the tab is hidden, and takes it out when back', async () => {
    const el = await mount('title-badge');
    await openPanel(el);
    const textarea = textareaOf(el);
    if (!textarea) throw new Error('no composer');
    await el.client?.send('Anyone there?');
    await waitUntil(() => el.client?.getSnapshot().conversation, 'acknowledged', { timeout: 5000 });
    const conversation = el.client?.getSnapshot().conversation?.id ?? '';
    document.title = 'Shop';
    const title = document.title;
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    try {
      document.dispatchEvent(new Event('visibilitychange'));
      await agentSay(server, conversation, 'Yes, here!');
      await waitUntil(() => document.title === `(1) ${title}`, 'the title shows the unread count', {
        timeout: 5000,
      });
    } finally {
      Reflect.deleteProperty(document, 'visibilityState');
    }
    document.dispatchEvent(new Event('visibilitychange'));
    await waitUntil(() => document.title === title, 'the title is restored');
  });

  it('fills a phone screen, follows the visual viewport, keeps scrolling inside, and closes back to the launcher', async () => {
    await setViewport({ width: 390, height: 700 });
    try {
      const el = await mount();
      const panel = await openPanel(el);
      const viewport = window.visualViewport;
      if (!viewport) throw new Error('no visualViewport');
      const rect = panel.getBoundingClientRect();
      expect([rect.left, rect.top, rect.width, Math.round(rect.height)]).to.deep.equal([
        0,
        0,
        390,
        Math.round(viewport.height),
      ]);
      expect(panel.style.getPropertyValue('--parlor-viewport-height')).to.equal(`${viewport.height}px`);
      expect(getComputedStyle(launcherOf(el)).display, 'the launcher gives way to the full-screen panel').to.equal(
        'none',
      );
      const log = panel.shadowRoot?.querySelector('parlor-messages')?.shadowRoot?.querySelector('[part="messages"]');
      expect(log && getComputedStyle(log).overscrollBehaviorY, 'no scroll bleed into the page').to.equal('contain');
      await expect(el).to.be.accessible();
      panel.shadowRoot?.querySelector<HTMLButtonElement>('button.close')?.click();
      expect(el.open).to.equal(false);
      expect(deepActive()).to.equal(launcherOf(el));
    } finally {
      await setViewport({ width: 800, height: 600 });
    }
  });

  it('reopens on the next page of the same site (open state survives navigation)', async () => {
    const first = await mount();
    await openPanel(first);
    first.destroy();
    const second = await mount();
    await waitUntil(() => second.open, 'the open state is restored once the page is idle');
    await waitUntil(() => textareaOf(second), 'the panel reopens by itself', { timeout: 5000 });
  });

  it('keeps its panel and client when moved in the DOM (a framework re-parenting, a morphing navigation)', async () => {
    const el = await mount();
    await openPanel(el);
    const client = el.client;
    const box = document.createElement('div');
    document.body.append(box);
    box.append(el);
    await aTimeout(20);
    expect(el.client).to.equal(client);
    expect(el.open).to.equal(true);
    expect(textareaOf(el)).to.exist;
    box.remove();
  });

  it('lives beside another widget for another site without sharing anything', async () => {
    const other = await startServer({ siteId: 'w-shell-2' });
    try {
      const a = await mount();
      const b = await fixture<ParlorChat>(
        `<parlor-chat site-id="w-shell-2" server="${other.url}" position="left"></parlor-chat>`,
      );
      mounted.push(b);
      await openPanel(a);
      await openPanel(b);
      expect(a.client).to.not.equal(b.client);
      expect(b.open && a.open).to.equal(true);
      a.hide();
      expect(b.open).to.equal(true);
    } finally {
      await stopServer(other);
    }
  });

  it('leaves nothing behind on destroy: no element, no socket', async () => {
    const el = await mount();
    await openPanel(el);
    await waitUntil(async () => (await serverConnections(server)).visitor > 0, 'connected', { timeout: 5000 });
    el.destroy();
    expect(document.querySelector(`parlor-chat[site-id="${SITE}"]`)).to.equal(null);
    await waitUntil(async () => (await serverConnections(server)).visitor === 0, 'socket closed', { timeout: 5000 });
  });
});
