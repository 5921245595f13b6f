/**
 * The AWS calls of a delivery, as sequential stages: what an Okta user waits for in AWS is round trips, and calls made
 * side by side cost one. The recorder watches this process's HTTP client (node:diagnostics_channel, plus the body of
 * each request for the DynamoDB table it names) and names each call by what it is for: `claim` (the idempotency
 * record's conditional put), `guard` (a counter), `send` (End User Messaging), `record` (the idempotency update, the
 * message's items), `read` (a table read), `key` (the fingerprint key), `dlq`, `lookup`. Calls that overlap in time
 * are one stage; a call that starts after every call of the stage before has ended starts the next.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ClientRequest } from 'node:http';

/** One AWS call: what it was for and when it ran (ms, `performance.now()`). */
export type AwsCall = { label: string; startMs: number; endMs: number };

/** Calls grouped into sequential stages, each a list of labels in start order. */
export type Stages = string[][];

/**
 * Groups calls into sequential stages: sorted by start, a call joins the current stage when it starts before the
 * stage's last end, and starts a new stage otherwise.
 *
 * @param calls - the calls of one request
 */
export function stagesOf(calls: readonly AwsCall[]): Stages {
  const sorted = [...calls].sort((a, b) => a.startMs - b.startMs);
  const stages: Stages = [];
  let stageEnd = Number.NEGATIVE_INFINITY;
  for (const call of sorted) {
    if (stages.length === 0 || call.startMs >= stageEnd) {
      stages.push([call.label]);
      stageEnd = call.endMs;
    } else {
      stages.at(-1)?.push(call.label);
      stageEnd = Math.max(stageEnd, call.endMs);
    }
  }
  return stages;
}

/**
 * `claim+guard → send → record`: each stage's distinct labels joined by `+`, a repeated label counted (`guard×2`).
 *
 * @param stages - from {@link stagesOf}
 */
export function formatStages(stages: Stages): string {
  const rank = (label: string) => {
    const at = LABEL_ORDER.indexOf(label);
    return at < 0 ? LABEL_ORDER.length : at;
  };
  return stages
    .map((stage) => {
      const counts = new Map<string, number>();
      for (const label of stage) counts.set(label, (counts.get(label) ?? 0) + 1);
      return [...counts]
        .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
        .map(([label, n]) => (n > 1 ? `${label}×${n}` : label))
        .join('+');
    })
    .join(' → ');
}

/** The order labels are written in within a stage: a delivery's order. */
const LABEL_ORDER = ['claim', 'guard', 'read', 'key', 'lookup', 'send', 'dlq', 'record'];

/** What a request's tables are for, by name: the labels differ by table. */
export type TableRoles = { idempotency: string; abuse: string; messages: string; templates: string };

/**
 * The label of one AWS call, from its `X-Amz-Target` and the table its body names.
 *
 * @param target - `DynamoDB_20120810.PutItem`, `PinpointSMSVoiceV2.SendTextMessage`, …
 * @param table - the `TableName` of a DynamoDB call
 * @param tables - the tables' names
 */
export function labelOf(target: string, table: string | undefined, tables: TableRoles): string {
  const [service, operation = ''] = target.split('.');
  if (service?.startsWith('DynamoDB')) {
    if (/^(Get|Query|Scan|BatchGet)/.test(operation)) return 'read';
    if (table === tables.idempotency) return operation === 'PutItem' ? 'claim' : 'record';
    if (table === tables.abuse) return 'guard';
    if (table === tables.messages) return 'record';
    return `dynamodb:${operation}`;
  }
  if (service === 'PinpointSMSVoiceV2') {
    if (/^Send/.test(operation)) return 'send';
    if (operation === 'CarrierLookup') return 'lookup';
    return `sms-voice:${operation}`;
  }
  if (service === 'secretsmanager') return 'key';
  if (service === 'AmazonSQS') return 'dlq';
  return target || 'http';
}

const BODY = Symbol('body');

/**
 * Records this process's AWS calls until `stop()`. `take()` returns (and forgets) the calls so far.
 *
 * @param tables - the tables' names, for the labels
 */
export function stageRecorder(tables: TableRoles) {
  const started = new WeakMap<object, { label: string; startMs: number }>();
  let calls: AwsCall[] = [];
  // The body is written before the request starts: keep the table it names on the request.
  const end = ClientRequest.prototype.end;
  ClientRequest.prototype.end = function patched(this: ClientRequest, ...args: unknown[]) {
    const chunk = args[0];
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const table = /"TableName"\s*:\s*"([^"]+)"/.exec(text)?.[1];
      if (table) (this as unknown as Record<symbol, string>)[BODY] = table;
    }
    return (end as (...a: unknown[]) => ClientRequest).apply(this, args);
  } as typeof end;
  const onStart = (message: unknown) => {
    const request = (message as { request: ClientRequest }).request;
    const target = String(request.getHeader('x-amz-target') ?? '');
    const table = (request as unknown as Record<symbol, string | undefined>)[BODY];
    started.set(request, { label: labelOf(target, table, tables), startMs: performance.now() });
  };
  const onFinish = (message: unknown) => {
    const at = started.get((message as { request: object }).request);
    if (at) calls.push({ ...at, endMs: performance.now() });
  };
  subscribe('http.client.request.start', onStart);
  subscribe('http.client.response.finish', onFinish);
  return {
    take(): AwsCall[] {
      const out = calls;
      calls = [];
      return out;
    },
    stop(): void {
      unsubscribe('http.client.request.start', onStart);
      unsubscribe('http.client.response.finish', onFinish);
      ClientRequest.prototype.end = end;
    },
  };
}
