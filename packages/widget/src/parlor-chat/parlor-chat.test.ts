import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../define.js';
import type { ParlorChat } from './parlor-chat.js';

describe('<parlor-chat>', () => {
  it('renders a named launcher button in its shadow root', async () => {
    const el = await fixture<ParlorChat>(html`<parlor-chat site-id="demo"></parlor-chat>`);
    const button = el.shadowRoot!.querySelector('button[part="launcher"]');
    expect(button).to.exist;
    expect(button!.getAttribute('aria-label')).to.equal('Chat with us');
    expect(button!.getAttribute('aria-expanded')).to.equal('false');
    await expect(el).to.be.accessible();
  });

  it('opens on click, fires parlor-open, and closes on Escape with parlor-close', async () => {
    const el = await fixture<ParlorChat>(html`<parlor-chat></parlor-chat>`);
    const button = el.shadowRoot!.querySelector<HTMLButtonElement>('button[part="launcher"]')!;
    setTimeout(() => button.click());
    const opened = await oneEvent(el, 'parlor-open');
    expect(opened.detail).to.deep.equal({ open: true });
    await el.updateComplete;
    const panel = el.shadowRoot!.querySelector<HTMLElement>('[part="panel"]')!;
    expect(panel.getAttribute('role')).to.equal('dialog');
    expect(button.getAttribute('aria-expanded')).to.equal('true');
    await expect(el).to.be.accessible();

    setTimeout(() =>
      panel.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true })),
    );
    const closed = await oneEvent(el, 'parlor-close');
    expect(closed.detail).to.deep.equal({ open: false });
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part="panel"]')).to.equal(null);
  });
});
