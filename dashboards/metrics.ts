/**
 * The metrics the dashboard and alarms read: the service's own (Powertools EMF, namespace `OktaPhoneMfa`) and the
 * AWS ones of each part of the stack. Names come from the service's constants, never retyped.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { REQUEST_FAULT_REASONS } from '../service/src/domain/failure-class.js';
import { METRICS_NAMESPACE, MetricName, SERVICE_NAME } from '../service/src/powertools/constants.js';

/** What the operations layer watches: the stack's parts, handed over by infra. */
export interface ServiceSignals {
  /** The delivery function. */
  readonly hookFunction: lambda.IFunction;
  /** The TOKEN authorizer function. */
  readonly authorizerFunction: lambda.IFunction;
  /** Log group of the delivery function. */
  readonly hookLogGroup: logs.ILogGroup;
  /** Log group of the authorizer. */
  readonly authorizerLogGroup: logs.ILogGroup;
  /** API Gateway access log group. */
  readonly accessLogGroup: logs.ILogGroup;
  /** The API stage Okta calls. */
  readonly stage: apigateway.Stage;
  /** The dead-letter queue. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Receipts and Okta events their functions could not process after retries. */
  readonly eventFailures?: sqs.IQueue;
  /** Templates and config table. */
  readonly templatesTable: dynamodb.ITable;
  /** Idempotency table. */
  readonly idempotencyTable: dynamodb.ITable;
  /** The abuse guard's counters and lists. */
  readonly abuseTable: dynamodb.ITable;
  /** What became of each code (receipts, feedback); absent in stacks built before receipts. */
  readonly messagesTable?: dynamodb.ITable;
  /** Log group of the receipt handler (record-delivery-event). */
  readonly receiptsLogGroup?: logs.ILogGroup;
  /** The receipt handler (its errors are alarmed). */
  readonly receiptsFunction?: lambda.IFunction;
  /**
   * Whether the stack's own configuration set sends receipts to that handler. With the operator's configuration set
   * the event destination is theirs to add, so no receipt may ever arrive: the delivery-rate alarm would read 0 % and
   * page for nothing, and is not created.
   */
  readonly receiptsWired?: boolean;
  /**
   * Conversion's parts, when it is measured (Okta Log Streaming or the Okta event hook): the conversion alarms,
   * "Okta is failing over" and the low-conversion denial alarm exist only then.
   */
  readonly conversion?: {
    /** Log group of record-verification. */
    readonly verificationLogGroup: logs.ILogGroup;
    /** Log group of sweep-messages. */
    readonly sweepLogGroup: logs.ILogGroup;
    /** record-verification (its errors are alarmed). */
    readonly verificationFunction?: lambda.IFunction;
    /** sweep-messages (its errors are alarmed). */
    readonly sweepFunction?: lambda.IFunction;
    /**
     * Whether Okta Log Streaming feeds it (every System Log event). Without it only the event hook does, and Okta sends
     * event hooks no `inline_hook.response.processed` (not event-hook-eligible): the error kind of OktaHookFailure
     * stays at zero. @default true
     */
    readonly logStreaming?: boolean;
  };
  /** Name of the web ACL (its metrics' `WebACL` dimension). */
  readonly webAclName: string;
  /** The hook's deadline (DEADLINE_MS), drawn on the latency graphs. */
  readonly deadlineMs: number;
}

/** Okta's hook timeout: past this Okta retries once, then uses its own providers. */
export const OKTA_TIMEOUT_MS = 3000;

/** Channels the service reports (`channel` dimension). */
export const CHANNELS = ['sms', 'voice'] as const;

/**
 * The route Okta calls (infra/lib/constructs/hook-api.ts): its per-method API Gateway metrics carry these as the
 * `Resource` and `Method` dimensions (published because the stage has detailed metrics on).
 */
export const HOOK_ROUTE = { resource: '/hook', method: 'POST' } as const;

const FIVE_MINUTES = Duration.minutes(5);

/** A service metric with its exact Powertools dimension set (the `service` dimension is always there). */
export function serviceMetric(
  name: (typeof MetricName)[keyof typeof MetricName],
  dimensions: Record<string, string> = {},
  options: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME, ...dimensions },
    statistic: cloudwatch.Stats.SUM,
    period: FIVE_MINUTES,
    ...options,
  });
}

/**
 * A Metrics Insights query summing a service metric across all values of its other dimensions, grouped by one
 * of them. For graphs only: reasons and countries are open-ended, which a fixed list of metrics cannot cover.
 *
 * @param name - metric name
 * @param schemaDimensions - the metric's full dimension set, besides `service`
 * @param groupBy - dimension to split by, or none for one total
 */
export function insightsSum(
  name: string,
  schemaDimensions: string[],
  groupBy?: string,
  label?: string,
): cloudwatch.MathExpression {
  const schema = [METRICS_NAMESPACE, ...schemaDimensions, 'service'].join(', ');
  return new cloudwatch.MathExpression({
    expression: `SELECT SUM(${name}) FROM SCHEMA(${schema}) WHERE service = '${SERVICE_NAME}'${groupBy ? ` GROUP BY ${groupBy}` : ''}`,
    period: FIVE_MINUTES,
    ...(label ? { label } : {}),
  });
}

