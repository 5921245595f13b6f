/**
 * The local stack's stdout: each function's Powertools JSON lines, one per line, prefixed with the function name;
 * with `--pretty`, rendered for humans. Nothing is added to a line, so the service's redaction still holds; lines
 * that are not JSON (a crash's stack trace) are scrubbed of tokens and phone numbers on the way.
 */
import { scrubText } from '../src/domain/redact.js';

/** Writes one rendered line. */
export type LineSink = (text: string) => void;

const COLOURS: Record<string, string> = {
  DEBUG: '\x1b[90m',
  INFO: '\x1b[36m',
  WARN: '\x1b[33m',
  ERROR: '\x1b[31m',
  CRITICAL: '\x1b[31m',
  METRIC: '\x1b[35m',
  ACCESS: '\x1b[32m',
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';

/** Keys every Powertools line has; left out of the pretty rendering to keep it short. */
const NOISE = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'function_name',
  'function_request_id',
  'function_arn',
  'function_memory_size',
  'xray_trace_id',
  'sampling_rate',
]);

function scalar(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

function time(timestamp: unknown): string {
  const date =
    typeof timestamp === 'string' || typeof timestamp === 'number' ? new Date(timestamp) : new Date();
  return (Number.isNaN(date.getTime()) ? new Date() : date).toISOString().slice(11, 23);
}

type Emf = {
  _aws: {
    Timestamp?: number;
    CloudWatchMetrics?: Array<{ Metrics?: Array<{ Name: string; Unit?: string }> }>;
  };
  [key: string]: unknown;
};

function renderEmf(entry: Emf): string {
  const names = new Set<string>();
  for (const directive of entry._aws.CloudWatchMetrics ?? []) {
    for (const metric of directive.Metrics ?? []) names.add(metric.Name);
  }
  const metrics: string[] = [];
  const dimensions: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (key === '_aws') continue;
    if (names.has(key)) metrics.push(`${key}=${scalar(value)}`);
    else if (key !== 'service') dimensions.push(`${key}=${scalar(value)}`);
  }
  return `${metrics.join(' ')}${dimensions.length ? ` ${DIM}${dimensions.join(' ')}${RESET}` : ''}`;
}

/**
 * Renders one line written by a function.
 *
 * @param source - the function name (or `api-gateway` for access logs)
 * @param line - the raw line
 * @param pretty - human rendering (colours, `key=value`) instead of the JSON as written
 */
export function renderLine(source: string, line: string, pretty: boolean): string {
  let entry: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(line) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      entry = parsed as Record<string, unknown>;
  } catch {
    entry = undefined;
  }
  if (!entry) return `[${source}] ${scrubText(line)}`;
  if (!pretty) return `[${source}] ${line}`;

  const name = source.padEnd(14);
  if ('_aws' in entry) {
    const at = time((entry as Emf)._aws.Timestamp);
    return `${DIM}${at}${RESET} ${name} ${COLOURS.METRIC}METRIC${RESET} ${renderEmf(entry as Emf)}`;
  }
  if (source === 'api-gateway') {
    const { status, httpMethod, resourcePath, responseLatency, ...rest } = entry;
    const extra = Object.entries(rest)
      .filter(([key]) => !['requestTime', 'ip'].includes(key))
      .map(([key, value]) => `${key}=${scalar(value)}`)
      .join(' ');
    return `${DIM}${time(entry.requestTime)}${RESET} ${name} ${COLOURS.ACCESS}ACCESS${RESET} ${httpMethod} ${resourcePath} ${status} ${responseLatency}ms ${DIM}${extra}${RESET}`;
  }
  const level = String(entry.level ?? 'INFO').toUpperCase();
  const fields = Object.entries(entry)
    .filter(([key, value]) => !NOISE.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${scalar(value)}`)
    .join(' ');
  const colour = COLOURS[level] ?? '';
  return `${DIM}${time(entry.timestamp)}${RESET} ${name} ${colour}${level.padEnd(6)}${RESET} ${entry.message ?? ''} ${DIM}${fields}${RESET}`;
}
