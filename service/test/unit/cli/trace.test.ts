/**
 * `npm run trace` tells one code's story from the messages table, read with the real SDK from dynalite exactly as from
 * the local stack: found by message id or by Okta eventId (through the `byEvent` index), receipts in time order,
 * whether the code was used, and the Logs Insights query for the event. Never a code, never the full number, never
 * the number prefix the table keeps for the settlement counters.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceQuery } from '../../../../dashboards/queries/index.js';
import { UsageError } from '../../../cli/common.js';
import { storyOf, type TraceReport, traceCli } from '../../../cli/trace.js';
import {
  createTables,
  localDynamoClient,
  type RunningDynalite,
  startDynalite,
} from '../../../local/dynalite.js';
import { latestKey, messageKey, sweepBucketOf } from '../../../src/domain/message-table.js';
import { captureIo } from '../../helpers/cli-io.js';

const NUMBER = '+14155550123';
const PREFIX = '+14155550';
const MASKED = '+1 *******123';
const SENT = Date.parse('2026-01-05T10:00:00.000Z');
const NOW = new Date('2026-01-05T10:20:00.000Z');
const TABLE = 'trace-messages';

let dynalite: RunningDynalite;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;

const capture = captureIo;

const run = async (argv: string[], env: Record<string, string> = {}) => {
  const io = capture();
  const code = await traceCli([...argv, '--endpoint', dynalite.endpoint], io, env, () => NOW);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
};

/** A message item as the hook writes it (message-table.ts `MessageItem`), plus what receipts and feedback add. */
function messageItem(messageId: string, eventId: string, extra: Record<string, unknown> = {}) {
  return {
    ...messageKey(messageId),
    messageId,
    eventId,
    requestType: 'com.okta.user.telephony.mfa-verification',
    channel: 'sms',
    country: 'US',
    phone: MASKED,
    prefix: PREFIX,
    userId: '00uTrace1',
    originationIdentity: '+12065550100',
    sentAt: SENT,
    codeExpiresAt: SENT / 1000 + 300,
    sweepBucket: sweepBucketOf(SENT),
    expiresAt: SENT / 1000 + 7 * 86_400,
    ...extra,
  };
}

const put = (item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: TABLE, Item: item }));

beforeAll(async () => {
  dynalite = await startDynalite();
  client = localDynamoClient(dynalite.endpoint);
  doc = DynamoDBDocumentClient.from(client);
  await createTables(client, {
    templatesTable: 'trace-t',
    idempotencyTable: 'trace-i',
    messagesTable: TABLE,
  });
  await put(
    messageItem('msg-delivered-used', 'evt-used', {
      // Stored out of order, as receipts may arrive.
      receipts: [
        {
          receiptId: 'r2',
          eventType: 'TEXT_DELIVERED',
          status: 'delivered',
          eventTimestamp: SENT + 1800,
          isFinal: true,
        },
        {
          receiptId: 'r1',
          eventType: 'TEXT_SUCCESSFUL',
          status: 'successful',
          eventTimestamp: SENT + 900,
          isFinal: false,
        },
      ],
      deliveryStatus: 'delivered',
      deliveryFinal: true,
      feedback: 'RECEIVED',
      feedbackAt: SENT + 42_000,
    }),
  );
  await put({
    ...latestKey('00uTrace1', 'sms'),
    messageId: 'msg-delivered-used',
    eventId: 'evt-used',
    sentAt: SENT,
  });
  await put(
    messageItem('msg-unreachable', 'evt-failed', {
      receipts: [
        {
          receiptId: 'r3',
          eventType: 'TEXT_CARRIER_UNREACHABLE',
          status: 'carrier_unreachable',
          eventTimestamp: SENT + 400,
          isFinal: true,
          messageStatusDescription: 'The recipient carrier is temporarily unreachable',
        },
      ],
      deliveryStatus: 'carrier_unreachable',
      deliveryFinal: true,
      feedback: 'FAILED',
      feedbackAt: SENT + 360_000,
    }),
  );
  await put(messageItem('msg-waiting', 'evt-waiting', { codeExpiresAt: NOW.getTime() / 1000 + 120 }));
  // Okta 2026.09: a resend, for a sign-in to an OIDC app.
  await put(messageItem('msg-resend', 'evt-resend', { isResend: true, appClientId: '0oaPortalApp' }));
  // A table that (wrongly) holds a full number still prints it masked.
  await put(messageItem('msg-raw-number', 'evt-raw', { phone: NUMBER }));
});
afterAll(async () => {
  client?.destroy();
  await dynalite?.close();
});

