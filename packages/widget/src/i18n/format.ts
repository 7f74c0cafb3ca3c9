/**
 * Locale-aware formatting over cached `Intl` objects. Constructing an `Intl` formatter loads locale data and costs
 * far more than using one, and a message list formats a time per message, so every formatter here is created once
 * per (locale, options) and reused.
 */

const cache = new Map<string, object>();

/**
 * Returns the cached instance for `kind`, `locale` and `options`, creating it on first use. Option keys are sorted
 * for the cache key so `{ a, b }` and `{ b, a }` share an instance; every options object used here is flat.
 */
function cached<T extends object, O extends object>(kind: string, locale: string, options: O, create: () => T): T {
  const key = `${kind}|${locale}|${JSON.stringify(options, Object.keys(options).sort())}`;
  const hit = cache.get(key);
  if (hit) return hit as T;
  const made = create();
  cache.set(key, made);
  return made;
}

/**
 * The shared `Intl.DateTimeFormat` for `locale` and `options`.
 *
 * @example
 * ```ts
 * dateTimeFormat('de', { weekday: 'long' }).format(Date.now()); // 'Montag'
 * ```
 */
export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions = {}): Intl.DateTimeFormat {
  return cached('dt', locale, options, () => new Intl.DateTimeFormat(locale, options));
}

/**
 * The shared `Intl.NumberFormat` for `locale` and `options`.
 *
 * @example
 * ```ts
 * numberFormat('fr').format(1234.5); // '1 234,5'
 * ```
 */
export function numberFormat(locale: string, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  return cached('num', locale, options, () => new Intl.NumberFormat(locale, options));
}

/**
 * The shared `Intl.RelativeTimeFormat` for `locale` and `options`.
 *
 * @example
 * ```ts
 * relativeTimeFormat('en', { numeric: 'auto' }).format(-1, 'day'); // 'yesterday'
 * ```
 */
export function relativeTimeFormat(
  locale: string,
  options: Intl.RelativeTimeFormatOptions = {},
): Intl.RelativeTimeFormat {
  return cached('rel', locale, options, () => new Intl.RelativeTimeFormat(locale, options));
}

/**
 * The shared `Intl.PluralRules` for `locale` and `options`.
 *
 * @example
 * ```ts
 * pluralRules('ar').select(11); // 'many'
 * ```
 */
export function pluralRules(locale: string, options: Intl.PluralRulesOptions = {}): Intl.PluralRules {
  return cached('plural', locale, options, () => new Intl.PluralRules(locale, options));
}

/** One message per CLDR plural category; `other` is required because every locale has it. */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/**
 * Picks the form of a message for `count` by the locale's plural rules (falling back to `other` for a category
 * the translation does not list) and replaces each `#` with `count`, formatted for the locale.
 *
 * @example
 * ```ts
 * formatPlural(0, 'fr', { one: '# message', other: '# messages' }); // '0 message' — French 0 is singular
 * formatPlural(11, 'ar', { few: '# رسائل', many: '# رسالة', other: '# رسالة' }); // '11 رسالة'
 * ```
 */
export function formatPlural(count: number, locale: string, forms: PluralForms): string {
  const form = forms[pluralRules(locale).select(count)] ?? forms.other;
  return form.replaceAll('#', formatNumber(count, locale));
}

/**
 * Formats a number for display in `locale`, with the locale's digits and grouping.
 *
 * @example
 * ```ts
 * formatNumber(1500, 'de'); // '1.500'
 * ```
 */
export function formatNumber(n: number, locale: string): string {
  return numberFormat(locale).format(n);
}

/**
 * Formats a percentage given from 0 to 100, rounded to a whole number, with the locale's sign and spacing.
 *
 * @example
 * ```ts
 * formatPercent(42, 'fr'); // '42 %' (narrow no-break space)
 * ```
 */
export function formatPercent(percent: number, locale: string): string {
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(percent / 100);
}

/**
 * Formats the time of day of `ms` (epoch milliseconds) in the user's time zone, e.g. "3:04 PM" or "15:04".
 *
 * @example
 * ```ts
 * formatTime(message.createdAt, 'en'); // '3:04 PM'
 * ```
 */
export function formatTime(ms: number, locale: string): string {
  return dateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' }).format(ms);
}

const DAY = 86_400_000;

/** Whole calendar days from `now` to `ms` in the user's time zone: 0 is today, -1 yesterday. */
function calendarDaysBetween(now: number, ms: number): number {
  const a = new Date(now);
  const b = new Date(ms);
  // Compare local calendar dates through UTC so daylight-saving days (23 or 25 hours) still count as one.
  return Math.round(
    (Date.UTC(b.getFullYear(), b.getMonth(), b.getDate()) - Date.UTC(a.getFullYear(), a.getMonth(), a.getDate())) / DAY,
  );
}

