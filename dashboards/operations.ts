/**
 * Everything on-call uses, as one construct that infra adds to the stack: metric-filter totals, alarms and the
 * composite, the dashboard, and the saved Logs Insights queries.
 */
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { createAlarms, type ServiceAlarms, type TrafficAlarmMode } from './alarms.js';
import { createDashboard } from './dashboard.js';
import { type ServiceSignals, ServiceTotals } from './metrics.js';
import { type QueryLogGroup, SAVED_QUERIES } from './queries/index.js';

/** Properties of {@link ServiceOperations}. */
export interface ServiceOperationsProps {
  /** The stack's parts to watch. */
  readonly signals: ServiceSignals;
  /** Where alarms notify (KMS-encrypted, with the on-call subscription). */
  readonly alarmTopic: sns.ITopic;
  /**
   * What the alarm on the hook's traffic stopping does: page (in "OTP delivery degraded"), notify, or nothing.
   * @default 'page'
   */
  readonly trafficAlarm?: TrafficAlarmMode;
  /**
   * ISO countries with alarms of their own (sends above their band, codes not delivered).
   * @default []
   */
  readonly alarmCountries?: readonly string[];
}

/** Alarms, dashboard and saved queries of the hook. */
export class ServiceOperations extends Construct {
  /** The alarms, by name. */
  public readonly alarms: ServiceAlarms;
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ServiceOperationsProps) {
    super(scope, id);
    const { signals } = props;
    const totals = new ServiceTotals(this, 'Totals', signals).metrics;
    this.alarms = createAlarms(this, signals, totals, props.alarmTopic, {
      ...(props.trafficAlarm ? { trafficAlarm: props.trafficAlarm } : {}),
      ...(props.alarmCountries ? { alarmCountries: props.alarmCountries } : {}),
    });
    this.dashboard = createDashboard(this, signals, totals, this.alarms);

    const groups: Partial<Record<QueryLogGroup, logs.ILogGroup>> = {
      hook: signals.hookLogGroup,
      authorizer: signals.authorizerLogGroup,
      access: signals.accessLogGroup,
      ...(signals.receiptsLogGroup ? { receipts: signals.receiptsLogGroup } : {}),
      ...(signals.conversion
        ? { verification: signals.conversion.verificationLogGroup, sweep: signals.conversion.sweepLogGroup }
        : {}),
    };
    for (const query of SAVED_QUERIES) {
      // A query is saved with the groups this stack has (no verification or sweep without conversion).
      const logGroupNames = query.logGroups.flatMap((group) => {
        const logGroup = groups[group];
        return logGroup ? [logGroup.logGroupName] : [];
      });
      new logs.CfnQueryDefinition(this, query.id, {
        name: query.name,
        queryString: query.query,
        logGroupNames,
      });
    }
  }
}
