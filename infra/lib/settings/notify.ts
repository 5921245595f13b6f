import { NOTIFY_TIERS, type NotifyTier } from '../../../service/src/domain/notify.js';
import type { Collector } from './reader.js';

/** Countries a BASIC Notify configuration may enable (AWS's pre-approved low-risk list has 30). */
export const BASIC_TIER_MAX_COUNTRIES = 30;

/** The channels a Notify configuration may enable for codes. */
export const NOTIFY_CHANNELS = ['SMS', 'VOICE'] as const;

/** Where the stack's Notify configuration goes in the routing it seeds. */
export const NOTIFY_ROUTES = ['last', 'none'] as const;

/**
 * `notify`: the stack creates an End User Messaging Notify configuration (AWS-managed senders, pre-approved
 * templates) and grants the hook its sends.
 */
export type NotifySettings = {
  /**
   * The tier AWS gave the configuration (every configuration starts BASIC: 200 messages a day, 1 per second, 30
   * countries; ADVANCED after AWS approves an upgrade). CloudFormation cannot set it: the setting tells the hook
   * which templates the tier may use, and the synth which limits to check.
   * @default 'BASIC'
   */
  tier: NotifyTier;
  /** @default ['SMS', 'VOICE'] */
  channels: Array<(typeof NOTIFY_CHANNELS)[number]>;
  /** ISO countries enabled; empty = the allowed countries (each must be one AWS's tier offers). */
  countries: string[];
  /** The brand AWS's templates name, up to 15 letters, digits, spaces, `_` or `-` (AWS reviews it). */
  displayName: string;
  /**
   * `last`: the seeded routing lists the configuration after each route's own identities (the last failover), and
   * alone where nothing else is configured (live the day it deploys). `none`: route it yourself (`notify:<id>`).
   * @default 'last'
   */
  route: (typeof NOTIFY_ROUTES)[number];
};

const KEYS = ['tier', 'channels', 'countries', 'displayName', 'route'];

/**
 * Reads `notify` (an object, JSON from the command line; absent or `false` = no configuration); problems go to `c`.
 *
 * @param c - the collector
 * @param allowedCountries - the hook's allowed countries (the default of `countries`)
 */
export function readNotifySettings(c: Collector, allowedCountries: string[]): NotifySettings | undefined {
  const raw = c.read('notify');
  if (raw === undefined || raw === null || raw === '' || raw === false || raw === 'false') return undefined;
  const value = raw === true || raw === 'true' ? {} : c.object('notify');
  for (const key of Object.keys(value)) {
    if (!KEYS.includes(key)) c.fail(`notify.${key}`, `is not a notify setting (${KEYS.join(', ')})`);
  }
  const tier = String(value.tier ?? 'BASIC').toUpperCase() as NotifyTier;
  if (!NOTIFY_TIERS.includes(tier))
    c.fail('notify.tier', `must be BASIC or ADVANCED, got ${JSON.stringify(value.tier)}`);
  const channels = [value.channels ?? [...NOTIFY_CHANNELS]].flat().map((x) => String(x).toUpperCase());
  if (channels.length === 0 || !channels.every((x) => (NOTIFY_CHANNELS as readonly string[]).includes(x))) {
    c.fail('notify.channels', `must list SMS, VOICE or both, got ${JSON.stringify(value.channels)}`);
  }
  const given = [value.countries ?? []].flat().map((x) => String(x).trim().toUpperCase());
  for (const country of given) {
    if (!/^[A-Z]{2}$/.test(country))
      c.fail('notify.countries', `"${country}" is not an ISO 3166-1 alpha-2 code`);
    else if (!allowedCountries.includes('*') && !allowedCountries.includes(country)) {
      c.fail('notify.countries', `"${country}" is not in allowedCountries: no code is ever sent there`);
    }
  }
  const countries = given.length > 0 ? given : allowedCountries.filter((x) => x !== '*');
  if (countries.length === 0) {
    c.fail('notify.countries', 'list the countries to enable: allowedCountries is ["*"]');
  }
  if (tier === 'BASIC' && countries.length > BASIC_TIER_MAX_COUNTRIES) {
    c.fail(
      'notify.countries',
      `a BASIC configuration enables at most ${BASIC_TIER_MAX_COUNTRIES} countries, got ${countries.length}`,
    );
  }
  const displayName = String(value.displayName ?? 'Sign-in').trim();
  if (!/^[A-Za-z0-9_ -]{1,15}$/.test(displayName)) {
    c.fail(
      'notify.displayName',
      `must be 1 to 15 letters, digits, spaces, _ or -, got ${JSON.stringify(displayName)}`,
    );
  }
  const route = String(value.route ?? 'last') as NotifySettings['route'];
  if (!(NOTIFY_ROUTES as readonly string[]).includes(route)) {
    c.fail('notify.route', `must be last or none, got ${JSON.stringify(value.route)}`);
  }
  return {
    tier,
    channels: [...new Set(channels)] as NotifySettings['channels'],
    countries: [...new Set(countries)],
    displayName,
    route,
  };
}