/** Upper-cases the first letter: `Intl.RelativeTimeFormat` says "today", a day separator wants "Today". */
function capitalize(text: string, locale: string): string {
  const first = text.codePointAt(0);
  if (first === undefined) return text;
  const head = String.fromCodePoint(first);
  return head.toLocaleUpperCase(locale) + text.slice(head.length);
}

/**
 * Names the day of `ms` for a day separator in the message list: "Today" and "Yesterday" (in the locale's own
 * words), the weekday within the past week, otherwise the date, with the year only when it is not this year.
 *
 * @param now - The current time; defaults to `Date.now()`.
 * @example
 * ```ts
 * formatDay(Date.now(), 'fr'); // 'Aujourd’hui'
 * formatDay(Date.now() - 86_400_000, 'de'); // 'Gestern'
 * ```
 */
export function formatDay(ms: number, locale: string, now: number = Date.now()): string {
  const days = calendarDaysBetween(now, ms);
  if (days >= -1 && days <= 1) {
    return capitalize(relativeTimeFormat(locale, { numeric: 'auto' }).format(days, 'day'), locale);
  }
  if (days < 0 && days > -7) return capitalize(dateTimeFormat(locale, { weekday: 'long' }).format(ms), locale);
  const sameYear = new Date(ms).getFullYear() === new Date(now).getFullYear();
  const options: Intl.DateTimeFormatOptions = sameYear
    ? { month: 'long', day: 'numeric' }
    : { year: 'numeric', month: 'long', day: 'numeric' };
  return dateTimeFormat(locale, options).format(ms);
}

/** Largest unit first, with its length in seconds: a distance is told in the first unit it reaches. */
const RELATIVE_UNITS: readonly { unit: Intl.RelativeTimeFormatUnit; seconds: number }[] = [
  { unit: 'year', seconds: 31_536_000 },
  { unit: 'month', seconds: 2_592_000 },
  { unit: 'week', seconds: 604_800 },
  { unit: 'day', seconds: 86_400 },
  { unit: 'hour', seconds: 3_600 },
  { unit: 'minute', seconds: 60 },
];

/**
 * Describes `ms` relative to `now` in the largest fitting unit: "now", "2 minutes ago", "yesterday", "in 3 hours".
 * Under a minute reads as "now" rather than a ticking count of seconds.
 *
 * @example
 * ```ts
 * formatRelative(Date.now() - 120_000, Date.now(), 'en'); // '2 minutes ago'
 * ```
 */
export function formatRelative(ms: number, now: number, locale: string): string {
  const format = relativeTimeFormat(locale, { numeric: 'auto' });
  const seconds = (ms - now) / 1000;
  const distance = Math.abs(seconds);
  for (const { unit, seconds: size } of RELATIVE_UNITS) {
    if (distance >= size) return format.format(Math.trunc(seconds / size), unit);
  }
  return format.format(0, 'second');
}

const BYTE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;

/**
 * Formats a size in bytes with the locale's unit names, e.g. "2.5 MB" or "2,5 Mo".
 *
 * Steps are 1024, not 1000: upload limits are configured as binary sizes (10 MiB), and users expect to read them
 * back as "10 MB". `Intl` has no kibibyte unit, so the familiar names are used.
 *
 * @example
 * ```ts
 * formatBytes(10 * 1024 * 1024, 'fr'); // '10 Mo'
 * ```
 */
export function formatBytes(n: number, locale: string): string {
  let value = n;
  let index = 0;
  while (Math.abs(value) >= 1024 && index < BYTE_UNITS.length - 1) {
    value /= 1024;
    index++;
  }
  const unit = BYTE_UNITS[index] ?? 'byte';
  return numberFormat(locale, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1 }).format(value);
}

/**
 * A duration given in minutes, in words, in the largest fitting unit: minutes below an hour, hours below a day, then
 * days, with at most one decimal.
 *
 * @example
 * ```ts
 * formatMinutes(90, 'en'); // '1.5 hours'
 * formatMinutes(5, 'de'); // '5 Minuten'
 * ```
 */
export function formatMinutes(minutes: number, locale: string): string {
  const [value, unit] =
    minutes < 60 ? [minutes, 'minute'] : minutes < 1440 ? [minutes / 60, 'hour'] : [minutes / 1440, 'day'];
  return numberFormat(locale, { style: 'unit', unit, unitDisplay: 'long', maximumFractionDigits: 1 }).format(value);
}
