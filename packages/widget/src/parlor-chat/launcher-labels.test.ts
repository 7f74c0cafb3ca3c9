import { expect } from '@open-wc/testing';
import { locales, stringsFor } from '../i18n/locale.js';
import { LAUNCHER_LABELS, launcherLabelFor } from './launcher-labels.js';

describe('launcher labels', () => {
  it('match every shipped locale, so the eager copy never drifts from the translations', async () => {
    for (const locale of locales) {
      const strings = await stringsFor(locale);
      expect(LAUNCHER_LABELS[locale], locale).to.equal(strings.launcherLabel);
    }
    expect(Object.keys(LAUNCHER_LABELS).sort()).to.deep.equal([...locales].sort());
  });

  it('resolve a region tag to its language and fall back to the page, then English', () => {
    expect(launcherLabelFor('fr-CA')).to.equal('Discuter avec nous');
    expect(launcherLabelFor('pt_BR')).to.equal('Fale conosco');
    const before = document.documentElement.lang;
    document.documentElement.lang = 'de';
    try {
      expect(launcherLabelFor('xx')).to.equal('Chatten Sie mit uns');
    } finally {
      document.documentElement.lang = before;
    }
  });
});
