/** Where in the fallback chain a template came from; the `level` dimension of `TemplateFallback`. */
export type TemplateLevel = 'exact' | 'language' | 'default' | 'okta' | 'builtin';

/**
 * Normalises Okta's locale spellings (`EN-US`, `en_us`, `es-MX`) to lower-case BCP 47 (`en-us`).
 *
 * @param locale - as received; undefined or blank gives undefined
 */
export function normaliseLocale(locale: string | undefined): string | undefined {
  const value = locale?.trim().replace(/_/g, '-').toLowerCase();
  return value ? value : undefined;
}

/**
 * The table lookups to try, in order: exact (`es-mx`) → language (`es`) → default language.
 *
 * @param locale - normalised locale of the user, if any
 * @param defaultLocale - the service default, e.g. `en`
 */
export function localeCandidates(
  locale: string | undefined,
  defaultLocale: string,
): Array<{ locale: string; level: TemplateLevel }> {
  const out: Array<{ locale: string; level: TemplateLevel }> = [];
  const add = (value: string, level: TemplateLevel) => {
    if (!out.some((c) => c.locale === value)) out.push({ locale: value, level });
  };
  if (locale) {
    add(locale, 'exact');
    const language = locale.split('-')[0];
    if (language) add(language, 'language');
  }
  add(defaultLocale, 'default');
  const defaultLanguage = defaultLocale.split('-')[0];
  if (defaultLanguage) add(defaultLanguage, 'default');
  return out;
}
