import { expect } from '@open-wc/testing';
import { linkifyText, safeHref } from './linkify-text.js';
import { renderBody } from './transcript-entry.js';

function render(text: string): HTMLElement {
  const host = document.createElement('p');
  host.append(linkifyText(text));
  return host;
}

describe('linkifyText', () => {
  it('renders HTML in message text as inert text', () => {
    const host = render('<img src=x onerror="window.__pwned = 1"> <b>bold</b> <script>alert(1)</script>');
    expect(host.querySelector('img, b, script')).to.equal(null);
    expect(host.textContent).to.equal('<img src=x onerror="window.__pwned = 1"> <b>bold</b> <script>alert(1)</script>');
    expect((window as unknown as { __pwned?: number }).__pwned).to.equal(undefined);
  });

  it('links http, https and mailto with rel and target', () => {
    const host = render('See https://example.com/a?b=1, http://x.test or mailto:help@example.com.');
    const links = [...host.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).to.deep.equal([
      'https://example.com/a?b=1',
      'http://x.test/',
      'mailto:help@example.com',
    ]);
    expect(links.map((a) => a.textContent)).to.deep.equal([
      'https://example.com/a?b=1',
      'http://x.test',
      'mailto:help@example.com',
    ]);
    for (const a of links) {
      expect(a.rel).to.equal('noopener noreferrer nofollow');
      expect(a.target).to.equal('_blank');
    }
    expect(host.textContent).to.equal('See https://example.com/a?b=1, http://x.test or mailto:help@example.com.');
  });

  it('refuses javascript: and other schemes', () => {
    const host = render('javascript:alert(1) JavaScript:alert(1) data:text/html,<b>x</b> vbscript:x');
    expect(host.querySelector('a')).to.equal(null);
    expect(safeHref('javascript:alert(1)')).to.equal(null);
    expect(safeHref(' JaVaScRiPt:alert(1)')).to.equal(null);
    expect(safeHref('java\tscript:alert(1)')).to.equal(null);
    expect(safeHref('data:text/html,hi')).to.equal(null);
    expect(safeHref('https://example.com')).to.equal('https://example.com/');
  });

  it('does not let a link swallow markup around it', () => {
    const host = render('https://example.com/"><img src=x onerror=alert(1)>');
    expect(host.querySelector('img')).to.equal(null);
    expect(host.querySelector('a')?.getAttribute('href')).to.equal('https://example.com/');
  });

  it('shows an attachment as a download link with its name as text, and refuses a javascript: url', () => {
    const [safe] = renderBody({
      kind: 'attachment',
      upload: 'upl_0000000000000000000000',
      name: '<img src=x onerror=alert(1)>.pdf',
      mime: 'application/pdf',
      size: 2048,
      url: '/v1/uploads/upl_0000000000000000000000',
    });
    const link = safe?.querySelector('a');
    expect(link?.getAttribute('href')).to.equal(`${location.origin}/v1/uploads/upl_0000000000000000000000`);
    expect(link?.getAttribute('download')).to.equal('<img src=x onerror=alert(1)>.pdf');
    expect(link?.textContent).to.equal('Download <img src=x onerror=alert(1)>.pdf');
    expect(safe?.querySelector('img')).to.equal(null);
    const [unsafe] = renderBody({
      kind: 'attachment',
      upload: 'upl_0000000000000000000000',
      name: 'x.pdf',
      mime: 'application/pdf',
      size: 1,
      url: 'javascript:alert(1)',
    });
    expect(unsafe?.querySelector('a')).to.equal(null);
  });
});
