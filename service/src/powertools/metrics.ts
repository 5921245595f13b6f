import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, type MetricName, SERVICE_NAME } from './constants.js';

/** The one Metrics instance of the process (EMF to stdout). */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
});

type Name = (typeof MetricName)[keyof typeof MetricName];

/**
 * Emits one metric with its own low-cardinality dimensions, immediately (a single-metric EMF blob),
 * so that metrics with different dimension sets never share one.
 *
 * @param name - metric name
 * @param dimensions - e.g. `{ channel: 'sms', reason: 'throttled' }`; never phone numbers or ids
 * @param value - defaults to 1
 * @param unit - defaults to Count
 */
export function emitMetric(
  name: Name,
  dimensions: Record<string, string> = {},
  value = 1,
  unit: (typeof MetricUnit)[keyof typeof MetricUnit] = MetricUnit.Count,
): void {
  const single = metrics.singleMetric();
  for (const [key, dimValue] of Object.entries(dimensions)) single.addDimension(key, dimValue);
  single.addMetric(name, unit, value);
}

export { MetricUnit };
