import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { UndeliverableError } from './errors.js';
import { notifyConfigurationOf } from './notify.js';
import type { Channel } from './templates.js';

/**
 * What an origination identity names, as End User Messaging reads it: a phone number or a pool can send SMS and
 * place calls (if the number has the voice capability); a sender ID sends SMS only; a Notify configuration
 * (`notify:<id>` or its ARN) sends through AWS's own senders on the channels it enables.
 */
export type OriginationIdentityKind = 'phone-number' | 'pool' | 'sender-id' | 'notify';

const E164 = /^\+[1-9]\d{6,14}$/;
const ARN = /^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:(phone-number|pool|sender-id)\/.+$/;
const ID = /^(phone|pool|senderid)-[0-9a-f]{32}$/;
const SENDER_ID = /^(?=.*[A-Za-z])[A-Za-z0-9-]{1,11}$/;
const KIND_OF = {
  phone: 'phone-number',
  'phone-number': 'phone-number',
  pool: 'pool',
  senderid: 'sender-id',
  'sender-id': 'sender-id',
} as const;

/**
 * Reads an origination identity the way `SendTextMessage`/`SendVoiceMessage` do, plus Notify configurations
 * (`notify:<id>` or a `notify-configuration` ARN, sent with `SendNotifyTextMessage`/`SendNotifyVoiceMessage`): an
 * E.164 number, a phone number id
 * (`phone-…`) or a phone-number ARN is a phone number; a pool id (`pool-…`) or pool ARN is a pool; a `sender-id`
 * ARN or any other alphanumeric string of 1–11 characters with a letter (`ACMEMFA`) is a sender ID. This is the one
 * rule behind the routing, `npm run templates` and the deploy settings.
 *
 * @param identity - as configured
 * @returns its kind, or undefined when End User Messaging would not take it as an origination identity
 */
export function originationIdentityKind(identity: string): OriginationIdentityKind | undefined {
  if (E164.test(identity)) return 'phone-number';
  if (notifyConfigurationOf(identity)) return 'notify';
  const typed = ARN.exec(identity) ?? ID.exec(identity);
  if (typed) return KIND_OF[typed[1] as keyof typeof KIND_OF];
  return SENDER_ID.test(identity) ? 'sender-id' : undefined;
}

/**
 * True when a call may be placed from the identity: a phone number, a pool, or a Notify configuration (whether it
 * enables VOICE is the configuration's: a refusal fails over). A sender ID never is (`SendVoiceMessage` refuses it),
 * nor is a string that is no identity at all.
 *
 * @param identity - as configured
 */
export function isVoiceCapable(identity: string): boolean {
  const kind = originationIdentityKind(identity);
  return kind === 'phone-number' || kind === 'pool' || kind === 'notify';
}

/**
 * Most identities one channel of one setting may list. Each identity that refuses costs a round trip or, when
 * throttled, the client's three attempts (well under a second): three of them still fit Okta's window.
 */
export const MAX_IDENTITIES_PER_CHANNEL = 3;

/** One channel's identities: one identity, or an ordered list, first choice first (`["pool-…", "+1…"]`). */
export type IdentityList = string | string[];

/**
 * Origination identities of one country, or the default, as stored in the `pk=config` items and as the deploy
 * settings take them:
 * - one identity, or an ordered list of them, for both channels: a phone number or pool serves both, a sender ID
 *   serves SMS only (`"+525555550100"`, `"ACMEMFA"`, `["pool-…", "+12065550100"]`; tables written before
 *   per-channel routing hold a single string);
 * - or per channel, either optional, each one identity or an ordered list:
 *   `{ "sms": ["pool-…", "+12065550100"], "voice": "+442079460123" }`. `voice` must be phone numbers or pools.
 *
 * A list is tried in order inside the same deadline: the next identity is used only when End User Messaging
 * refused the send from the previous one in a way that proves it did not accept it (DESIGN.md, "Failover").
 * A channel left without an identity uses the default's identities for that channel.
 */
export type OriginationIdentitySetting = IdentityList | { sms?: IdentityList; voice?: IdentityList };

/** The identities of a {@link OriginationIdentitySetting} given per channel; a missing channel uses the default. */
export type ChannelIdentities = Partial<Record<Channel, IdentityList>>;

