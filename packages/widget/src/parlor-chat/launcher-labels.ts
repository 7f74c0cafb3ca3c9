/**
 * The launcher's accessible name in each shipped locale. Only this one string is eager: the rest of the
 * translations come with the panel. `launcher-labels.test.ts` keeps it equal to the locale files.
 */
export const LAUNCHER_LABELS: Readonly<Record<string, string>> = {
  en: 'Chat with us',
  es: 'Hable con nosotros',
  fr: 'Discuter avec nous',
  de: 'Chatten Sie mit uns',
  nl: 'Chat met ons',
  pt: 'Fale conosco',
  ja: 'チャットでお問い合わせ',
  ar: 'تحدث معنا',
  he: 'דברו איתנו',
};

/** The label for `locale` (the attribute), else the page's language, else the browser's, else English. */
export function launcherLabelFor(locale: string | null): string {
  const labelOf = (tag: string | null | undefined) =>
    tag ? LAUNCHER_LABELS[tag.toLowerCase().split(/[-_]/)[0] ?? ''] : undefined;
  // The browser's languages last, and only when needed: the first read of them is a slow call.
  const label = labelOf(locale) ?? labelOf(document.documentElement.lang);
  if (label) return label;
  for (const tag of navigator.languages) {
    const fromBrowser = labelOf(tag);
    if (fromBrowser) return fromBrowser;
  }
  return LAUNCHER_LABELS.en ?? 'Chat with us';
}
