import { TRAFFIC_ALARM_MODES, type TrafficAlarmMode } from '../../../dashboards/alarms.js';
import { type Collector, isCidr } from './reader.js';

/** Retention values CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const COUNTRY = /^[A-Z]{2}$/;

/**
 * Most countries with alarms of their own ("Sends above the usual band" and "Codes not delivered", about $0.40 a
 * month a country): past it, an org allowing many countries names the ones it sends most to (`alarmCountries`).
 */
export const MAX_ALARM_COUNTRIES = 20;

/** How the stack runs and is watched: capacity, who may reach the API, logs and alarms. */
export type OperationsSettings = {
  /** Provisioned concurrency on each function's `live` alias; 0 = on demand. */
  provisionedConcurrency: number;
  /** E-mail subscribed to the alarm topic; undefined = subscribe yourself. */
  alarmEmail?: string;
  /** CIDRs allowed to reach the API (Okta's published ranges); empty = no IP allow-list. */
  oktaIpAllowList: string[];
  /** Retention of every log group, in days (a CloudWatch Logs retention value). */
  logRetentionDays: number;
  /**
   * The alarm on the hook's traffic stopping (Okta failing over to its own providers): `page` through "OTP delivery
   * degraded", `notify` on its own, or `off`.
   */
  trafficAlarm: TrafficAlarmMode;
  /**
   * Countries with alarms of their own, at most {@link MAX_ALARM_COUNTRIES}; empty = the allowed countries (with
   * `["*"]`, the countries the routing names) when there are at most that many, else only the totals.
   */
  alarmCountries: string[];
};

/**
 * Reads and validates the operations settings; problems go to `c`.
 *
 * @param c - the collector of every group's problems
 */
export function readOperationsSettings(c: Collector): OperationsSettings {
  const provisionedConcurrency = c.integer('provisionedConcurrency', 0, 0, 1000);

  const alarmEmail = c.text('alarmEmail');
  if (alarmEmail && !EMAIL.test(alarmEmail)) c.fail('alarmEmail', `"${alarmEmail}" is not an e-mail address`);

  const oktaIpAllowList = c.list('oktaIpAllowList');
  for (const cidr of oktaIpAllowList) {
    if (!isCidr(cidr)) c.fail('oktaIpAllowList', `"${cidr}" is not a CIDR such as 203.0.113.0/24`);
  }

  const logRetentionDays = c.integer('logRetentionDays', 30, 1, 3653);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    c.fail('logRetentionDays', `must be one of ${LOG_RETENTION_DAYS.join(', ')}; got ${logRetentionDays}`);
  }

  const trafficAlarm = (c.text('trafficAlarm')?.toLowerCase() ?? 'page') as TrafficAlarmMode;
  if (!TRAFFIC_ALARM_MODES.includes(trafficAlarm)) {
    c.fail('trafficAlarm', `must be one of ${TRAFFIC_ALARM_MODES.join(', ')}, got "${trafficAlarm}"`);
  }

  const alarmCountries = [...new Set(c.list('alarmCountries').map((x) => x.toUpperCase()))];
  for (const country of alarmCountries) {
    if (!COUNTRY.test(country)) c.fail('alarmCountries', `"${country}" is not an ISO 3166-1 alpha-2 code`);
  }
  if (alarmCountries.length > MAX_ALARM_COUNTRIES) {
    c.fail(
      'alarmCountries',
      `names ${alarmCountries.length} countries; at most ${MAX_ALARM_COUNTRIES} (the totals' alarms cover the rest)`,
    );
  }

  return {
    provisionedConcurrency,
    ...(alarmEmail ? { alarmEmail } : {}),
    oktaIpAllowList,
    logRetentionDays,
    trafficAlarm,
    alarmCountries,
  };
}