/** Dimensionless totals published by metric filters, for alarms (which cannot sum over dimension values). */
export type TotalMetrics = {
  delivered: cloudwatch.Metric;
  /** Every failed delivery, whatever its reason. */
  failed: cloudwatch.Metric;
  /** Failed deliveries that are ours or the provider's: every reason but the request-fault ones. */
  failedOurs: cloudwatch.Metric;
  denied: cloudwatch.Metric;
  /** Requests the abuse guard refused, whatever the reason. */
  blocked: cloudwatch.Metric;
};

/** Names of the metric-filter totals. */
export const TOTAL_METRIC_NAMES = {
  delivered: `${MetricName.OtpDelivered}Total`,
  failed: `${MetricName.OtpDeliveryFailed}Total`,
  failedOurs: `${MetricName.OtpDeliveryFailed}OursTotal`,
  denied: `${MetricName.AuthorizerDenied}Total`,
  blocked: `${MetricName.OtpBlocked}Total`,
} as const;

/**
 * Metric filters that add up the service's EMF lines into one dimensionless metric each. The EMF line carries the
 * metric's value under its name (`"OtpDeliveryFailed": 1`) and each dimension as a key of its own
 * (`"reason": "provider_error"`), so a filter can also leave reasons out.
 */
export class ServiceTotals extends Construct {
  /** The totals, as metrics. */
  public readonly metrics: TotalMetrics;

  constructor(scope: Construct, id: string, signals: ServiceSignals) {
    super(scope, id);
    const total = (
      key: keyof TotalMetrics,
      source: string,
      logGroup: logs.ILogGroup,
      ...also: logs.JsonPattern[]
    ) => {
      const present = logs.FilterPattern.numberValue(`$.${source}`, '>=', 1);
      const filter = new logs.MetricFilter(this, `${TOTAL_METRIC_NAMES[key]}Filter`, {
        logGroup,
        metricNamespace: METRICS_NAMESPACE,
        metricName: TOTAL_METRIC_NAMES[key],
        filterPattern: also.length > 0 ? logs.FilterPattern.all(present, ...also) : present,
        metricValue: `$.${source}`,
        unit: cloudwatch.Unit.COUNT,
      });
      return filter.metric({ statistic: cloudwatch.Stats.SUM, period: FIVE_MINUTES });
    };
    // Ours by exclusion: a reason the filter has never heard of (a new one, `unknown`) counts against us.
    const notTheRequests = REQUEST_FAULT_REASONS.map((reason) =>
      logs.FilterPattern.stringValue('$.reason', '!=', reason),
    );
    this.metrics = {
      delivered: total('delivered', MetricName.OtpDelivered, signals.hookLogGroup),
      failed: total('failed', MetricName.OtpDeliveryFailed, signals.hookLogGroup),
      failedOurs: total('failedOurs', MetricName.OtpDeliveryFailed, signals.hookLogGroup, ...notTheRequests),
      denied: total('denied', MetricName.AuthorizerDenied, signals.authorizerLogGroup),
      blocked: total('blocked', MetricName.OtpBlocked, signals.hookLogGroup),
    };
  }
}

/**
 * An API Gateway metric of the route Okta calls ({@link HOOK_ROUTE}) on the stage: what Okta itself sees, without
 * any other route or stage.
 *
 * @param signals - the stack's parts
 * @param name - `Latency`, `Count`, `4XXError`, `5XXError`, `IntegrationLatency`
 * @param options - statistic, period, label
 */
export function hookRouteMetric(
  signals: ServiceSignals,
  name: 'Latency' | 'IntegrationLatency' | 'Count' | '4XXError' | '5XXError',
  options: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/ApiGateway',
    metricName: name,
    dimensionsMap: {
      ApiName: signals.stage.restApi.restApiName,
      Stage: signals.stage.stageName,
      Resource: HOOK_ROUTE.resource,
      Method: HOOK_ROUTE.method,
    },
    statistic: cloudwatch.Stats.SUM,
    period: FIVE_MINUTES,
    ...options,
  });
}

/**
 * Requests on the hook's route that the gateway did not refuse (`Count − 4XXError`): the calls Okta got an answer
 * for from the hook. Both are filled with 0, because API Gateway publishes nothing for a period without requests,
 * and a stop must read as 0, not as missing data.
 *
 * @param signals - the stack's parts
 * @param period - the aggregation period
 */
export function answeredHookRequests(signals: ServiceSignals, period: Duration): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    label: 'POST /hook requests answered by the hook (Count − 4XX)',
    expression: 'FILL(requests, 0) - FILL(refused, 0)',
    usingMetrics: {
      requests: hookRouteMetric(signals, 'Count', { period }),
      refused: hookRouteMetric(signals, '4XXError', { period }),
    },
    period,
  });
}

/** AWS/WAFV2 metric of the web ACL, all rules. */
export function wafMetric(
  signals: ServiceSignals,
  name: 'AllowedRequests' | 'BlockedRequests',
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/WAFV2',
    metricName: name,
    dimensionsMap: { WebACL: signals.webAclName, Region: Stack.of(signals.stage).region, Rule: 'ALL' },
    statistic: cloudwatch.Stats.SUM,
    period: FIVE_MINUTES,
  });
}

/** A Lambda metric by function name (all versions and aliases). */
export function lambdaMetric(
  fn: lambda.IFunction,
  name: string,
  statistic: string = cloudwatch.Stats.SUM,
  label?: string,
): cloudwatch.Metric {
  return fn.metric(name, { statistic, period: FIVE_MINUTES, ...(label ? { label } : {}) });
}
