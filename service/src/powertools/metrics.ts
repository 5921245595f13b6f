import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, type MetricName, SERVICE_NAME } from './constants.js';

/** The one Metrics instance of the process (EMF to stdout). */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
});

type Name = (typeof MetricName)[keyof typeof MetricName];
type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/**
 * The instance every `emitMetrics` call goes through: one EMF blob per call, published at once. Reused rather than
 * a fresh `singleMetric()` per metric, which builds a whole Metrics instance (and reads the environment) each time.
 */
const emitter = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
});

/**
 * Emits metrics that share one set of low-cardinality dimensions as one EMF blob, immediately, so that metrics with
 * different dimension sets never share one and a failed invocation still leaves its metrics.
 *
 * @param dimensions - e.g. `{ channel: 'sms', reason: 'throttled' }`; never phone numbers or ids
 * @param entries - `[name, value, unit]`; value defaults to 1 and unit to Count
 * @param alsoBy - another dimension set for the same metrics (keys not in `dimensions`), e.g. `{ isResend: 'true' }`
 */
export function emitMetrics(
  dimensions: Record<string, string>,
  entries: ReadonlyArray<readonly [name: Name, value?: number, unit?: Unit]>,
  alsoBy?: Record<string, string>,
): void {
  // Synchronous from the first add to the publish, so concurrent invocations cannot interleave their dimensions.
  for (const [key, dimValue] of Object.entries(dimensions)) emitter.addDimension(key, dimValue);
  // A second dimension set in the same blob (its keys distinct from the first's): the same count, also by these,
  // without a second line that Logs Insights would sum twice.
  if (alsoBy && Object.keys(alsoBy).length > 0) emitter.addDimensions(alsoBy);
  for (const [name, value = 1, unit = MetricUnit.Count] of entries) emitter.addMetric(name, unit, value);
  emitter.publishStoredMetrics();
}

/**
 * Emits one metric with its own dimensions, immediately (see {@link emitMetrics}).
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
  unit: Unit = MetricUnit.Count,
): void {
  emitMetrics(dimensions, [[name, value, unit]]);
}

export { MetricUnit };
