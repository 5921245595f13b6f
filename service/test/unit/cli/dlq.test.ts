/**
 * `npm run dlq` reads the dead-letter queue for on-call and never deletes unless asked, confirmed on a terminal, or
 * forced with --yes. SQS is stubbed at the SDK; the local stack's /_local/dlq is a real HTTP server on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture } from '../../../../contracts/fixtures/index.js';
import type { CliIo } from '../../../cli/common.js';
import { dlqCli } from '../../../cli/dlq.js';
import { buildDlqRecord } from '../../../src/domain/dlq-record.js';
import { parseHookRequest } from '../../../src/domain/hook-request.js';

const sqs = mockClient(SQSClient);
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq';

function record(n: number, reason: string, country: string) {
  return JSON.stringify({
    version: 1,
    eventId: `evt-${n}`,
    requestId: `req-${n}`,
    requestType: 'com.okta.user.telephony.mfa-verification',
    channel: 'sms',
    country,
    phone: '+1 *******123',
    locale: 'en',
    error: { name: 'DeliveryFailedError', reason, message: 'refused' },
    attempts: 1,
    elapsedMs: 120,
    timestamp: `2026-01-0${n}T00:00:00.000Z`,
  });
}

const messages = [
  { MessageId: 'm1', ReceiptHandle: 'r1', Body: record(1, 'provider_rejected', 'US') },
  { MessageId: 'm2', ReceiptHandle: 'r2', Body: record(2, 'provider_rejected', 'MX') },
  { MessageId: 'm3', ReceiptHandle: 'r3', Body: record(3, 'country_not_allowed', 'BR') },
];

function capture(
  interactive = false,
  answer = '',
): CliIo & { stdout: string[]; stderr: string[]; asked: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const asked: string[] = [];
  return {
    stdout,
    stderr,
    asked,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    interactive,
    ask: async (question) => {
      asked.push(question);
      return answer;
    },
  };
}

afterEach(() => sqs.reset());

describe('npm run dlq against SQS', () => {
  it('stats: shows the depth and groups records by reason, channel and country', async () => {
    // Prepare
    sqs.on(GetQueueAttributesCommand).resolves({
      Attributes: { ApproximateNumberOfMessages: '3', ApproximateNumberOfMessagesNotVisible: '0' },
    });
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: messages }).resolves({ Messages: [] });
    const io = capture();

    // Act
    const code = await dlqCli(['stats', '--queue-url', QUEUE], io, {});

    // Assess
    expect(code).toBe(0);
    const out = io.stdout.join('\n');
    expect(out).toContain('Visible: 3');
    expect(out).toContain('by reason:  provider_rejected 2, country_not_allowed 1');
    expect(out).toContain('by country: US 1, MX 1, BR 1');
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input.VisibilityTimeout).toBe(0);
  });

  it('peek: prints each record once and leaves every message in the queue', async () => {
    // Prepare: SQS samples, so the same message can come back.
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [messages[0]!, messages[1]!] })
      .resolvesOnce({ Messages: [messages[1]!, messages[2]!] })
      .resolves({ Messages: [] });
    const io = capture();

    // Act
    const code = await dlqCli(['peek', '--limit', '5'], io, { DLQ_URL: QUEUE });

    // Assess
    expect(code).toBe(0);
    expect(io.stdout.filter((line) => line.includes('eventId='))).toHaveLength(3);
    expect(io.stdout.at(-1)).toBe('3 record(s), left in the queue.');
    expect(io.stdout.join()).toContain('+1 *******123');
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  it('peek --delete: refuses without a terminal unless --yes, and releases the messages', async () => {
    // Prepare
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: messages }).resolves({ Messages: [] });
    const io = capture(false);

    // Act
    const code = await dlqCli(['peek', '--limit', '3', '--delete', '--queue-url', QUEUE], io, {});

    // Assess
    expect(code).toBe(1);
    expect(io.stderr.join()).toContain('add --yes');
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(3);
  });

  it('peek --delete: deletes exactly the printed messages after the operator types "delete"', async () => {
    // Prepare
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: messages.slice(0, 2) })
      .resolves({ Messages: [] });
    sqs.on(DeleteMessageCommand).resolves({});
    const io = capture(true, 'delete');

    // Act
    const code = await dlqCli(['peek', '--limit', '2', '--delete', '--queue-url', QUEUE], io, {});

    // Assess
    expect(code).toBe(0);
    expect(io.asked[0]).toContain('Type "delete"');
    const deleted = sqs.commandCalls(DeleteMessageCommand).map((call) => call.args[0].input.ReceiptHandle);
    expect(deleted).toEqual(['r1', 'r2']);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input.VisibilityTimeout).toBeGreaterThan(0);
    expect(io.stdout.at(-1)).toBe('Deleted 2 record(s).');
  });

  it('peek --delete: deletes nothing when the operator answers anything else', async () => {
    // Prepare
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: messages }).resolves({ Messages: [] });
    const io = capture(true, 'y');

    // Act
    const code = await dlqCli(['peek', '--delete', '--queue-url', QUEUE], io, {});

    // Assess
    expect(code).toBe(0);
    expect(io.stdout.at(-1)).toBe('Nothing deleted.');
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  it('peek --delete --yes: deletes without asking, for scripts', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [messages[0]!] })
      .resolves({ Messages: [] });
    sqs.on(DeleteMessageCommand).resolves({});
    const io = capture(false);
    expect(await dlqCli(['peek', '--delete', '--yes', '--queue-url', QUEUE], io, {})).toBe(0);
    expect(io.asked).toHaveLength(0);
  });

  it('names a missing queue as a usage error', async () => {
    await expect(dlqCli(['stats'], capture(), {})).rejects.toThrow(
      /--queue-url, set DLQ_URL, or use --local/,
    );
  });
});

describe('npm run dlq never prints a code or a full number', () => {
  it('peek, as a table and as JSON, of a record whose eventId, request id and locale carried them', async () => {
    // Prepare: the record the handler dead-letters for such a request
    const payload = loadFixture('request-sms-mfa-verification');
    const code = payload.data.messageProfile.otpCode;
    payload.eventId = `evt-${code}-+14155550123`;
    payload.data.context.request.id = `req-${code}-(415) 555-0123`;
    payload.data.messageProfile.locale = `en-${code}`;
    const request = await parseHookRequest(JSON.stringify(payload));
    const failure = { name: 'ProviderError', reason: 'provider_rejected', message: 'refused', attempts: 1 };
    const body = JSON.stringify(buildDlqRecord(request, failure, 10));
    sqs
      .on(ReceiveMessageCommand)
      .resolves({ Messages: [{ MessageId: 'm9', ReceiptHandle: 'r9', Body: body }] });
    const table = capture();
    const json = capture();

    // Act
    await dlqCli(['peek', '--limit', '1', '--queue-url', QUEUE], table, {});
    await dlqCli(['peek', '--limit', '1', '--json', '--queue-url', QUEUE], json, {});

    // Assess
    const printed = [...table.stdout, ...json.stdout].join('\n');
    expect(printed).toContain('eventId=evt-[REDACTED]-+1 *******123');
    expect(printed).not.toContain(code);
    expect(printed.replace(/\D/g, ' ')).not.toMatch(/4155550123|415 555 0123/);
  });

  it('peek masks a full number in a record left in the queue by an older writer', async () => {
    // Prepare: SQS keeps records for up to 14 days, across deployments
    const old = {
      ...JSON.parse(record(1, 'throttled', 'US')),
      eventId: 'evt-14155550123',
      phone: '+1415***0123',
    };
    sqs
      .on(ReceiveMessageCommand)
      .resolves({ Messages: [{ MessageId: 'm8', ReceiptHandle: 'r8', Body: JSON.stringify(old) }] });
    const table = capture();
    const json = capture();

    // Act
    await dlqCli(['peek', '--limit', '1', '--queue-url', QUEUE], table, {});
    await dlqCli(['peek', '--limit', '1', '--json', '--queue-url', QUEUE], json, {});

    // Assess
    const printed = [...table.stdout, ...json.stdout].join('\n');
    expect(printed).not.toContain('14155550123');
    expect(printed).toContain('eventId=evt-+1 *******123');
    expect(JSON.parse(json.stdout[0]!)).toMatchObject({ eventId: 'evt-+1 *******123', version: 1 });
  });
});

describe('npm run dlq --local (the local stack)', () => {
  let server: Server;
  let url: string;
  let stored = [
    { messageId: 'l1', body: record(1, 'throttled', 'US'), receivedAt: '2026-01-01T00:00:00.000Z' },
  ];
  let deletes = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/_local/dlq' && req.method === 'GET') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ messages: stored }));
      } else if (req.url === '/_local/dlq' && req.method === 'DELETE') {
        deletes += 1;
        stored = [];
        res.end();
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('reads /_local/dlq and clears it only after confirmation', async () => {
    // Act
    const stats = capture();
    await dlqCli(['stats', '--local', url], stats, {});
    const peek = capture(true, 'delete');
    const code = await dlqCli(['peek', '--local', url, '--delete'], peek, {});

    // Assess
    expect(stats.stdout.join('\n')).toContain('by reason:  throttled 1');
    expect(code).toBe(0);
    expect(deletes).toBe(1);
  });
});
