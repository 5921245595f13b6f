// Every AWS call ends inside the request's budget, and no call that changes something is retried unless the failure
// proves the service never acted on it. The clients are the real SDK clients against a server on 127.0.0.1 that
// never answers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { RetryErrorInfo } from '@smithy/types';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHookClients, provablyNotProcessed, withDeadline } from '../../../src/adapters/aws-clients.js';
import { loadHookConfig } from '../../../src/config.js';
import { Deadline } from '../../../src/domain/deadline.js';

let server: Server;
let requests = 0;

beforeAll(async () => {
  // Reads each request and never answers: a table that is "slow" for ever.
  server = createServer((req) => {
    requests += 1;
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  requests = 0;
});

function clients() {
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return createHookClients(
    loadHookConfig({
      TEMPLATES_TABLE_NAME: 'templates',
      IDEMPOTENCY_TABLE_NAME: 'idempotency',
      DLQ_URL: 'http://127.0.0.1:1/queue/dlq',
      FINGERPRINT_KEY_SECRET: 'okta-phone-mfa/fingerprint-key',
      ABUSE_TABLE_NAME: 'abuse',
      DYNAMODB_ENDPOINT: endpoint,
    }),
  );
}

const put = new PutItemCommand({
  TableName: 'idempotency',
  Item: { id: { S: 'event-1' } },
  ConditionExpression: 'attribute_not_exists(id)',
});

async function timed(call: () => Promise<unknown>): Promise<{ ms: number; error: Error }> {
  const started = performance.now();
  const error = await call().then(
    () => new Error('resolved'),
    (e: Error) => e,
  );
  return { ms: performance.now() - started, error };
}

describe('DynamoDB calls inside the deadline', () => {
  it('ends a call when what is left of the request budget (less a reserve) runs out', async () => {
    // Prepare: 300 ms left, 150 ms of it kept back for the answer.
    const { idempotencyDb } = clients();
    const deadline = new Deadline(300);

    // Act
    const { ms, error } = await timed(() => withDeadline(deadline, () => idempotencyDb.send(put)));

    // Assess
    expect(error.name).toMatch(/AbortError|TimeoutError/);
    expect(ms).toBeGreaterThanOrEqual(100);
    expect(ms).toBeLessThan(300);
  });

  it('caps one call at 400 ms however much budget is left, so a slow table leaves time for the send', async () => {
    // Prepare
    const { templatesDb } = clients();
    const deadline = new Deadline(2_500);
    const query = new QueryCommand({
      TableName: 'templates',
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: 'template' } },
    });

    // Act
    const { ms } = await timed(() => withDeadline(deadline, () => templatesDb.send(query)));

    // Assess: the cap ends the call (and is not retried: the next attempt would meet the same slow table).
    expect(requests).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(390);
    expect(ms).toBeLessThan(800);
  });

  it('does not retry an abuse counter write that timed out: it may have counted', async () => {
    // Prepare
    const { abuseDb } = clients();
    const update = new UpdateItemCommand({
      TableName: 'abuse',
      Key: { pk: { S: 'count#number#+14155550123' }, sk: { S: 'counters' } },
      UpdateExpression: 'ADD w600_1 :one',
      ExpressionAttributeValues: { ':one': { N: '1' } },
    });

    // Act
    const { ms } = await timed(() => withDeadline(new Deadline(2_500), () => abuseDb.send(update)));

    // Assess
    expect(requests).toBe(1);
    expect(ms).toBeLessThan(800);
  });

  it("keeps 600 ms of the budget back from the abuse guard's calls for the send", async () => {
    // Prepare: 900 ms left, so the guard may spend only 300 ms of it.
    const { abuseDb } = clients();
    const query = new QueryCommand({
      TableName: 'abuse',
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: 'list' } },
    });

    // Act
    const { ms, error } = await timed(() => withDeadline(new Deadline(900), () => abuseDb.send(query)));

    // Assess
    expect(error.name).toMatch(/AbortError|TimeoutError/);
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(450);
  });

  it('does not retry a conditional write that timed out: it may have landed', async () => {
    // Prepare
    const { idempotencyDb } = clients();

    // Act
    await timed(() => withDeadline(new Deadline(2_500), () => idempotencyDb.send(put)));

    // Assess
    expect(requests).toBe(1);
  });
});

describe('what proves a request was not processed', () => {
  const info = (errorType: RetryErrorInfo['errorType'], error?: object): RetryErrorInfo =>
    ({ errorType, ...(error ? { error } : {}) }) as RetryErrorInfo;

  it.each([
    ['throttling', info('THROTTLING', { name: 'ThrottlingException', message: 'Rate exceeded' })],
    ['a refused connection', info('TRANSIENT', { name: 'TimeoutError', code: 'ECONNREFUSED', message: 'x' })],
    ['an unknown host', info('TRANSIENT', { name: 'Error', code: 'ENOTFOUND', message: 'x' })],
    [
      'a connection that was never established',
      info('TRANSIENT', {
        name: 'TimeoutError',
        message: 'the request socket did not establish a connection with the server within 300 ms.',
      }),
    ],
  ])('counts %s as never processed', (_, failure) => {
    expect(provablyNotProcessed(failure)).toBe(true);
  });

  it.each([
    ['a 500', info('SERVER_ERROR', { name: 'InternalServerException', message: 'Internal service error' })],
    ['a reset connection', info('TRANSIENT', { name: 'TimeoutError', code: 'ECONNRESET', message: 'x' })],
    ['a request timeout', info('TRANSIENT', { name: 'TimeoutError', message: 'exceeded 1500 ms' })],
    ['an abort', info('TRANSIENT', { name: 'AbortError', message: 'aborted' })],
    ['no error at all', info('TRANSIENT')],
  ])('does not count %s as never processed', (_, failure) => {
    expect(provablyNotProcessed(failure)).toBe(false);
  });
});
