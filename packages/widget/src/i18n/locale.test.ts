import { expect } from '@open-wc/testing';
import { defaultStrings, direction, loadStrings, locales, resolveLocale, stringsFor } from './locale.js';
import { en } from './locales/en.js';
import type { ParlorStrings } from './strings.js';

describe('resolveLocale', () => {
  const none = {};

  it('returns an exact match, ignoring case and spelled as available', () => {
    expect(resolveLocale('fr', locales, none)).to.equal('fr');
    expect(resolveLocale('FR', locales, none)).to.equal('fr');
    expect(resolveLocale('pt-br', ['en', 'pt-BR', 'pt'], none)).to.equal('pt-BR');
  });

  it('falls back from a region or script to the language', () => {
    expect(resolveLocale('pt-BR', locales, none)).to.equal('pt');
    expect(resolveLocale('de-CH', locales, none)).to.equal('de');
    expect(resolveLocale('ar-EG-u-nu-latn', locales, none)).to.equal('ar');
    expect(resolveLocale('en_GB', locales, none)).to.equal('en');
  });

  it('prefers a sibling of the same language and script to English', () => {
    expect(resolveLocale('pt-PT', ['en', 'pt-BR'], none)).to.equal('pt-BR');
    expect(resolveLocale('zh-TW', ['en', 'zh-CN'], none)).to.equal('en');
  });

  it('falls to English when nothing in the chain is available', () => {
    expect(resolveLocale('zh-Hant-TW', locales, none)).to.equal('en');
  });

  it('uses the document language, then the navigator languages, when the site asks for none', () => {
    expect(resolveLocale(undefined, locales, { documentLang: 'nl-BE', navigatorLanguages: ['ja'] })).to.equal('nl');
    expect(resolveLocale(undefined, locales, { documentLang: '', navigatorLanguages: ['ko-KR', 'he-IL'] })).to.equal(
      'he',
    );
    expect(resolveLocale('zh', locales, { navigatorLanguages: ['es-MX'] })).to.equal('es');
  });

  it('skips invalid tags and ends at English', () => {
    expect(
      resolveLocale('not a locale!!', locales, { documentLang: '@@', navigatorLanguages: ['', '-', '123'] }),
    ).to.equal('en');
    expect(resolveLocale('', locales, { navigatorLanguages: ['x', 'ja-JP'] })).to.equal('ja');
  });

  it('returns the first available locale when English is not among them', () => {
    expect(resolveLocale('ko', ['fr', 'de'], none)).to.equal('fr');
  });
});

describe('direction', () => {
  it('is rtl for Arabic, Hebrew and Persian, ltr for English and Japanese', () => {
    for (const tag of ['ar', 'he', 'fa', 'ar-EG', 'he-IL']) expect(direction(tag), tag).to.equal('rtl');
    for (const tag of ['en', 'ja', 'en-US', 'fr']) expect(direction(tag), tag).to.equal('ltr');
  });

  it('treats invalid tags as ltr', () => {
    expect(direction('!!')).to.equal('ltr');
  });

  it('falls back to the script when the engine has no text info', () => {
    const proto = Intl.Locale.prototype;
    const saved = ['getTextInfo', 'textInfo'].map(
      (name) => [name, Object.getOwnPropertyDescriptor(proto, name)] as const,
    );
    try {
      for (const [name] of saved) Object.defineProperty(proto, name, { value: undefined, configurable: true });
      for (const tag of ['ar', 'he', 'fa', 'ur', 'yi', 'az-Arab']) expect(direction(tag), tag).to.equal('rtl');
      for (const tag of ['en', 'ja', 'az', 'tr']) expect(direction(tag), tag).to.equal('ltr');
    } finally {
      for (const [name, descriptor] of saved) {
        if (descriptor) Object.defineProperty(proto, name, descriptor);
        else Reflect.deleteProperty(proto, name);
      }
    }
  });
});

describe('stringsFor and loadStrings', () => {
  it('serves English synchronously by default', () => {
    expect(defaultStrings).to.equal(en);
    expect(loadStrings('en').send).to.equal('Send');
    expect(loadStrings('zz').send).to.equal('Send');
  });

  it('loads a locale lazily, once, matching regional tags', async () => {
    const fr = await stringsFor('fr-CA');
    expect(fr.send).to.equal('Envoyer');
    expect(await stringsFor('fr')).to.equal(fr);
    expect(loadStrings('fr-FR').send).to.equal('Envoyer');
  });

  it('merges overrides over the locale over English', async () => {
    await stringsFor('de');
    const strings = loadStrings('de', {
      launcherLabel: 'Fragen?',
      launcherLabelUnread: (count) => `Fragen? (${count})`,
    });
    expect(strings.launcherLabel).to.equal('Fragen?');
    expect(strings.launcherLabelUnread(2)).to.equal('Fragen? (2)');
    expect(strings.send).to.equal('Senden');
    expect(Object.isFrozen(strings)).to.equal(true);
  });

  it('ignores undefined, unknown and wrongly typed overrides', async () => {
    await stringsFor('es');
    const fromJavaScript = {
      send: undefined,
      typing: 'Escribiendo',
      notAString: 'x',
    } as unknown as Partial<ParlorStrings>;
    const strings = loadStrings('es', fromJavaScript);
    expect(strings.send).to.equal('Enviar');
    expect(strings.typing('Ana')).to.equal('Ana está escribiendo…');
    expect(Object.keys(strings)).not.to.include('notAString');
  });
});
