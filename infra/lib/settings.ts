/**
 * Deploy settings: read from CDK context (defaults in `cdk.json`, overrides with `-c key=value`) and validated at
 * synth, so a typo fails `cdk synth` with a message naming the setting instead of failing a sign-in later.
 *
 * One file per settings group under `settings/`, each with its type, defaults and validation; this module composes
 * them, and re-exports what its importers use, so they need not know the split.
 */
import { type AbuseSettings, readAbuseSettings } from './settings/abuse.js';
import { type OktaSettings, readOktaSettings } from './settings/okta.js';
import { type OperationsSettings, readOperationsSettings } from './settings/operations.js';
import { Collector, type Reader, SettingsError } from './settings/reader.js';
import { readSendingSettings, type SendingSettings } from './settings/sending.js';

export {
  ABUSE_GUARD_DEFAULTS,
  ABUSE_LIMITS,
  type AbuseGuardSettings,
  type AbuseLimit,
  type AbuseSettings,
  BLOCKED_ANSWERS,
  type BlockedAnswer,
  LOW_CONVERSION_DEFAULTS,
  type LowConversionSettings,
} from './settings/abuse.js';
export { BASIC_TIER_MAX_COUNTRIES, type NotifySettings } from './settings/notify.js';
export { OKTA_EVENT_SOURCE, type OktaSettings } from './settings/okta.js';
export { LOG_RETENTION_DAYS, MAX_ALARM_COUNTRIES, type OperationsSettings } from './settings/operations.js';
export { isCidr, isSmsVoiceArn, type Reader, SettingsError } from './settings/reader.js';
export {
  MAX_PRICE_CEILING_USD,
  type SendingSettings,
  SMS_PROTECT_MODES,
  type SmsProtectMode,
} from './settings/sending.js';

/** The validated settings of one deployment: every group's. */
export type Settings = OktaSettings & SendingSettings & AbuseSettings & OperationsSettings;

/** The context keys this app reads. */
export const SETTING_KEYS = [
  'oktaIssuer',
  'oktaAudience',
  'requiredScope',
  'allowedClientIds',
  'defaultOriginationIdentity',
  'originationIdentities',
  'allowedCountries',
  'configurationSetName',
  'defaultPhoneRegion',
  'deadlineMs',
  'provisionedConcurrency',
  'alarmEmail',
  'oktaIpAllowList',
  'logRetentionDays',
  'trafficAlarm',
  'abuseGuard',
  'smsProtectMode',
  'maxPricePerMessage',
  'oktaEventSourceName',
  'oktaEventHook',
  'oktaTelephonyHookId',
  'lowConversion',
  'voiceFallback',
  'resendPolicy',
  'notify',
  'carrierLookup',
  'refusedLineTypes',
  'alarmCountries',
] as const satisfies readonly (keyof Settings)[];

/**
 * Reads and validates every setting. All problems are reported at once: every group reads into one collector, and
 * only then does an invalid setting stop the synth.
 *
 * @param read - a context reader, e.g. `(key) => app.node.tryGetContext(key)`
 * @throws {SettingsError} listing every invalid setting
 */
export function readSettings(read: Reader): Settings {
  const c = new Collector(read);
  const okta = readOktaSettings(c);
  const sending = readSendingSettings(c);
  const abuse = readAbuseSettings(c);
  const operations = readOperationsSettings(c);
  if (!sending.allowedCountries.includes('*')) {
    for (const country of operations.alarmCountries) {
      if (!sending.allowedCountries.includes(country)) {
        c.fail('alarmCountries', `"${country}" is not in allowedCountries: no code is ever sent there`);
      }
    }
  }
  if (c.problems.length > 0) throw new SettingsError(c.problems);
  return { ...okta, ...sending, ...abuse, ...operations };
}