/**
 * Routing settings (the `pk=config` items), as {@link routingConfigFrom} reads them: country codes upper-cased,
 * malformed entries dropped, and no sender ID left as a `voice` identity.
 */
export type RoutingConfig = {
  /** For countries (and channels) without their own identity; undefined = per-country only. */
  defaultOriginationIdentity?: OriginationIdentitySetting;
  /** ISO 3166-1 alpha-2 country (upper case) → its identities, or identities per channel. */
  originationIdentities: Record<string, OriginationIdentitySetting>;
  /** ISO countries the hook may send to, or `["*"]`. */
  allowedCountries: string[];
};

const CHANNELS: readonly Channel[] = ['sms', 'voice'];

const invalid = (identity: unknown) =>
  `${JSON.stringify(identity)} is not an E.164 number, sender ID, phone/pool id, notify:<configuration id> or sms-voice ARN`;

/** Problems of one channel's identity or list; `label` prefixes each (`"sms: "`, or empty for both channels). */
function listProblems(value: unknown, label: string, voiceOnly: boolean): string[] {
  const items = Array.isArray(value) ? value : [value];
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${label}an empty list: give at least one identity`];
    if (value.length > MAX_IDENTITIES_PER_CHANNEL) {
      return [
        `${label}lists ${value.length} identities; at most ${MAX_IDENTITIES_PER_CHANNEL} fit the deadline`,
      ];
    }
  }
  const problems = items.flatMap((identity) => {
    if (typeof identity !== 'string' || !originationIdentityKind(identity))
      return [`${label}${invalid(identity)}`];
    if (voiceOnly && !isVoiceCapable(identity)) {
      return [
        `${label}"${identity}" is a sender ID; sender IDs are SMS only, calls need a voice-capable phone number or pool`,
      ];
    }
    return [];
  });
  const seen = new Set<unknown>();
  for (const identity of items) {
    if (seen.has(identity)) problems.push(`${label}"${String(identity)}" is listed twice`);
    seen.add(identity);
  }
  return problems;
}

/**
 * Problems of one {@link OriginationIdentitySetting} before it is saved or deployed, each naming the channel and the
 * identity (no phone number of a user is ever in a setting). Empty when the setting is valid. A list is valid when
 * it names 1 to {@link MAX_IDENTITIES_PER_CHANNEL} distinct identities; a list for both channels may mix sender IDs
 * (SMS only) with numbers.
 *
 * @param setting - a country's or the default's value
 */
export function originationIdentityProblems(setting: unknown): string[] {
  if (typeof setting === 'string' || Array.isArray(setting)) return listProblems(setting, '', false);
  if (!setting || typeof setting !== 'object') {
    return [
      `must be an identity string, an ordered list of them, or { "sms": …, "voice": … }, got ${JSON.stringify(setting)}`,
    ];
  }
  const entries = Object.entries(setting);
  if (entries.length === 0)
    return ['give sms, voice or both, e.g. { "sms": "ACMEMFA", "voice": "+12065550100" }'];
  return entries.flatMap(([channel, identities]) => {
    if (!(CHANNELS as readonly string[]).includes(channel))
      return [`unknown channel ${channel}: use sms or voice`];
    return listProblems(identities, `${channel}: `, channel === 'voice');
  });
}

/**
 * The identities a setting gives one channel, in order: a plain string or list serves SMS, and voice with its
 * voice-capable members; a per-channel object gives what it names, but never a sender ID (or anything
 * unrecognised) for a call. Blank entries and repeats are dropped.
 */
function identitiesFor(setting: OriginationIdentitySetting | undefined, channel: Channel): string[] {
  const value = typeof setting === 'string' || Array.isArray(setting) ? setting : setting?.[channel];
  const items = Array.isArray(value) ? value : [value];
  const identities: string[] = [];
  for (const identity of items) {
    if (typeof identity !== 'string' || !identity.trim() || identities.includes(identity)) continue;
    if (channel === 'voice' && !isVoiceCapable(identity)) continue;
    identities.push(identity);
  }
  return identities;
}

/** One channel's stored value as a usable identity list: one identity stays a string, more stay a list. */
function listFrom(identities: string[]): IdentityList | undefined {
  if (identities.length === 0) return undefined;
  return identities.length === 1 ? identities[0] : identities;
}

/** A stored value as a usable setting: strings and lists as they are, an object reduced to its usable channels. */
function settingFrom(value: unknown): OriginationIdentitySetting | undefined {
  if (typeof value === 'string') return value.trim() ? value : undefined;
  if (Array.isArray(value)) {
    return listFrom(value.filter((v): v is string => typeof v === 'string' && v.trim() !== ''));
  }
  if (!value || typeof value !== 'object') return undefined;
  const perChannel: ChannelIdentities = {};
  for (const channel of CHANNELS) {
    const identities = listFrom(identitiesFor(value as ChannelIdentities, channel));
    if (identities) perChannel[channel] = identities;
  }
  return Object.keys(perChannel).length > 0 ? perChannel : undefined;
}

/**
 * The origination identities for the destination country and channel, in the order to try them: the country's
 * identities for that channel, else the default's (the two lists are not merged: a country's own list is what its
 * registrations allow). A sender ID is never used for a call, so a call to a country whose SMS identity is a sender
 * ID goes out from the default voice-capable numbers. A country that is not allowed, or has no identity for the
 * channel, is undeliverable.
 *
 * @param country - ISO 3166-1 alpha-2 of the destination
 * @param channel - sms or voice
 * @param config - routing settings
 * @returns one or more identities, first choice first
 */
export function chooseOriginationIdentities(
  country: string,
  channel: Channel,
  config: RoutingConfig,
): string[] {
  const allowed = config.allowedCountries.includes('*') || config.allowedCountries.includes(country);
  if (!allowed) {
    throw new UndeliverableError('country_not_allowed', `Destination country ${country} is not allowed`);
  }
  const own = identitiesFor(config.originationIdentities[country], channel);
  const identities = own.length > 0 ? own : identitiesFor(config.defaultOriginationIdentity, channel);
  if (identities.length === 0) {
    throw new UndeliverableError(
      'no_origination_identity',
      `No ${channel} origination identity for country ${country}`,
    );
  }
  return identities;
}

/**
 * The first choice of {@link chooseOriginationIdentities}.
 *
 * @param country - ISO 3166-1 alpha-2 of the destination
 * @param channel - sms or voice
 * @param config - routing settings
 */
export function chooseOriginationIdentity(country: string, channel: Channel, config: RoutingConfig): string {
  return chooseOriginationIdentities(country, channel, config)[0] as string;
}

/**
 * Reads routing settings from the `pk=config` partition (sort key → value), tolerating missing and malformed
 * items. Identities may be one string or an ordered list per country (what tables written before per-channel
 * routing hold is a string) or per channel ({@link OriginationIdentitySetting}); a sender ID stored as a `voice`
 * identity is dropped.
 *
 * @param items - values by sort key: `defaultOriginationIdentity`, `originationIdentities`, `allowedCountries`
 */
export function routingConfigFrom(items: Record<string, unknown>): RoutingConfig {
  const identities = items.originationIdentities;
  const allowed = items.allowedCountries;
  const fallback = settingFrom(items.defaultOriginationIdentity);
  const originationIdentities: Record<string, OriginationIdentitySetting> = {};
  if (identities && typeof identities === 'object' && !Array.isArray(identities)) {
    for (const [country, value] of Object.entries(identities as Record<string, unknown>)) {
      const setting = settingFrom(value);
      if (setting) originationIdentities[country.toUpperCase()] = setting;
    }
  }
  return {
    ...(fallback ? { defaultOriginationIdentity: fallback } : {}),
    originationIdentities,
    allowedCountries: Array.isArray(allowed)
      ? allowed.filter((c): c is string => typeof c === 'string').map((c) => c.toUpperCase())
      : [],
  };
}

/**
 * True when the numbering plan says the destination is a landline (libphonenumber type `FIXED_LINE`), which cannot
 * take an SMS. End User Messaging does not refuse such a send when it is made (its `SendTextMessage` Reasons have no
 * "landline" member): it accepts it and the carrier's receipt fails it minutes later, past Okta's window. Numbers
 * whose plan does not tell fixed from mobile (`FIXED_LINE_OR_MOBILE`: the US, Canada) are never landlines here.
 *
 * @param e164 - the destination
 */
export function isLandline(e164: string): boolean {
  return parsePhoneNumberFromString(e164)?.getType() === 'FIXED_LINE';
}
