import { TRAFFIC_ALARM_MODES, type TrafficAlarmMode } from '../../../dashboards/alarms.js';
import { type Collector, isCidr } from './reader.js';

/** Retention values CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

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

  return {
    provisionedConcurrency,
    ...(alarmEmail ? { alarmEmail } : {}),
    oktaIpAllowList,
    logRetentionDays,
    trafficAlarm,
  };
}
