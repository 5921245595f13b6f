import { localeCandidates, type TemplateLevel } from './locale.js';
import { templateCarriesCode } from './render.js';

/** Delivery channel, normalised from Okta's `deliveryChannel`. */
export type Channel = 'sms' | 'voice';

/** A message template as stored in the templates table (`value` of `pk=template`). */
export type TemplateValue = { body: string; voiceId?: string };

/** Templates keyed by the table's sort key, `<channel>#<locale>` (`sms#es-mx`). */
export type TemplateMap = ReadonlyMap<string, TemplateValue>;

/** Last-resort templates, compiled in, used when the table has none for the channel at all. */
export const BUILTIN_TEMPLATES: Record<Channel, TemplateValue> = {
  sms: { body: 'Your verification code is {{otp}}. It expires in {{minutes}} minutes. Never share it.' },
  voice: {
    voiceId: 'JOANNA',
    body: 'Your verification code is {{otp}}. {{pause}} Again, your code is {{otp}}. It expires in {{minutes}} minutes.',
  },
};

/** The template chosen for one message, and how far down the fallback chain it was found. */
export type ChosenTemplate = {
  template: TemplateValue;
  level: TemplateLevel;
  locale?: string;
  verbatim?: boolean;
  /** Sort keys (`sms#es-mx`) of stored templates passed over because they lack `{{otp}}`; empty when none. */
  skipped: string[];
};

/**
 * Picks the template by DESIGN.md's chain: exact → language → default language → (SMS) Okta's `msgTemplate`
 * → built-in. `templates` is undefined when the table could not be read at all. A stored template that does not
 * carry the code ({@link templateCarriesCode}) counts as missing: the next level is used and its key is listed in
 * `skipped`. Okta's `msgTemplate` is already rendered (the code, not a placeholder) and is taken as it is.
 *
 * @param templates - the table's templates, or undefined if unavailable
 * @param channel - sms or voice
 * @param locale - normalised user locale
 * @param defaultLocale - service default locale
 * @param oktaMessage - Okta's own rendered SMS text (contains the code), used verbatim
 */
export function chooseTemplate(
  templates: TemplateMap | undefined,
  channel: Channel,
  locale: string | undefined,
  defaultLocale: string,
  oktaMessage?: string,
): ChosenTemplate {
  const skipped: string[] = [];
  for (const candidate of localeCandidates(locale, defaultLocale)) {
    const key = `${channel}#${candidate.locale}`;
    const template = templates?.get(key);
    if (!template?.body) continue;
    if (!templateCarriesCode(template.body)) {
      skipped.push(key);
      continue;
    }
    return { template, level: candidate.level, locale: candidate.locale, skipped };
  }
  if (channel === 'sms' && oktaMessage?.trim()) {
    return { template: { body: oktaMessage }, level: 'okta', verbatim: true, skipped };
  }
  return { template: BUILTIN_TEMPLATES[channel], level: 'builtin', skipped };
}
