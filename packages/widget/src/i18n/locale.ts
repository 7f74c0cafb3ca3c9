import { en } from './locales/en.js';
import type { ParlorStrings } from './strings.js';

/** The locales the widget ships strings for. English is bundled; the others load on demand. */
export const locales = ['en', 'es', 'fr', 'de', 'nl', 'pt', 'ja', 'ar', 'he'] as const;

/** A locale the widget ships strings for. */
export type ParlorLocale = (typeof locales)[number];

/** English strings, always available synchronously: the default and the fallback for every missing string. */
export const defaultStrings: ParlorStrings = en;

// One literal `import()` per locale so bundlers emit one chunk each and a page downloads only the one it uses.
const loaders: Record<ParlorLocale, () => Promise<ParlorStrings>> = {
  en: () => Promise.resolve(en),
  es: () => import('./locales/es.js').then((m) => m.es),
  fr: () => import('./locales/fr.js').then((m) => m.fr),
  de: () => import('./locales/de.js').then((m) => m.de),
  nl: () => import('./locales/nl.js').then((m) => m.nl),
  pt: () => import('./locales/pt.js').then((m) => m.pt),
  ja: () => import('./locales/ja.js').then((m) => m.ja),
  ar: () => import('./locales/ar.js').then((m) => m.ar),
  he: () => import('./locales/he.js').then((m) => m.he),
};

const loaded = new Map<ParlorLocale, ParlorStrings>([['en', en]]);
const pending = new Map<ParlorLocale, Promise<ParlorStrings>>();

/** Canonical form of a BCP 47 tag (`EN-us` → `en-US`, `en_US` → `en-US`), or undefined when it is not one. */
function canonical(tag: string | undefined): string | undefined {
  if (!tag) return undefined;
  try {
    // Some environments report POSIX-style tags with underscores; BCP 47 uses hyphens.
    return Intl.getCanonicalLocales(tag.trim().replaceAll('_', '-'))[0];
  } catch {
    return undefined;
  }
}

/** Language and script of a tag once likely subtags are filled in: `pt-BR` → `pt-Latn`, `zh-TW` → `zh-Hant`. */
function languageScript(tag: string): string {
  const { language, script } = new Intl.Locale(tag).maximize();
  return `${language}-${script ?? ''}`;
}

/** The first entry of `available` that `tag` may use, trying `zh-Hant-TW`, then `zh-Hant`, then `zh`. */
function match(tag: string, available: readonly { tag: string; original: string }[]): string | undefined {
  // baseName drops extensions (`-u-nu-latn`) so truncation only walks language, script, region and variants.
  const parts = new Intl.Locale(tag).baseName.split('-');
  for (let length = parts.length; length > 0; length--) {
    const prefix = parts.slice(0, length).join('-').toLowerCase();
    const hit = available.find((entry) => entry.tag.toLowerCase() === prefix);
    if (hit) return hit.original;
  }
  // A sibling with the same language and script beats English: `pt-PT` may use `pt-BR`, `zh-TW` never `zh-CN`.
  const wanted = languageScript(tag);
  return available.find((entry) => languageScript(entry.tag) === wanted)?.original;
}

/**
 * Picks the best of `available` for the visitor. Candidates are tried in order: the `requested` locale (the
 * site's explicit choice), the page's `<html lang>`, then the browser's languages; each candidate falls back
 * through its shorter forms (`pt-BR` → `pt`) before the next candidate is tried. Matching ignores case, and
 * invalid tags are skipped. When nothing matches, the result is `en` if available, else the first entry.
 *
 * @param requested - The locale the site asked for, if any.
 * @param available - The locales to choose from, e.g. {@link locales}.
 * @param fallbacks - Where else to look: `document.documentElement.lang` and `navigator.languages`.
 * @returns One entry of `available`, spelled as it is there.
 * @example
 * ```ts
 * resolveLocale(undefined, locales, {
 *   documentLang: document.documentElement.lang,
 *   navigatorLanguages: navigator.languages,
 * }); // 'pt' for a Brazilian browser on an unlabelled page
 * ```
 */
export function resolveLocale(
  requested: string | undefined,
  available: readonly string[],
  fallbacks: { documentLang?: string; navigatorLanguages?: readonly string[] },
): string {
  const valid = available.flatMap((original) => {
    const tag = canonical(original);
    return tag ? [{ tag, original }] : [];
  });
  const candidates = [requested, fallbacks.documentLang, ...(fallbacks.navigatorLanguages ?? [])];
  for (const candidate of candidates) {
    const tag = canonical(candidate);
    const hit = tag ? match(tag, valid) : undefined;
    if (hit) return hit;
  }
  return available.find((original) => canonical(original) === 'en') ?? available[0] ?? 'en';
}

