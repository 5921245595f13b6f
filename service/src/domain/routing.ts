import { UndeliverableError } from './errors.js';

/** Routing settings (the `pk=config` items). */
export type RoutingConfig = {
  defaultOriginationIdentity?: string;
  originationIdentities: Record<string, string>;
  allowedCountries: string[];
};

/**
 * Picks the origination identity (phone number, sender id, pool or ARN) for the destination country.
 * A country that is not allowed, or has no identity, is undeliverable.
 *
 * @param country - ISO 3166-1 alpha-2 of the destination
 * @param config - routing settings
 */
export function chooseOriginationIdentity(country: string, config: RoutingConfig): string {
  const allowed = config.allowedCountries.includes('*') || config.allowedCountries.includes(country);
  if (!allowed) {
    throw new UndeliverableError('country_not_allowed', `Destination country ${country} is not allowed`);
  }
  const identity = config.originationIdentities[country] ?? config.defaultOriginationIdentity;
  if (!identity) {
    throw new UndeliverableError('no_origination_identity', `No origination identity for country ${country}`);
  }
  return identity;
}

/**
 * Reads routing settings from the `pk=config` partition (sort key → value), tolerating missing items.
 *
 * @param items - values by sort key
 */
export function routingConfigFrom(items: Record<string, unknown>): RoutingConfig {
  const identities = items.originationIdentities;
  const allowed = items.allowedCountries;
  const fallback = items.defaultOriginationIdentity;
  return {
    ...(typeof fallback === 'string' && fallback ? { defaultOriginationIdentity: fallback } : {}),
    originationIdentities:
      identities && typeof identities === 'object' && !Array.isArray(identities)
        ? Object.fromEntries(
            Object.entries(identities as Record<string, unknown>)
              .filter(([, v]) => typeof v === 'string')
              .map(([k, v]) => [k.toUpperCase(), v as string]),
          )
        : {},
    allowedCountries: Array.isArray(allowed)
      ? allowed.filter((c): c is string => typeof c === 'string').map((c) => c.toUpperCase())
      : [],
  };
}
