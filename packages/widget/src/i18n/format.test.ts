import { expect } from '@open-wc/testing';
import {
  dateTimeFormat,
  formatBytes,
  formatDay,
  formatPercent,
  formatPlural,
  formatRelative,
  formatTime,
  numberFormat,
  pluralRules,
  relativeTimeFormat,
} from './format.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
// Midday, so "yesterday" and "a few days ago" never straddle a daylight-saving change into another date.
const NOW = new Date(2025, 5, 18, 12, 0).getTime();

describe('formatTime', () => {
  it('uses the locale’s clock', () => {
    const ms = new Date(2025, 5, 18, 15, 4).getTime();
    expect(formatTime(ms, 'en')).to.match(/^3:04\sPM$/);
    expect(formatTime(ms, 'de')).to.equal('15:04');
  });
});

describe('formatDay', () => {
  it('says today and yesterday in the locale’s words, capitalised', () => {
    expect(formatDay(NOW, 'en', NOW)).to.equal('Today');
    expect(formatDay(NOW, 'fr', NOW).toLowerCase()).to.equal('aujourd’hui');
    expect(formatDay(NOW - DAY, 'en', NOW)).to.equal('Yesterday');
    expect(formatDay(NOW - DAY, 'de', NOW)).to.equal('Gestern');
    expect(formatDay(NOW, 'ja', NOW)).to.equal('今日');
  });

  it('counts calendar days, not 24-hour spans', () => {
    const lateYesterday = new Date(2025, 5, 17, 23, 59).getTime();
    const earlyToday = new Date(2025, 5, 18, 0, 1).getTime();
    expect(formatDay(lateYesterday, 'en', earlyToday)).to.equal('Yesterday');
  });

  it('names the weekday within a week, then the date, with the year only when it differs', () => {
    expect(formatDay(NOW - 3 * DAY, 'en', NOW)).to.equal('Sunday');
    expect(formatDay(NOW - 3 * DAY, 'es', NOW)).to.equal('Domingo');
    expect(formatDay(new Date(2025, 0, 5).getTime(), 'en', NOW)).to.equal('January 5');
    expect(formatDay(new Date(2024, 0, 5).getTime(), 'fr', NOW)).to.equal('5 janvier 2024');
  });
});

describe('formatRelative', () => {
  it('picks the largest fitting unit', () => {
    expect(formatRelative(NOW - 2 * MINUTE, NOW, 'en')).to.equal('2 minutes ago');
    expect(formatRelative(NOW - 2 * MINUTE, NOW, 'fr')).to.equal('il y a 2 minutes');
    expect(formatRelative(NOW - 3 * 60 * MINUTE, NOW, 'en')).to.equal('3 hours ago');
    expect(formatRelative(NOW - DAY, NOW, 'en')).to.equal('yesterday');
    expect(formatRelative(NOW + 5 * MINUTE, NOW, 'de')).to.equal('in 5 Minuten');
  });

  it('says now under a minute', () => {
    expect(formatRelative(NOW - 20_000, NOW, 'en')).to.equal('now');
  });
});

describe('formatBytes', () => {
  it('uses the locale’s unit names and decimal separator', () => {
    expect(formatBytes(500, 'en')).to.equal('500 byte');
    expect(formatBytes(2.5 * 1024 * 1024, 'en')).to.equal('2.5 MB');
    expect(formatBytes(2.5 * 1024 * 1024, 'de')).to.equal('2,5 MB');
    expect(formatBytes(10 * 1024 * 1024, 'fr')).to.match(/^10\sMo$/);
    expect(formatBytes(300 * 1024, 'en')).to.equal('300 kB');
  });
});

describe('formatPercent and formatPlural', () => {
  it('spaces the percent sign as the locale does', () => {
    expect(formatPercent(42, 'en')).to.equal('42%');
    // A no-break space of some width: which one depends on the engine's CLDR version.
    expect(formatPercent(42, 'fr')).to.match(/^42\s%$/);
  });

  it('falls back to other for a category the forms leave out', () => {
    expect(formatPlural(11, 'ar', { other: '# x' })).to.equal(`${new Intl.NumberFormat('ar').format(11)} x`);
    expect(formatPlural(1, 'en', { one: 'one #', other: '# many' })).to.equal('one 1');
  });
});

describe('formatter cache', () => {
  it('returns the same Intl object for the same locale and options', () => {
    expect(dateTimeFormat('en', { hour: 'numeric', minute: '2-digit' })).to.equal(
      dateTimeFormat('en', { minute: '2-digit', hour: 'numeric' }),
    );
    expect(numberFormat('fr')).to.equal(numberFormat('fr'));
    expect(relativeTimeFormat('de', { numeric: 'auto' })).to.equal(relativeTimeFormat('de', { numeric: 'auto' }));
    expect(pluralRules('ar')).to.equal(pluralRules('ar'));
  });

  it('keeps separate objects for different locales or options', () => {
    expect(numberFormat('fr')).not.to.equal(numberFormat('de'));
    expect(relativeTimeFormat('de', { numeric: 'auto' })).not.to.equal(relativeTimeFormat('de'));
    expect(dateTimeFormat('en', { hour: 'numeric' })).not.to.equal(dateTimeFormat('en', { weekday: 'long' }));
  });
});
