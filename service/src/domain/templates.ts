import { localeCandidates, type TemplateLevel } from './locale.js';

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
};

/**
 * Picks the template by DESIGN.md's chain: exact → language → default language → (SMS) Okta's `msgTemplate`
 * → built-in. `templates` is undefined when the table could not be read at all.
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
  for (const candidate of localeCandidates(locale, defaultLocale)) {
    const template = templates?.get(`${channel}#${candidate.locale}`);
    if (template?.body) return { template, level: candidate.level, locale: candidate.locale };
  }
  if (channel === 'sms' && oktaMessage?.trim()) {
    return { template: { body: oktaMessage }, level: 'okta', verbatim: true };
  }
  return { template: BUILTIN_TEMPLATES[channel], level: 'builtin' };
}
