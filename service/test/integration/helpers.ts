import { BatchWriteItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { loadFixture, type OktaHookRequestFixture } from '../../../contracts/fixtures/index.js';
import { localDynamoClient } from '../../local/dynalite.js';
import type { MintRequest } from '../../local/issuer.js';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack.js';
import { messageKey } from '../../src/domain/message-table.js';

/** Starts the local stack on a free port, logs discarded unless `LOCAL_STACK_LOGS=1`. */
export function startStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({
    port: 0,
    ...(process.env.LOCAL_STACK_LOGS === '1'
      ? { log: (line: string) => console.log(line), pretty: true }
      : {}),
    ...options,
  });
}

/** A token from `POST /_local/mint`. */
export async function mint(stack: LocalStack, request: MintRequest = {}): Promise<string> {
  const response = await fetch(`${stack.baseUrl}/_local/mint`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  if (!response.ok) throw new Error(`mint failed: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

/** An HTTP answer with its body parsed when it is JSON. */
export type HttpAnswer = { status: number; body: any; text: string; elapsedMs: number; headers: Headers };

/** POSTs to the hook as Okta does. */
export async function postHook(
  stack: LocalStack,
  body: unknown,
  options: { token?: string; authorization?: string | null; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const authorization =
    options.authorization === null
      ? undefined
      : (options.authorization ?? `Bearer ${options.token ?? (await mint(stack))}`);
  const started = performance.now();
  const response = await fetch(stack.hookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization ? { authorization } : {}),
      ...options.headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const elapsedMs = performance.now() - started;
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed, text, elapsedMs, headers: response.headers };
}

/** GET a JSON route of the stack. */
export async function getJson(stack: LocalStack, path: string): Promise<any> {
  const response = await fetch(`${stack.baseUrl}${path}`);
  return response.json();
}

/** Every message the messaging stand-in accepted, over HTTP. */
export async function outbox(stack: LocalStack): Promise<Array<Record<string, any>>> {
  return (await getJson(stack, '/_local/outbox')).messages;
}

/** Every DLQ record, over HTTP, parsed. */
export async function deadLetters(stack: LocalStack): Promise<Array<Record<string, any>>> {
  const { messages } = await getJson(stack, '/_local/dlq');
  return messages.map((m: { body: string }) => JSON.parse(m.body));
}

/**
 * Empties the outbox, the DLQ, the refusals list and the abuse guard's table (counters and lists), and clears every
 * fault: each test starts with no codes counted against the fixtures' numbers and users.
 */
export async function resetStack(stack: LocalStack): Promise<void> {
  await Promise.all([
    ...['/_local/outbox', '/_local/dlq', '/_local/refusals', '/_local/faults'].map((path) =>
      fetch(`${stack.baseUrl}${path}`, { method: 'DELETE' }),
    ),
    clearAbuseTable(stack),
  ]);
}

/** Deletes every item of the abuse guard's table, straight in dynalite (no fault applies there). */
export async function clearAbuseTable(stack: LocalStack): Promise<void> {
  const client = localDynamoClient(stack.dynamoEndpoint);
  try {
    const { Items = [] } = await client.send(new ScanCommand({ TableName: stack.tables.abuse }));
    for (let i = 0; i < Items.length; i += 25) {
      const deletes = Items.slice(i, i + 25).map((item) => ({
        DeleteRequest: { Key: { pk: item.pk!, sk: item.sk! } },
      }));
      await client.send(new BatchWriteItemCommand({ RequestItems: { [stack.tables.abuse]: deletes } }));
    }
  } finally {
    client.destroy();
  }
}

/** Sets faults over HTTP. */
export async function setFaults(stack: LocalStack, faults: Record<string, unknown>): Promise<Response> {
  return fetch(`${stack.baseUrl}/_local/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
}

let counter = 0;

/**
 * One of Okta's documented payloads with a fresh eventId and code, so tests do not replay each other.
 *
 * @param name - fixture name
 * @param change - edits to apply
 */
export function hookRequest(
  name = 'request-sms-mfa-verification',
  change: (payload: OktaHookRequestFixture) => void = () => {},
): OktaHookRequestFixture {
  const payload = loadFixture(name);
  counter += 1;
  payload.eventId = `it-${Date.now().toString(36)}-${counter}`;
  payload.data.messageProfile.otpCode = String(100000 + ((Date.now() + counter * 7919) % 900000));
  payload.data.messageProfile.msgTemplate = `Your verification code is ${payload.data.messageProfile.otpCode}`;
  payload.data.messageProfile.otpExpires = new Date(Date.now() + 5 * 60_000).toISOString();
  change(payload);
  return payload;
}

/**
 * Asserts a DLQ record is redacted: no OTP, no full phone number, no Okta message text.
 *
 * @returns the problems found (empty when clean)
 */
export function redactionProblems(record: Record<string, any>, payload: OktaHookRequestFixture): string[] {
  const text = JSON.stringify(record);
  const problems: string[] = [];
  const { otpCode, phoneNumber, msgTemplate } = payload.data.messageProfile;
  if (text.includes(otpCode)) problems.push('contains the OTP');
  const digits = phoneNumber.replace(/\D/g, '');
  if (
    text
      .replace(/\D/g, ' ')
      .split(' ')
      .some((run) => run.length >= 8 && digits.includes(run))
  ) {
    problems.push('contains the phone number');
  }
  if (msgTemplate && text.includes(msgTemplate)) problems.push("contains Okta's message");
  // The country code and at most 3 last digits (`+1 *******123`), or, unreadable, at most 2 (`********10`).
  if (!/^\+\d{1,3} \*+\d{0,3}$|^\*{3,}\d{0,2}$/.test(String(record.phone)))
    problems.push(`phone not masked: ${record.phone}`);
  return problems;
}

/**
 * Polls `check` until it returns something other than undefined, null or false; fails after `timeoutMs` naming
 * `what` (receipts arrive ~200 ms after a send, then run through their handler).
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  what: string,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** POSTs JSON to a local route and parses the answer. */
export async function postLocal(stack: LocalStack, path: string, body?: unknown): Promise<HttpAnswer> {
  const started = performance.now();
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return {
    status: response.status,
    body: parsed,
    text,
    elapsedMs: performance.now() - started,
    headers: response.headers,
  };
}

/** Okta System Log events through `POST /_local/okta-events`; answered once the handler ran. */
export function postOktaEvents(stack: LocalStack, events: unknown): Promise<HttpAnswer> {
  return postLocal(stack, '/_local/okta-events', events);
}

/** One outbox message by its id, over HTTP. */
export async function outboxMessage(
  stack: LocalStack,
  messageId: string,
): Promise<Record<string, any> | undefined> {
  return (await outbox(stack)).find((message) => message.messageId === messageId);
}

/** The messages table's item of a message, straight from dynalite (no fault applies there). */
export async function messageItem(
  stack: LocalStack,
  messageId: string,
): Promise<Record<string, any> | undefined> {
  const client = localDynamoClient(stack.dynamoEndpoint);
  try {
    const { Item } = await DynamoDBDocumentClient.from(client).send(
      new GetCommand({ TableName: stack.tables.messages, Key: messageKey(messageId), ConsistentRead: true }),
    );
    return Item;
  } finally {
    client.destroy();
  }
}

/** Changes attributes of a message's item straight in dynalite (e.g. a code's expiry moved into the past). */
export async function updateMessageItem(
  stack: LocalStack,
  messageId: string,
  changes: Record<string, unknown>,
): Promise<void> {
  const client = localDynamoClient(stack.dynamoEndpoint);
  try {
    const names = Object.keys(changes);
    await DynamoDBDocumentClient.from(client).send(
      new UpdateCommand({
        TableName: stack.tables.messages,
        Key: messageKey(messageId),
        UpdateExpression: `SET ${names.map((_, i) => `#n${i} = :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#n${i}`, name])),
        ExpressionAttributeValues: Object.fromEntries(names.map((name, i) => [`:v${i}`, changes[name]])),
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  } finally {
    client.destroy();
  }
}

/** The transactionId (End User Messaging's message id) of a SUCCESSFUL hook answer. */
export function transactionIdOf(answer: HttpAnswer): string {
  const id = answer.body?.commands?.[0]?.value?.[0]?.transactionId;
  if (typeof id !== 'string') throw new Error(`Not a SUCCESSFUL answer: ${answer.text}`);
  return id;
}