/** `Intl.Locale` text info: a `getTextInfo()` method in current engines, a `textInfo` getter in earlier ones. */
interface LocaleWithTextInfo {
  getTextInfo?: () => { direction?: string };
  textInfo?: { direction?: string };
}

// Scripts written right to left (ISO 15924), for engines without text info.
const RTL_SCRIPTS = new Set(['Adlm', 'Arab', 'Hebr', 'Mand', 'Mend', 'Nkoo', 'Rohg', 'Samr', 'Syrc', 'Thaa', 'Yezi']);
// Languages whose default script is right to left, for engines that cannot maximize a tag either.
const RTL_LANGUAGES = new Set(['ar', 'arc', 'ckb', 'dv', 'fa', 'he', 'iw', 'ks', 'ku', 'ps', 'sd', 'ug', 'ur', 'yi']);

/**
 * The writing direction of `locale`, for the widget's `dir` attribute. Uses the engine's `Intl.Locale` text info
 * when it has it, otherwise the locale's script (`az-Arab` is right to left, `az` is not). Invalid tags are `ltr`.
 *
 * @example
 * ```ts
 * direction('he'); // 'rtl'
 * direction('ja'); // 'ltr'
 * ```
 */
export function direction(locale: string): 'ltr' | 'rtl' {
  const tag = canonical(locale);
  if (!tag) return 'ltr';
  const intlLocale = new Intl.Locale(tag);
  const withInfo: Intl.Locale & LocaleWithTextInfo = intlLocale;
  const info = typeof withInfo.getTextInfo === 'function' ? withInfo.getTextInfo() : withInfo.textInfo;
  if (info?.direction === 'rtl' || info?.direction === 'ltr') return info.direction;
  const script = intlLocale.script ?? intlLocale.maximize().script;
  if (script) return RTL_SCRIPTS.has(script) ? 'rtl' : 'ltr';
  return RTL_LANGUAGES.has(intlLocale.language) ? 'rtl' : 'ltr';
}

/** The shipped locale whose strings serve `locale`: `fr-CA` → `fr`, anything unknown → `en`. */
function shipped(locale: string): ParlorLocale {
  const resolved = resolveLocale(locale, locales, {});
  return locales.find((l) => l === resolved) ?? 'en';
}

/**
 * Loads the strings of `locale` (its shipped match: `fr-CA` uses `fr`), fetching that locale's chunk once; later
 * calls and {@link loadStrings} reuse it. Unknown locales resolve to English.
 *
 * @example
 * ```ts
 * const strings = await stringsFor('de');
 * strings.send; // 'Senden'
 * ```
 */
export function stringsFor(locale: string): Promise<ParlorStrings> {
  const key = shipped(locale);
  const ready = loaded.get(key);
  if (ready) return Promise.resolve(ready);
  let promise = pending.get(key);
  if (!promise) {
    promise = loaders[key]().then(
      (strings) => {
        loaded.set(key, strings);
        pending.delete(key);
        return strings;
      },
      (error: unknown) => {
        // Forget the failure so a later call (say, after the network returns) can try the chunk again.
        pending.delete(key);
        throw error;
      },
    );
    pending.set(key, promise);
  }
  return promise;
}

/**
 * The strings to render with: `overrides` over the strings of `locale` over English. Synchronous, so it uses the
 * locale's strings only once {@link stringsFor} has loaded them (English needs no loading); until then the
 * locale's layer is English. Overrides that are `undefined`, unknown, or of the wrong kind (a string where a
 * function is expected, or the reverse) are ignored, so a site's typo cannot break rendering.
 *
 * @param locale - Any BCP 47 tag; it is matched to a shipped locale as in {@link stringsFor}.
 * @param overrides - The site's replacements for any of the strings.
 * @returns A frozen, complete set of strings.
 * @example
 * ```ts
 * await stringsFor('fr');
 * const strings = loadStrings('fr-CA', {
 *   launcherLabel: 'Besoin d’aide ?',
 *   launcherLabelUnread: (count) => `Besoin d’aide ? (${count})`,
 * });
 * strings.launcherLabel; // 'Besoin d’aide ?'
 * strings.send; // 'Envoyer'
 * ```
 */
export function loadStrings(locale: string, overrides: Partial<ParlorStrings> = {}): ParlorStrings {
  const base = loaded.get(shipped(locale)) ?? en;
  const merged: Record<string, unknown> = { ...en, ...base };
  for (const key of Object.keys(en)) {
    const value: unknown = Object.hasOwn(overrides, key) ? Reflect.get(overrides, key) : undefined;
    if (value !== undefined && typeof value === typeof merged[key]) merged[key] = value;
  }
  // Every key of `en` is present and each value has the kind English has, so this is a complete ParlorStrings.
  return Object.freeze(merged) as unknown as ParlorStrings;
}