describe('trace by message id', () => {
  it("tells the hook request, Okta's answer, the send, the receipts in time order and that the code was used", async () => {
    // Act
    const { code, out } = await run(['msg-delivered-used', '--table', TABLE]);

    // Assess
    expect(code).toBe(0);
    expect(out).toContain('Message msg-delivered-used  (Okta eventId evt-used)');
    expect(out).toContain(
      'hook request   2026-01-05T10:00:00.000Z  com.okta.user.telephony.mfa-verification  sms  US  +1 *******123',
    );
    expect(out).toContain("Okta's answer  SUCCESSFUL, transactionId msg-delivered-used (the message id)");
    expect(out).toContain('send           from +12065550100, message id msg-delivered-used');
    const successful = out.indexOf('TEXT_SUCCESSFUL (+900 ms)');
    const delivered = out.indexOf('TEXT_DELIVERED (final) (+1,800 ms)');
    expect(successful).toBeGreaterThan(0);
    expect(delivered).toBeGreaterThan(successful);
    expect(out).toContain('delivery       delivered (final)');
    expect(out).toContain('code used      yes: RECEIVED at 2026-01-05T10:00:42.000Z (+42,000 ms)');
  });

  it("prints the Logs Insights query for the message's Okta event, the saved one-code-story query", async () => {
    // Act
    const { out } = await run(['msg-delivered-used', '--table', TABLE]);
    const json = JSON.parse(
      (await run(['msg-delivered-used', '--table', TABLE, '--json'])).out,
    ) as TraceReport;

    // Assess
    expect(out).toContain(
      'Logs Insights (log groups of deliver-otp, record-delivery-event, record-verification, sweep-messages):',
    );
    expect(out).toContain(
      '| filter eventId = "evt-used" or requestId = "evt-used" or messageId = "evt-used"',
    );
    expect(json.logsInsights.query).toBe(traceQuery('evt-used'));
  });

  it('says a code expired unused, with its final failure receipt', async () => {
    // Act
    const { code, out } = await run(['msg-unreachable', '--table', TABLE]);

    // Assess
    expect(code).toBe(0);
    expect(out).toContain('TEXT_CARRIER_UNREACHABLE (final) (+400 ms)');
    expect(out).toContain('code used      no: FAILED at 2026-01-05T10:06:00.000Z, the code expired unused');
  });

  it('says "not yet" and when the code expires for a message not settled, with no receipts yet', async () => {
    // Act
    const { out } = await run(['msg-waiting', '--table', TABLE]);

    // Assess
    expect(out).toContain('receipts       none yet');
    expect(out).toContain('code used      not yet: the code expires at 2026-01-05T10:22:00.000Z');
  });
});

describe("Okta's 2026 fields", () => {
  it('says a code was a resend, and for which app', async () => {
    const { out } = await run(['msg-resend', '--table', TABLE]);
    const json = JSON.parse((await run(['msg-resend', '--table', TABLE, '--json'])).out) as TraceReport;
    expect(out).toMatch(/hook request .* resend \(the user asked again\) {2}app 0oaPortalApp/);
    expect(json.messages[0]).toMatchObject({ isResend: true, appClientId: '0oaPortalApp' });
    // Without them (before 2026.09), the line is as it was.
    expect((await run(['msg-waiting', '--table', TABLE])).out).not.toContain('resend');
  });
});

describe('trace by Okta eventId', () => {
  it('finds the message through the byEvent index and leaves out the user pointer that shares the event id', async () => {
    // Act
    const { code, out } = await run(['evt-used', '--json'], { MESSAGES_TABLE_NAME: TABLE });
    const report = JSON.parse(out) as TraceReport;

    // Assess
    expect(code).toBe(0);
    expect(report.foundBy).toBe('eventId');
    expect(report.messages.map((m) => m.messageId)).toEqual(['msg-delivered-used']);
    expect(report.messages[0]).toMatchObject({
      eventId: 'evt-used',
      channel: 'sms',
      country: 'US',
      phone: MASKED,
      oktaAnswer: { status: 'SUCCESSFUL', transactionId: 'msg-delivered-used' },
      send: { originationIdentity: '+12065550100', messageId: 'msg-delivered-used' },
      used: { state: 'yes', feedback: 'RECEIVED' },
    });
    expect(report.messages[0]!.receipts.map((r) => r.eventType)).toEqual([
      'TEXT_SUCCESSFUL',
      'TEXT_DELIVERED',
    ]);
  });
});

describe('what trace never prints', () => {
  it('masks a full number the table holds, and prints neither it nor the number prefix, in the story or in --json', async () => {
    // Act
    const story = await run(['msg-raw-number', '--table', TABLE]);
    const json = await run(['evt-raw', '--table', TABLE, '--json']);

    // Assess
    for (const text of [story.out, json.out]) {
      expect(text).toContain(MASKED);
      expect(text).not.toContain(NUMBER);
      expect(text).not.toContain(NUMBER.slice(1));
      expect(text).not.toContain(PREFIX);
    }
  });

  it('refuses a phone number as the argument without repeating it', async () => {
    // Act
    const error = await run([NUMBER, '--table', TABLE]).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/phone number/);
    expect((error as Error).message).not.toContain(NUMBER.slice(2));
  });
});

describe('when nothing is found', () => {
  it('exits 1 with a message that says where it looked and why it may be missing, and still gives the query', async () => {
    // Act
    const { code, out, err } = await run(['evt-unknown', '--table', TABLE]);

    // Assess
    expect(code).toBe(1);
    expect(err).toContain(`Nothing in ${TABLE} for evt-unknown, as a message id or as an Okta eventId`);
    expect(err).toContain('npm run dlq');
    expect(out).toContain('| filter eventId = "evt-unknown" or requestId = "evt-unknown"');
  });

  it('needs a table: a usage error without --table, MESSAGES_TABLE_NAME or a local endpoint', async () => {
    // Act
    const error = await traceCli(
      ['evt-used', '--endpoint', 'https://dynamodb.us-east-1.amazonaws.com'],
      capture(),
      {},
    ).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('--table');
  });
});

describe('ids and storyOf', () => {
  it('refuses an id with a quote, which would change the Logs Insights query', async () => {
    const error = await run(['a"b', '--table', TABLE]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UsageError);
  });

  it('shows receipts-only messages (no hook write) without inventing an answer to Okta', () => {
    // Act
    const story = storyOf({ ...messageKey('m-1'), messageId: 'm-1', receipts: [], channel: 'sms' });

    // Assess
    expect(story.oktaAnswer).toBeUndefined();
    expect(story.used.state).toBe('unknown');
  });
});
