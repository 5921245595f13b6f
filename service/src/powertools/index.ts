export { MetricName, SERVICE_NAME } from './constants.js';
export { logger, secrets } from './logger.js';
export { emitMetric, emitMetrics, MetricUnit, metrics } from './metrics.js';
