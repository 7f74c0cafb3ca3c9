import { expect } from '@open-wc/testing';
import { formatNumber } from './format.js';
import { locales, stringsFor } from './locale.js';
import { en } from './locales/en.js';
import type { ParlorStrings } from './strings.js';

type Key = keyof ParlorStrings;

/** Sample arguments for every function-valued string, so each can be rendered and compared. */
const samples: { [K in Key]?: ParlorStrings[K] extends (...args: infer A) => string ? A : never } = {
  launcherLabelUnread: [3],
  typing: ['Sam'],
  newMessageAnnouncement: ['Sam', 'Hello'],
  fileTooLarge: ['10 MB'],
  uploadProgress: [42],
};

/** Renders a string or calls a function-valued string with its sample arguments. */
function render(strings: ParlorStrings, key: Key): string {
  const value: unknown = strings[key];
  if (typeof value === 'string') return value;
  const args = samples[key] ?? [];
  return (value as (...args: unknown[]) => string)(...args);
}

// Words that are the same in the target language; everything else must differ from English.
const sameAsEnglish: Partial<Record<string, readonly Key[]>> = { de: ['preChatNameLabel'] };

const keys = Object.keys(en) as Key[];

describe('locale strings', () => {
  for (const locale of locales) {
    describe(locale, () => {
      it('has every key, each of the same kind as English', async () => {
        const strings = await stringsFor(locale);
        expect(Object.keys(strings).sort()).to.deep.equal([...keys].sort());
        for (const key of keys) expect(typeof strings[key], key).to.equal(typeof en[key]);
      });

      it('has no empty string, and the typing indicator works without a name', async () => {
        const strings = await stringsFor(locale);
        for (const key of keys) expect(render(strings, key).trim(), key).not.to.equal('');
        expect(strings.typing().trim()).not.to.equal('');
        expect(strings.typing()).not.to.include('undefined');
      });

      if (locale !== 'en') {
        it('translates every string rather than repeating English', async () => {
          const strings = await stringsFor(locale);
          const allowed = sameAsEnglish[locale] ?? [];
          for (const key of keys.filter((k) => !allowed.includes(k))) {
            expect(render(strings, key), key).not.to.equal(render(en, key));
          }
        });
      }

      it('puts parameters into the message', async () => {
        const strings = await stringsFor(locale);
        expect(strings.typing('Sam')).to.include('Sam');
        expect(strings.newMessageAnnouncement('Sam', 'Hello')).to.include('Sam').and.include('Hello');
        expect(strings.fileTooLarge('10 MB')).to.include('10 MB');
        expect(strings.uploadProgress(42)).to.include(formatNumber(42, locale));
      });
    });
  }

  it('keeps the attribution’s product name untranslated', async () => {
    for (const locale of locales) expect((await stringsFor(locale)).poweredBy, locale).to.include('Parlor');
  });
});

describe('launcherLabelUnread plural forms', () => {
  const counts = [0, 1, 2, 3, 5, 11, 100];
  const label = async (locale: string) => (await stringsFor(locale)).launcherLabelUnread;

  it('en: singular only for 1', async () => {
    const f = await label('en');
    expect(counts.map(f)).to.deep.equal([
      'Chat with us, 0 unread messages',
      'Chat with us, 1 unread message',
      'Chat with us, 2 unread messages',
      'Chat with us, 3 unread messages',
      'Chat with us, 5 unread messages',
      'Chat with us, 11 unread messages',
      'Chat with us, 100 unread messages',
    ]);
  });

  it('fr: 0 and 1 are singular', async () => {
    const f = await label('fr');
    expect(counts.map(f)).to.deep.equal([
      'Discuter avec nous, 0 message non lu',
      'Discuter avec nous, 1 message non lu',
      'Discuter avec nous, 2 messages non lus',
      'Discuter avec nous, 3 messages non lus',
      'Discuter avec nous, 5 messages non lus',
      'Discuter avec nous, 11 messages non lus',
      'Discuter avec nous, 100 messages non lus',
    ]);
    expect(f(1_000_000)).to.include('de messages non lus');
  });

  it('pt: 0 and 1 are singular', async () => {
    const f = await label('pt');
    expect(counts.map(f)).to.deep.equal([
      'Fale conosco, 0 mensagem não lida',
      'Fale conosco, 1 mensagem não lida',
      'Fale conosco, 2 mensagens não lidas',
      'Fale conosco, 3 mensagens não lidas',
      'Fale conosco, 5 mensagens não lidas',
      'Fale conosco, 11 mensagens não lidas',
      'Fale conosco, 100 mensagens não lidas',
    ]);
  });

  it('ja: one form with a counter for every number', async () => {
    const f = await label('ja');
    for (const n of counts) expect(f(n)).to.equal(`チャットでお問い合わせ（未読メッセージ ${n} 件）`);
  });

  it('ar: zero, one, two, few, many and other, with the locale’s digits', async () => {
    const f = await label('ar');
    // Whether `ar` writes ١١ or 11 depends on the engine's CLDR version; the label follows Intl either way.
    const n = (x: number) => formatNumber(x, 'ar');
    expect(counts.map(f)).to.deep.equal([
      'تحدث معنا، لا توجد رسائل غير مقروءة',
      'تحدث معنا، رسالة واحدة غير مقروءة',
      'تحدث معنا، رسالتان غير مقروءتين',
      `تحدث معنا، ${n(3)} رسائل غير مقروءة`,
      `تحدث معنا، ${n(5)} رسائل غير مقروءة`,
      `تحدث معنا، ${n(11)} رسالة غير مقروءة`,
      `تحدث معنا، ${n(100)} رسالة غير مقروءة`,
    ]);
  });
});
