import {
  CARRIER_LOOKUP_MODES,
  type CarrierLookupMode,
  LINE_TYPES,
  type LineType,
} from '../../../service/src/domain/line-type.js';
import { isPhoneRegion } from '../../../service/src/domain/phone.js';
import { RESEND_POLICIES, type ResendPolicy } from '../../../service/src/domain/resend.js';
import type { OriginationIdentitySetting } from '../../../service/src/domain/routing.js';
import { type NotifySettings, readNotifySettings } from './notify.js';
import { type Collector, validFlag } from './reader.js';

/**
 * End User Messaging's AIT (SMS pumping) screening for the allowed countries' SMS, which AWS bills per message on
 * top of the SMS price: `MONITOR` sends everything and reports what it would block, `FILTER` blocks it.
 */
export const SMS_PROTECT_MODES = ['FILTER', 'MONITOR'] as const;
/** One of {@link SMS_PROTECT_MODES}. */
export type SmsProtectMode = (typeof SMS_PROTECT_MODES)[number];

/** The largest `maxPricePerMessage`, in US dollars: far above any OTP's price, well inside MaxPrice's format. */
export const MAX_PRICE_CEILING_USD = 10;

const COUNTRY = /^[A-Z]{2}$/;
const CONFIGURATION_SET =
  /^([A-Za-z0-9_-]{1,64}|arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:configuration-set\/[A-Za-z0-9_-]+)$/;

/** How a code goes out: from which identities, to which countries, within which deadline and price. */
export type SendingSettings = {
  /**
   * Origination identity for countries (and channels) without their own; undefined = per-country only. One
   * identity, or one per channel (`{ sms, voice }`); a sender ID serves SMS only.
   */
  defaultOriginationIdentity?: OriginationIdentitySetting;
  /**
   * ISO 3166-1 alpha-2 country → origination identity (phone number, sender ID, pool id or ARN), or identities per
   * channel (`{ "sms": "ACMEMFA", "voice": "+442079460123" }`). Voice never uses a sender ID.
   */
  originationIdentities: Record<string, OriginationIdentitySetting>;
  /**
   * ISO countries the hook may send to, or `["*"]`: seeded into the templates table, and the country rules of the
   * stack's End User Messaging protect configuration (allowed; every other country blocked).
   */
  allowedCountries: string[];
  /**
   * The operator's own End User Messaging configuration set (name or ARN), used as it is; undefined = the stack
   * creates one that uses its protect configuration. Either way every send names it and the protect configuration.
   */
  configurationSetName?: string;
  /** ISO country for numbers Okta sends without a country code (the hook's `DEFAULT_PHONE_REGION`); undefined = none. */
  defaultPhoneRegion?: string;
  /** The hook's whole-request budget in ms (Okta waits 3 s). */
  deadlineMs: number;
  /**
   * End User Messaging's AIT screening for SMS to the allowed countries, billed extra per message; undefined = none
   * (the protect configuration only allows and blocks countries).
   */
  smsProtectMode?: SmsProtectMode;
  /**
   * Most the hook pays for one SMS, or one minute of a call, in US dollars (`MaxPrice` / `MaxPricePerMinute`,
   * e.g. `"0.10"`); undefined = no limit per message.
   */
  maxPricePerMessage?: string;
  /**
   * An SMS to a number the numbering plan says is a landline goes out as a voice call instead, and Okta is told in
   * `transactionMetadata` (the hook's `VOICE_FALLBACK`).
   * @default false
   */
  voiceFallback: boolean;
  /**
   * `escalate`: when Okta marks a request as a resend and the previous code to the same user and number has no
   * success receipt, the resend goes out from the route's next identity. `same`: resends are routed as any request
   * (the hook's `RESEND_POLICY`).
   * @default 'escalate'
   */
  resendPolicy: ResendPolicy;
  /**
   * The stack's End User Messaging Notify configuration (AWS-managed senders): tier, channels, countries, display
   * name and where the seeded routing puts it; undefined = none.
   */
  notify?: NotifySettings;
  /**
   * `enrolment`: at pre-enrollment the hook reads the number's line type from its carrier (`CarrierLookup`, paid per
   * lookup) once and keeps it 90 days, for the voice fallback and `refusedLineTypes`. `off`: libphonenumber's guess.
   * @default 'off'
   */
  carrierLookup: CarrierLookupMode;
  /** Line types refused at enrolment (`INVALID`, `OTHER`, `LANDLINE`); needs `carrierLookup: enrolment`. */
  refusedLineTypes: LineType[];
};

/**
 * `maxPricePerMessage`: US dollars above 0 and at most {@link MAX_PRICE_CEILING_USD}, with at most 5 decimals,
 * written as End User Messaging's `MaxPrice` takes it (digits, a point, 2 to 5 decimals: `"0.10"`).
 */
function validMaxPrice(c: Collector): string | undefined {
  const raw = c.read('maxPricePerMessage');
  if (raw === undefined || raw === null || raw === '') return undefined;
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (text === '') return undefined;
  const match = /^(\d{1,2})(?:\.(\d{1,5}))?$/.exec(text);
  const value = Number(text);
  if (!match || !(value > 0) || value > MAX_PRICE_CEILING_USD) {
    return c.fail(
      'maxPricePerMessage',
      `must be a price in US dollars above 0 and at most ${MAX_PRICE_CEILING_USD.toFixed(2)}, with at most 5 decimals (e.g. "0.10"), got ${JSON.stringify(raw)}`,
    );
  }
  return `${match[1]}.${(match[2] ?? '').padEnd(2, '0')}`;
}

