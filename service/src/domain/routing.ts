import { UndeliverableError } from './errors.js';
import type { Channel } from './templates.js';

/**
 * What an origination identity names, as End User Messaging reads it: a phone number or a pool can send SMS and
 * place calls (if the number has the voice capability); a sender ID sends SMS only.
 */
export type OriginationIdentityKind = 'phone-number' | 'pool' | 'sender-id';

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
 * Reads an origination identity the way `SendTextMessage`/`SendVoiceMessage` do: an E.164 number, a phone number id
 * (`phone-…`) or a phone-number ARN is a phone number; a pool id (`pool-…`) or pool ARN is a pool; a `sender-id`
 * ARN or any other alphanumeric string of 1–11 characters with a letter (`ACMEMFA`) is a sender ID. This is the one
 * rule behind the routing, `npm run templates` and the deploy settings.
 *
 * @param identity - as configured
 * @returns its kind, or undefined when End User Messaging would not take it as an origination identity
 */
export function originationIdentityKind(identity: string): OriginationIdentityKind | undefined {
  if (E164.test(identity)) return 'phone-number';
  const typed = ARN.exec(identity) ?? ID.exec(identity);
  if (typed) return KIND_OF[typed[1] as keyof typeof KIND_OF];
  return SENDER_ID.test(identity) ? 'sender-id' : undefined;
}

/**
 * True when a call may be placed from the identity: a phone number or a pool. A sender ID never is
 * (`SendVoiceMessage` refuses it), nor is a string that is no identity at all.
 *
 * @param identity - as configured
 */
export function isVoiceCapable(identity: string): boolean {
  const kind = originationIdentityKind(identity);
  return kind === 'phone-number' || kind === 'pool';
}

/**
 * Origination identities of one country, or the default, as stored in the `pk=config` items and as the deploy
 * settings take them:
 * - one identity string: a phone number or pool serves both channels, a sender ID serves SMS only
 *   (`"+525555550100"`, `"ACMEMFA"`; what tables written before per-channel routing hold);
 * - or one per channel, either optional: `{ "sms": "ACMEMFA", "voice": "+442079460123" }`. `voice` must be a
 *   phone number or pool.
 *
 * A channel left without an identity uses the default's identity for that channel.
 */
export type OriginationIdentitySetting = string | { sms?: string; voice?: string };

/** The identities of a {@link OriginationIdentitySetting} given per channel; a missing channel uses the default. */
export type ChannelIdentities = Partial<Record<Channel, string>>;

/**
 * Routing settings (the `pk=config` items), as {@link routingConfigFrom} reads them: country codes upper-cased,
 * malformed entries dropped, and no sender ID left as a `voice` identity.
 */
export type RoutingConfig = {
  /** For countries (and channels) without their own identity; undefined = per-country only. */
  defaultOriginationIdentity?: OriginationIdentitySetting;
  /** ISO 3166-1 alpha-2 country (upper case) → its identity, or identities per channel. */
  originationIdentities: Record<string, OriginationIdentitySetting>;
  /** ISO countries the hook may send to, or `["*"]`. */
  allowedCountries: string[];
};

const CHANNELS: readonly Channel[] = ['sms', 'voice'];

/**
 * Problems of one {@link OriginationIdentitySetting} before it is saved or deployed, each naming the channel and the
 * identity (no phone number of a user is ever in a setting). Empty when the setting is valid.
 *
 * @param setting - a country's or the default's value
 */
export function originationIdentityProblems(setting: unknown): string[] {
  const invalid = (identity: unknown) =>
    `${JSON.stringify(identity)} is not an E.164 number, sender ID, phone/pool id or sms-voice ARN`;
  if (typeof setting === 'string') return originationIdentityKind(setting) ? [] : [invalid(setting)];
  if (!setting || typeof setting !== 'object' || Array.isArray(setting)) {
    return [`must be an identity string or { "sms": …, "voice": … }, got ${JSON.stringify(setting)}`];
  }
  const entries = Object.entries(setting);
  if (entries.length === 0)
    return ['give sms, voice or both, e.g. { "sms": "ACMEMFA", "voice": "+12065550100" }'];
  return entries.flatMap(([channel, identity]) => {
    if (!(CHANNELS as readonly string[]).includes(channel))
      return [`unknown channel ${channel}: use sms or voice`];
    if (typeof identity !== 'string' || !originationIdentityKind(identity))
      return [`${channel}: ${invalid(identity)}`];
    if (channel === 'voice' && !isVoiceCapable(identity)) {
      return [
        `voice: "${identity}" is a sender ID; sender IDs are SMS only, calls need a voice-capable phone number or pool`,
      ];
    }
    return [];
  });
}

/**
 * The identity a setting gives one channel: a plain string serves SMS, and voice only when it is voice-capable; a
 * per-channel object gives what it names, but never a sender ID (or anything unrecognised) for a call.
 */
function identityFor(setting: OriginationIdentitySetting | undefined, channel: Channel): string | undefined {
  const identity = typeof setting === 'string' ? setting : setting?.[channel];
  if (typeof identity !== 'string' || !identity.trim()) return undefined;
  return channel === 'voice' && !isVoiceCapable(identity) ? undefined : identity;
}

/** A stored value as a usable setting: a non-empty string as it is, an object reduced to its usable channels. */
function settingFrom(value: unknown): OriginationIdentitySetting | undefined {
  if (typeof value === 'string') return value.trim() ? value : undefined;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const perChannel: ChannelIdentities = {};
  for (const channel of CHANNELS) {
    const identity = identityFor(value as ChannelIdentities, channel);
    if (identity) perChannel[channel] = identity;
  }
  return Object.keys(perChannel).length > 0 ? perChannel : undefined;
}

/**
 * Picks the origination identity for the destination country and channel: the country's identity for that
 * channel, else the default's. A sender ID is never used for a call, so a call to a country whose SMS identity is a
 * sender ID goes out from the default voice-capable number. A country that is not allowed, or has no identity for
 * the channel, is undeliverable.
 *
 * @param country - ISO 3166-1 alpha-2 of the destination
 * @param channel - sms or voice
 * @param config - routing settings
 */
export function chooseOriginationIdentity(country: string, channel: Channel, config: RoutingConfig): string {
  const allowed = config.allowedCountries.includes('*') || config.allowedCountries.includes(country);
  if (!allowed) {
    throw new UndeliverableError('country_not_allowed', `Destination country ${country} is not allowed`);
  }
  const identity =
    identityFor(config.originationIdentities[country], channel) ??
    identityFor(config.defaultOriginationIdentity, channel);
  if (!identity) {
    throw new UndeliverableError(
      'no_origination_identity',
      `No ${channel} origination identity for country ${country}`,
    );
  }
  return identity;
}

/**
 * Reads routing settings from the `pk=config` partition (sort key → value), tolerating missing and malformed
 * items. Identities may be one string per country (what tables written before per-channel routing hold) or per
 * channel ({@link OriginationIdentitySetting}); a sender ID stored as a `voice` identity is dropped.
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
