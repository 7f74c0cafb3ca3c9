import { expect } from '@open-wc/testing';
import { linkify, MAX_LINKS_PER_MESSAGE, MAX_URL_LENGTH } from './linkify.js';
import type { Token } from './linkify.js';
import { XSS_PAYLOADS } from './xss-payloads.js';

declare global {
  interface Window {
    __xss: number;
  }
}

const ALLOWED = ['http:', 'https:', 'mailto:'];

const text = (t: string): Token => ({ kind: 'text', text: t });
const link = (t: string, href: string): Token => ({ kind: 'link', text: t, href });

/** Renders tokens the way the widget does: text nodes, and `<a>` elements built property by property. */
function render(tokens: readonly Token[]): HTMLDivElement {
  const container = document.createElement('div');
  for (const token of tokens) {
    if (token.kind === 'text') {
      container.append(document.createTextNode(token.text));
      continue;
    }
    const a = document.createElement('a');
    a.href = token.href;
    a.rel = 'noopener noreferrer nofollow';
    a.target = '_blank';
    a.textContent = token.text;
    container.append(a);
  }
  return container;
}

const joined = (tokens: readonly Token[]): string => tokens.map((t) => t.text).join('');
const links = (tokens: readonly Token[]): Token[] => tokens.filter((t) => t.kind === 'link');