/**
 * Reads and validates the sending settings; problems go to `c`.
 *
 * @param c - the collector of every group's problems
 */
export function readSendingSettings(c: Collector): SendingSettings {
  const defaultOriginationIdentity = c.identity(
    'defaultOriginationIdentity',
    c.read('defaultOriginationIdentity'),
  );

  const originationIdentities: Record<string, OriginationIdentitySetting> = {};
  for (const [country, setting] of Object.entries(c.object('originationIdentities'))) {
    const iso = country.trim().toUpperCase();
    if (!COUNTRY.test(iso)) {
      c.fail('originationIdentities', `"${country}" is not an ISO 3166-1 alpha-2 code`);
      continue;
    }
    const identity = c.identity('originationIdentities', setting, `${iso}: `, false);
    if (identity !== undefined) originationIdentities[iso] = identity;
  }

  const allowedCountries = c.list('allowedCountries').map((x) => x.toUpperCase());
  if (allowedCountries.length === 0) {
    c.fail('allowedCountries', 'must list at least one ISO country code, or ["*"] for all');
  }
  for (const country of allowedCountries) {
    if (country !== '*' && !COUNTRY.test(country)) {
      c.fail('allowedCountries', `"${country}" is not an ISO 3166-1 alpha-2 code or "*"`);
    }
  }
  const notify = readNotifySettings(c, allowedCountries);
  const carrierLookup = (c.text('carrierLookup') ?? 'off').toLowerCase() as CarrierLookupMode;
  if (!CARRIER_LOOKUP_MODES.includes(carrierLookup)) {
    c.fail('carrierLookup', `must be off or enrolment, got "${carrierLookup}"`);
  }
  const refusedLineTypes = c.list('refusedLineTypes').map((type) => type.toUpperCase()) as LineType[];
  for (const type of refusedLineTypes) {
    if (!LINE_TYPES.includes(type))
      c.fail('refusedLineTypes', `"${type}" is not one of ${LINE_TYPES.join(', ')}`);
    if (type === 'MOBILE') c.fail('refusedLineTypes', 'MOBILE would refuse almost every enrolment');
  }
  if (refusedLineTypes.length > 0 && carrierLookup !== 'enrolment') {
    c.fail('refusedLineTypes', 'needs carrierLookup: enrolment (the line type comes from the carrier)');
  }
  // Only when none was given: an invalid identity is already reported on its own. A Notify configuration the seeded
  // routing uses is a route of its own.
  const routingProblem = c.problems.some((p) =>
    /^(defaultOriginationIdentity|originationIdentities):/.test(p),
  );
  if (
    !defaultOriginationIdentity &&
    Object.keys(originationIdentities).length === 0 &&
    !routingProblem &&
    notify?.route !== 'last'
  ) {
    c.fail(
      'defaultOriginationIdentity',
      'set it, or originationIdentities, or notify (AWS-managed senders), or nothing can be sent',
    );
  }

  const configurationSetName = c.text('configurationSetName');
  if (configurationSetName && !CONFIGURATION_SET.test(configurationSetName)) {
    c.fail('configurationSetName', `"${configurationSetName}" is not a configuration set name or ARN`);
  }

  // The hook's own rule (service/src/config.ts reads DEFAULT_PHONE_REGION with it at cold start).
  const defaultPhoneRegion = c.text('defaultPhoneRegion')?.toUpperCase();
  if (defaultPhoneRegion && !isPhoneRegion(defaultPhoneRegion)) {
    c.fail(
      'defaultPhoneRegion',
      `"${defaultPhoneRegion}" is not an ISO 3166-1 alpha-2 country code such as US`,
    );
  }

  // Same bounds as the hook's DEADLINE_MS (service/src/config.ts): always under Okta's 3 s.
  const deadlineMs = c.integer('deadlineMs', 2500, 100, 2900);

  const smsProtectMode = c.text('smsProtectMode')?.toUpperCase() as SmsProtectMode | undefined;
  if (smsProtectMode && !SMS_PROTECT_MODES.includes(smsProtectMode)) {
    c.fail('smsProtectMode', `must be FILTER, MONITOR or empty (no AIT screening), got "${smsProtectMode}"`);
  }

  const maxPricePerMessage = validMaxPrice(c);
  const voiceFallback = validFlag(c, 'voiceFallback');
  const resendPolicy = (c.text('resendPolicy') ?? 'escalate').toLowerCase() as ResendPolicy;
  if (!RESEND_POLICIES.includes(resendPolicy)) {
    c.fail('resendPolicy', `must be ${RESEND_POLICIES.join(' or ')}, got "${resendPolicy}"`);
  }

  return {
    ...(defaultOriginationIdentity ? { defaultOriginationIdentity } : {}),
    originationIdentities,
    allowedCountries,
    ...(configurationSetName ? { configurationSetName } : {}),
    ...(defaultPhoneRegion ? { defaultPhoneRegion } : {}),
    deadlineMs,
    ...(smsProtectMode ? { smsProtectMode } : {}),
    ...(maxPricePerMessage ? { maxPricePerMessage } : {}),
    voiceFallback,
    resendPolicy,
    ...(notify ? { notify } : {}),
    carrierLookup,
    refusedLineTypes: [...new Set(refusedLineTypes)],
  };
}
