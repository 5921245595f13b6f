/**
 * AWS-managed senders (End User Messaging Notify): a route may name a Notify configuration as an origination
 * identity, and the code then goes out with `SendNotifyTextMessage` / `SendNotifyVoiceMessage` from AWS's senders
 * with one of AWS's pre-approved templates, Okta's code as its `code` variable. What is here: how such an identity
 * is written, which template fits the user's language, and what the template's variables get. No AWS imports.
 */
import { localeCandidates, normaliseLocale, type TemplateLevel } from './locale.js';
import type { Channel } from './templates.js';

/**
 * How a route names a Notify configuration: `notify:<NotifyConfigurationId>` (`notify:nc-1234567890abcdef0`), or the
 * configuration's ARN. The prefix keeps an id from being read as a sender ID (`nc-1234567` is a valid sender ID).
 */
export const NOTIFY_PREFIX = 'notify:';

/** A Notify configuration id as the API takes it. */
const NOTIFY_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A Notify configuration ARN. */
export const NOTIFY_ARN =
  /^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:notify-configuration\/[A-Za-z0-9_-]{1,64}$/;

/** The tiers of a Notify configuration: BASIC (200 messages a day, 1 per second, 30 countries) or ADVANCED. */
export const NOTIFY_TIERS = ['BASIC', 'ADVANCED'] as const;
/** One of {@link NOTIFY_TIERS}. */
export type NotifyTier = (typeof NOTIFY_TIERS)[number];

/**
 * The Notify configuration a route's identity names, as `NotifyConfigurationId` takes it (the id or the ARN), or
 * undefined when the identity is not a Notify configuration.
 *
 * @param identity - as configured
 */
export function notifyConfigurationOf(identity: string): string | undefined {
  if (NOTIFY_ARN.test(identity)) return identity;
  if (!identity.startsWith(NOTIFY_PREFIX)) return undefined;
  const id = identity.slice(NOTIFY_PREFIX.length);
  return NOTIFY_ID.test(id) ? id : undefined;
}

/** A Notify template as `DescribeNotifyTemplates` describes it (what the hook reads of it). */
export type NotifyTemplate = {
  templateId: string;
  /** `SMS`, `VOICE`. */
  channels: string[];
  /** `en-US`, `es-419`, … */
  languageCode?: string;
  /** `ACTIVE` or `INACTIVE`; absent is taken as active. */
  status?: string;
  templateType?: string;
  /** The tiers that may use it; absent = every tier. */
  tierAccess?: string[];
  /** ISO countries it serves; absent = every country of the configuration. */
  supportedCountries?: string[];
  supportedVoiceIds?: string[];
  /** The template's variables: which the sender must give. */
  variables?: Record<string, { required?: boolean; source?: string; type?: string }>;
};

/** The template chosen for a send, and how near it is to the user's language. */
export type NotifyTemplateChoice = {
  /** Undefined: none fits, and the send names none (the configuration's default template, or AWS's choice). */
  template?: NotifyTemplate;
  /** As for our own templates; `builtin` when no template was named. */
  level: TemplateLevel;
};

/**
 * The Notify template for a send, with our locale fallback (`locale.ts`): the user's locale (`es-mx` → `es-MX`),
 * then its language (`es` → any `es-…`, `es-US` first for a US number), then the default locale and its language.
 * Only active code-verification templates of the channel, the tier and the destination country are considered.
 *
 * @param templates - the templates `DescribeNotifyTemplates` returned
 * @param want - channel, the user's locale, the service's default locale, the destination country, the tier
 */
export function chooseNotifyTemplate(
  templates: readonly NotifyTemplate[],
  want: { channel: Channel; locale?: string; defaultLocale: string; country?: string; tier?: NotifyTier },
): NotifyTemplateChoice {
  const channel = want.channel === 'sms' ? 'SMS' : 'VOICE';
  const usable = templates.filter(
    (t) =>
      t.channels.includes(channel) &&
      (t.status ?? 'ACTIVE') === 'ACTIVE' &&
      (t.templateType ?? 'OTP_VERIFICATION') === 'OTP_VERIFICATION' &&
      (!want.tier || !t.tierAccess || t.tierAccess.includes(want.tier)) &&
      (!want.country || !t.supportedCountries || t.supportedCountries.includes(want.country)),
  );
  const languageOf = (t: NotifyTemplate) => normaliseLocale(t.languageCode);
  for (const candidate of localeCandidates(normaliseLocale(want.locale), want.defaultLocale.toLowerCase())) {
    const exact = usable.find((t) => languageOf(t) === candidate.locale);
    if (exact) return { template: exact, level: candidate.level };
    if (candidate.locale.includes('-')) continue;
    // A bare language matches any region of it; the destination's own region first (`es-MX` for a Mexican number).
    const region = want.country ? `${candidate.locale}-${want.country.toLowerCase()}` : undefined;
    const same = usable.filter((t) => languageOf(t)?.split('-')[0] === candidate.locale);
    const chosen = same.find((t) => languageOf(t) === region) ?? same[0];
    if (chosen) return { template: chosen, level: candidate.level };
  }
  return { level: 'builtin' };
}

/** Variable names that mean the code's lifetime in minutes, where a template asks for one. */
const LIFETIME_VARIABLES = /^(expiry|expires?(in)?(minutes)?|minutes|validity|ttl)$/i;

/**
 * The template's variables: `code` is Okta's code; a lifetime variable the template declares (`expiry`) gets the
 * minutes left; other variables are left to AWS (system variables, defaults).
 *
 * @param template - the chosen template, if any
 * @param code - Okta's code
 * @param minutes - the code's lifetime in whole minutes
 */
export function notifyVariables(
  template: NotifyTemplate | undefined,
  code: string,
  minutes: number,
): Record<string, string> {
  const variables: Record<string, string> = { code };
  for (const [name, meta] of Object.entries(template?.variables ?? {})) {
    if (meta.source === 'SYSTEM' || name === 'code') continue;
    if (LIFETIME_VARIABLES.test(name)) variables[name] = String(minutes);
  }
  return variables;
}