describe('linkify', () => {
  describe('finds links people write', () => {
    it('returns no tokens for an empty message and one text token for plain text', () => {
      expect(linkify('')).to.deep.equal([]);
      expect(linkify('hello, no links here.')).to.deep.equal([text('hello, no links here.')]);
    });

    it('links several http and https URLs with paths, queries and fragments', () => {
      expect(linkify('see https://example.com and http://docs.example.org/a/b?x=1&y=two#part now')).to.deep.equal([
        text('see '),
        link('https://example.com', 'https://example.com/'),
        text(' and '),
        link('http://docs.example.org/a/b?x=1&y=two#part', 'http://docs.example.org/a/b?x=1&y=two#part'),
        text(' now'),
      ]);
    });

    it('links www. hosts over https', () => {
      expect(linkify('go to www.example.com/pricing today')).to.deep.equal([
        text('go to '),
        link('www.example.com/pricing', 'https://www.example.com/pricing'),
        text(' today'),
      ]);
    });

    it('links email addresses and mailto: as mailto hrefs', () => {
      expect(linkify('write to support@example.com.')).to.deep.equal([
        text('write to '),
        link('support@example.com', 'mailto:support@example.com'),
        text('.'),
      ]);
      expect(linkify("mail o'brien@example.ie or 'ops@example.com'")).to.deep.equal([
        text('mail '),
        link("o'brien@example.ie", "mailto:o'brien@example.ie"),
        text(" or '"),
        link('ops@example.com', 'mailto:ops@example.com'),
        text("'"),
      ]);
      expect(linkify('or mailto:Sales.Team+eu@Example.COM')).to.deep.equal([
        text('or '),
        link('mailto:Sales.Team+eu@Example.COM', 'mailto:Sales.Team+eu@example.com'),
      ]);
    });

    it('links ports, IP addresses and localhost', () => {
      expect(
        links(linkify('https://example.com:8443/p?q=1#f http://192.168.0.1/admin http://localhost:3000/')),
      ).to.deep.equal([
        link('https://example.com:8443/p?q=1#f', 'https://example.com:8443/p?q=1#f'),
        link('http://192.168.0.1/admin', 'http://192.168.0.1/admin'),
        link('http://localhost:3000/', 'http://localhost:3000/'),
      ]);
    });

    it('reads the scheme and host in any case', () => {
      expect(linkify('HTTPS://EXAMPLE.COM/Path')).to.deep.equal([
        link('HTTPS://EXAMPLE.COM/Path', 'https://example.com/Path'),
      ]);
    });

    it('shows Unicode domains as written and opens their punycode form', () => {
      expect(linkify('https://münchen.de/straße and info@bücher.de')).to.deep.equal([
        link('https://münchen.de/straße', 'https://xn--mnchen-3ya.de/stra%C3%9Fe'),
        text(' and '),
        link('info@bücher.de', 'mailto:info@xn--bcher-kva.de'),
      ]);
    });

    it('links a URL inside Chinese text up to the full-width punctuation', () => {
      expect(linkify('请访问https://example.com/帮助。谢谢')).to.deep.equal([
        text('请访问'),
        link('https://example.com/帮助', 'https://example.com/%E5%B8%AE%E5%8A%A9'),
        text('。谢谢'),
      ]);
    });
  });

  describe('handles punctuation around a URL', () => {
    it('leaves a final full stop out', () => {
      expect(linkify('see https://a.com/x.')).to.deep.equal([
        text('see '),
        link('https://a.com/x', 'https://a.com/x'),
        text('.'),
      ]);
    });

    for (const mark of [',', ';', ':', '!', '?', "'", '"', '»', '...', '?!']) {
      it(`leaves a trailing ${JSON.stringify(mark)} out`, () => {
        expect(linkify(`https://a.com/x${mark} next`)).to.deep.equal([
          link('https://a.com/x', 'https://a.com/x'),
          text(`${mark} next`),
        ]);
      });
    }

    it('keeps inner punctuation', () => {
      expect(links(linkify('https://a.com/a.b,c;d:e!f?g=1'))).to.deep.equal([
        link('https://a.com/a.b,c;d:e!f?g=1', 'https://a.com/a.b,c;d:e!f?g=1'),
      ]);
    });

    it('keeps balanced parentheses as in Wikipedia URLs', () => {
      expect(linkify('https://en.wikipedia.org/wiki/Foo_(bar)')).to.deep.equal([
        link('https://en.wikipedia.org/wiki/Foo_(bar)', 'https://en.wikipedia.org/wiki/Foo_(bar)'),
      ]);
      expect(linkify('(see https://en.wikipedia.org/wiki/Foo_(bar)).')).to.deep.equal([
        text('(see '),
        link('https://en.wikipedia.org/wiki/Foo_(bar)', 'https://en.wikipedia.org/wiki/Foo_(bar)'),
        text(').'),
      ]);
    });

    it('leaves wrapping parentheses, brackets and angle brackets out', () => {
      expect(linkify('(https://a.com) [www.b.com] <https://c.com/x>')).to.deep.equal([
        text('('),
        link('https://a.com', 'https://a.com/'),
        text(') ['),
        link('www.b.com', 'https://www.b.com/'),
        text('] <'),
        link('https://c.com/x', 'https://c.com/x'),
        text('>'),
      ]);
    });

    it('links the target of a Markdown link but not its brackets', () => {
      expect(linkify('[docs](https://a.com/docs)')).to.deep.equal([
        text('[docs]('),
        link('https://a.com/docs', 'https://a.com/docs'),
        text(')'),
      ]);
    });
  });

  describe('leaves as text', () => {
    const refused: Record<string, string> = {
      'javascript:': 'javascript:alert(1)',
      'data:': 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'vbscript:': 'vbscript:msgbox(1)',
      'file:': 'file:///etc/passwd',
      'blob:': 'blob:https://example.com/0f5f2e6e',
      'ftp:': 'ftp://example.com/file',
      'a tab in the scheme': 'java\tscript:alert(1)',
      'a mixed-case scheme': 'JaVaScRiPt:alert(1)',
      'an entity in the scheme': '&#106;avascript:alert(1)',
      'leading spaces and controls': '  \u0001javascript:alert(1)',
      'a null byte': 'java\u0000script:alert(1)',
      'a protocol-relative URL': '//evil.com/x',
      'a protocol-relative www. host': '//www.evil.com/x',
      'a scheme glued to a word': 'xhttps://evil.com',
      'an https URL behind another scheme': 'javascript:https://evil.com',
      credentials: 'https://user:pass@evil.com/',
      'a host that reads as another': 'https://bank.com@evil.com/',
      'a www. host with credentials': 'www.bank.com@evil.com',
      'a host with a space': 'https://exa mple',
      'a single-label host': 'https://intranet/x',
      'a host starting with a hyphen': 'https://-a.com/',
      'an empty label': 'https://a..com/',
      'a numeric TLD': 'https://a.123/',
      'an IP written as one number': 'http://2130706433/',
      'an IP written in hex': 'http://0x7f.1/',
      'a percent-encoded host': 'https://%65vil.com/',
      'an invalid port': 'https://a.com:99999/',
      'a bare scheme': 'https://',
      'a zero-width space in the host': 'https://exa\u200Bmple.com/',
      'an email with two at-signs': 'a@b.com@c.com',
      'an email with a single-label domain': 'root@localhost',
      'an email glued to a URL path': 'https:/x/a@b.com',
    };
    for (const [what, input] of Object.entries(refused)) {
      it(what, () => {
        const tokens = linkify(input);
        expect(links(tokens), JSON.stringify(tokens)).to.deep.equal([]);
        expect(joined(tokens)).to.equal(input);
      });
    }

    it('a URL holding a bidi control character', () => {
      for (const c of ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069']) {
        expect(links(linkify(`https://example.com/${c}gpj.exe`))).to.deep.equal([]);
      }
    });

    it('every URL after a bidi control character, which would make it read backwards', () => {
      const tokens = linkify('https://a.com ok \u202Emoc.elpmaxe//:sptth https://evil.com');
      expect(links(tokens)).to.deep.equal([link('https://a.com', 'https://a.com/')]);
    });

    it(`URLs longer than ${MAX_URL_LENGTH} characters`, () => {
      const base = 'https://example.com/';
      const fits = base + 'a'.repeat(MAX_URL_LENGTH - base.length);
      expect(links(linkify(fits))).to.have.length(1);
      expect(links(linkify(`${fits}a`))).to.deep.equal([]);
    });

    it(`links after the first ${MAX_LINKS_PER_MESSAGE} in a message`, () => {
      const input = Array.from({ length: 60 }, (_, n) => `https://a${n}.com`).join(' ');
      const tokens = linkify(input);
      expect(links(tokens)).to.have.length(MAX_LINKS_PER_MESSAGE);
      expect(links(tokens).at(-1)).to.deep.equal(link('https://a49.com', 'https://a49.com/'));
      expect(joined(tokens)).to.equal(input);
    });
  });

  describe('stays linear on adversarial input', () => {
    const n = 100_000;
    /** Each adversarial shape at `n` characters (the same shape at any size, so sizes compare). */
    const shapes = (n: number): Record<string, string> => ({
      'at-signs': 'a@'.repeat(n / 2),
      'local parts without a domain': `${'a.'.repeat(n / 2 - 1)}@`,
      'open parentheses': `https://a.com/${'('.repeat(n)}`,
      'closing parentheses': `https://a.com/${')'.repeat(n)}`,
      'trailing punctuation': `https://a.com/x${'.,;:!?'.repeat(n / 6)}`,
      'repeated schemes': 'http://'.repeat(n / 7),
      'repeated www.': 'www.'.repeat(n / 4),
      'repeated mailto:': 'mailto:a'.repeat(n / 8),
      'hosts with no TLD': 'https://a '.repeat(n / 10),
      'domains with no end': `a@${'a-'.repeat(n / 2)}`,
      'many short links': 'a.co http://a.co '.repeat(n / 17),
    });
    const adversarial = shapes(n);
    const smaller = shapes(n / 10);
    /** The fastest of three runs, in ms: the least disturbed by whatever else the machine is doing. */
    const fastest = (input: string) => {
      let best = Infinity;
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        linkify(input);
        best = Math.min(best, performance.now() - started);
      }
      return Math.max(best, 0.1); // the timer's resolution, so a tiny run cannot make the ratio explode
    };
    for (const [what, input] of Object.entries(adversarial)) {
      // Timings on a shared machine are noise; their ratio in one run is not. Ten times the input takes about
      // ten times as long when the scan is linear, a hundred times when it is quadratic.
      it(`tokenizes 100,000 characters of ${what} in linear time (10× the input, < 50× the time; quadratic would be 100×)`, () => {
        const small = smaller[what] ?? '';
        linkify(small); // warm up, so the measure is the scan and not the compile
        const ratio = fastest(input) / fastest(small);
        expect(ratio, `ratio ${ratio.toFixed(1)}`).to.be.below(50);
        expect(joined(linkify(input))).to.equal(input);
      });
    }
  });

  describe('shows every XSS payload as text', () => {
    let alert: typeof window.alert;
    let confirm: typeof window.confirm;
    let prompt: typeof window.prompt;
    before(() => {
      ({ alert, confirm, prompt } = window);
      // Any payload that runs calls one of these; counting calls catches it without a dialog.
      window.alert = () => void window.__xss++;
      window.confirm = () => (window.__xss++, false);
      window.prompt = () => (window.__xss++, null);
    });
    after(() => {
      Object.assign(window, { alert, confirm, prompt });
    });
    beforeEach(() => {
      window.__xss = 0;
    });

    XSS_PAYLOADS.forEach((payload, index) => {
      it(`#${index}: ${JSON.stringify(payload.slice(0, 60))}`, async () => {
        const tokens = linkify(payload);
        expect(joined(tokens)).to.equal(payload);
        for (const token of links(tokens)) {
          if (token.kind === 'link') expect(ALLOWED).to.include(new URL(token.href).protocol);
        }

        const container = render(tokens);
        document.body.append(container);
        try {
          await new Promise((resolve) => setTimeout(resolve, 0));
          expect(window.__xss).to.equal(0);
          expect(container.textContent).to.equal(payload);
          for (const element of container.querySelectorAll('*')) expect(element.tagName).to.equal('A');
          for (const node of container.childNodes)
            expect([Node.TEXT_NODE, Node.ELEMENT_NODE]).to.include(node.nodeType);
          for (const a of container.querySelectorAll('a')) {
            expect(ALLOWED).to.include(new URL(a.href).protocol);
            expect(a.rel).to.equal('noopener noreferrer nofollow');
            expect(a.target).to.equal('_blank');
          }
        } finally {
          container.remove();
        }
      });
    });
  });
});
