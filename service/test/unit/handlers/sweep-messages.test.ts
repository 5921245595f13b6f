// The sweep against dynalite, with PutMessageFeedback mocked: a code that expired unused is set FAILED once (and
// leaves the pending index), one not yet expired or already used is left alone; a prefix with many settled codes and
// almost none used gets a 12-hour low-conversion deny entry the abuse guard reads, once per hour, never replacing an
// operator's own entry.
import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PinpointSMSVoiceV2Client, PutMessageFeedbackCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTables,
  localDynamoClient,
  type RunningDynalite,
  startDynalite,
} from '../../../local/dynalite.js';
import { DynamoAbuseStore } from '../../../src/adapters/abuse-store.js';
import { EndUserMessagingFeedback } from '../../../src/adapters/message-feedback.js';
import { DynamoMessageStore } from '../../../src/adapters/message-store.js';
import { DEFAULT_LOW_CONVERSION, loadSweepConfig } from '../../../src/config.js';
import { messageKey, sweepBucketOf } from '../../../src/domain/message-table.js';
import { lowConversion, type SweepDeps, sweep } from '../../../src/handlers/sweep-messages.js';
import { OutputCapture } from '../../helpers/output-capture.js';
import { allItems, createMessagesTable } from '../adapters/messages-table-setup.js';

const output = new OutputCapture();
const smsVoice = mockClient(PinpointSMSVoiceV2Client);
let db: RunningDynalite;
let tables = 0;

beforeAll(async () => {
  db = await startDynalite();
  output.start();
});
afterAll(async () => {
  output.stop();
  smsVoice.restore();
  await db?.close();
});
beforeEach(() => {
  output.clear();
  smsVoice.reset();
  smsVoice.on(PutMessageFeedbackCommand).resolves({});
});

const NOW = Date.UTC(2026, 11, 1, 10, 30);

/** Fresh messages and abuse tables, a store on a fixed clock. */
async function setup(
  now = NOW,
): Promise<SweepDeps & { client: ReturnType<typeof localDynamoClient>; messages: string }> {
  tables += 1;
  const client = localDynamoClient(db.endpoint);
  const messages = `messages-sweep-${tables}`;
  const abuse = `abuse-sweep-${tables}`;
  await createMessagesTable(client, messages);
  await createTables(client, {
    templatesTable: `t-sweep-${tables}`,
    idempotencyTable: `i-sweep-${tables}`,
    abuseTable: abuse,
  });
  return {
    client,
    messages,
    store: new DynamoMessageStore(client, messages, { now: () => now }),
    feedback: new EndUserMessagingFeedback(new PinpointSMSVoiceV2Client({ region: 'us-east-1' })),
    abuse: { client, tableName: abuse },
    lowConversion: DEFAULT_LOW_CONVERSION,
    now: () => now,
  };
}

/** A message as the hook remembers it, sent `agoMs` before NOW with a code living `ttlSeconds`. */
async function pending(
  d: Awaited<ReturnType<typeof setup>>,
  options: { agoMs: number; ttlSeconds?: number; prefix?: string },
) {
  const messageId = randomUUID();
  const sentAt = NOW - options.agoMs;
  await d.store.remember({
    ...messageKey(messageId),
    messageId,
    eventId: `evt-${messageId}`,
    requestType: 'com.okta.user.telephony.pre-enrollment',
    channel: 'sms',
    country: 'GB',
    phone: '+44 *******123',
    prefix: options.prefix ?? '+4479001',
    originationIdentity: 'MyBrand',
    sentAt,
    codeExpiresAt: Math.floor(sentAt / 1000) + (options.ttlSeconds ?? 300),
    sweepBucket: sweepBucketOf(sentAt),
    expiresAt: Math.floor(sentAt / 1000) + 7 * 86_400,
  });
  return messageId;
}

const metric = (name: string) => output.metrics().filter((m) => m.name === name);

async function messageItem(d: Awaited<ReturnType<typeof setup>>, messageId: string) {
  return (await allItems(d.client, d.messages)).find((i) => i.pk === `message#${messageId}`);
}

async function denyEntry(d: Awaited<ReturnType<typeof setup>>, prefix: string) {
  const { Item } = await d.client.send(
    new GetItemCommand({ TableName: d.abuse.tableName, Key: marshall({ pk: 'list', sk: `deny#${prefix}` }) }),
  );
  return Item ? unmarshall(Item) : undefined;
}

describe('sweep', () => {
  it('sets an expired unused code FAILED once, tells End User Messaging, and leaves fresh ones pending', async () => {
    // Prepare
    const d = await setup();
    const expired = await pending(d, { agoMs: 9 * 60_000 }); // expired 4 minutes ago
    const fresh = await pending(d, { agoMs: 60_000 }); // four minutes left
    // Expired 2 minutes ago: within the grace for a late "verified" event, not yet unused
    const justExpired = await pending(d, { agoMs: 7 * 60_000 });
    const lastHour = await pending(d, { agoMs: 50 * 60_000 }); // previous hour's bucket

    // Act
    const first = await sweep(d);
    const second = await sweep(d);

    // Assess
    expect(first).toEqual({ swept: 2, denied: 0 });
    expect(second).toEqual({ swept: 0, denied: 0 });
    for (const id of [expired, lastHour]) {
      const item = await messageItem(d, id);
      expect(item?.feedback).toBe('FAILED');
      expect(item?.sweepBucket).toBeUndefined();
    }
    expect((await messageItem(d, fresh))?.feedback).toBeUndefined();
    expect((await messageItem(d, justExpired))?.feedback).toBeUndefined();
    expect(
      smsVoice
        .commandCalls(PutMessageFeedbackCommand)
        .map((c) => c.args[0].input)
        .sort((a, b) => String(a.MessageId).localeCompare(String(b.MessageId))),
    ).toEqual([expired, lastHour].sort().map((id) => ({ MessageId: id, MessageFeedbackStatus: 'FAILED' })));
    expect(metric('OtpExpiredUnused')).toHaveLength(2);
    const counters = (await allItems(d.client, d.messages)).filter((i) => i.pk === 'prefix#+4479001');
    expect(counters.map((c) => [c.sk, c.settled, c.converted]).sort()).toEqual([
      ['hour#2026-12-01T09', 1, 0],
      ['hour#2026-12-01T10', 1, 0],
    ]);
  });

  it('settles a message within 10 minutes of its expiry on a 5-minute schedule', async () => {
    // Prepare: expiry at NOW; sweeps every 5 minutes from just before it.
    const d = await setup();
    const id = await pending(d, { agoMs: 300_000, ttlSeconds: 300 });
    const runs = [NOW - 1000, NOW + 299_000].map((at) => ({
      ...d,
      store: new DynamoMessageStore(d.client, d.messages, { now: () => at }),
      now: () => at,
    }));

    // Act
    const before = await sweep(runs[0]!);
    const after = await sweep(runs[1]!);

    // Assess
    expect(before.swept).toBe(0);
    expect(after.swept).toBe(1);
    expect((await messageItem(d, id))?.feedback).toBe('FAILED');
  });

  it('leaves a used code alone', async () => {
    // Prepare
    const d = await setup();
    const id = await pending(d, { agoMs: 10 * 60_000 });
    await d.store.settle(id, 'RECEIVED');

    // Act
    const result = await sweep(d);

    // Assess
    expect(result.swept).toBe(0);
    expect((await messageItem(d, id))?.feedback).toBe('RECEIVED');
    expect(smsVoice.commandCalls(PutMessageFeedbackCommand)).toHaveLength(0);
  });

  it('denies a prefix with 20 settled codes and 1 used for 12 hours, once, with a metric and a masked warning', async () => {
    // Prepare: one code of the hour used (through the verification path's counting), 19 expire unused.
    const d = await setup();
    const used = await pending(d, { agoMs: 20 * 60_000, prefix: '+4479009' });
    await d.store.settle(used, 'RECEIVED');
    await d.store.countSettlement('+4479009', NOW - 20 * 60_000, true);
    for (let i = 0; i < 19; i += 1) await pending(d, { agoMs: 20 * 60_000, prefix: '+4479009' });

    // Act
    const result = await sweep(d);

    // Assess
    expect(result).toEqual({ swept: 19, denied: 1 });
    const entry = await denyEntry(d, '+4479009');
    expect(entry).toMatchObject({ reason: 'low-conversion', note: 'low-conversion' });
    expect(entry?.expiresAt).toBe(Math.floor(NOW / 1000) + 12 * 3600);
    expect(metric('LowConversionPrefixDenied')).toHaveLength(1);
    const warn = output.logs().find((l) => l.message.startsWith('Prefix denied'));
    expect(warn).toMatchObject({ level: 'WARN', settled: 20, converted: 1, reason: 'low-conversion' });
    expect(JSON.stringify(warn)).not.toContain('4479009');
    // The guard reads it as a deny entry of that prefix.
    const lists = await new DynamoAbuseStore(d.client, d.abuse.tableName, { now: () => NOW }).current();
    expect(lists.deny).toEqual([{ value: '+4479009', expiresAt: Math.floor(NOW / 1000) + 12 * 3600 }]);
  });

  it('does not deny a prefix whose codes are used, nor one with too few sends to judge', async () => {
    // Prepare
    const d = await setup();
    for (let i = 0; i < 5; i += 1) await d.store.countSettlement('+4479002', NOW - 20 * 60_000, true);
    for (let i = 0; i < 17; i += 1) await pending(d, { agoMs: 20 * 60_000, prefix: '+4479002' }); // 5 of 22 used
    for (let i = 0; i < 19; i += 1) await pending(d, { agoMs: 20 * 60_000, prefix: '+4479003' }); // 0 of 19

    // Act
    const result = await sweep(d);

    // Assess
    expect(result).toEqual({ swept: 36, denied: 0 });
    expect(await denyEntry(d, '+4479002')).toBeUndefined();
    expect(await denyEntry(d, '+4479003')).toBeUndefined();
  });

  it('does not count codes a final receipt says never arrived towards the fraud signal', async () => {
    // Prepare: 20 codes to a prefix, all blocked by the carrier (a delivery problem, not pumping).
    const d = await setup();
    const { UpdateCommand, DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
    const doc = DynamoDBDocumentClient.from(d.client);
    for (let i = 0; i < 20; i += 1) {
      const id = await pending(d, { agoMs: 20 * 60_000, prefix: '+4479006' });
      await doc.send(
        new UpdateCommand({
          TableName: d.messages,
          Key: messageKey(id),
          UpdateExpression: 'SET deliveryStatus = :s, deliveryFinal = :f',
          ExpressionAttributeValues: { ':s': 'carrier_blocked', ':f': true },
        }),
      );
    }

    // Act
    const result = await sweep(d);

    // Assess
    expect(result).toEqual({ swept: 20, denied: 0 });
    expect(await denyEntry(d, '+4479006')).toBeUndefined();
    expect(metric('OtpExpiredUnused')).toHaveLength(20);
  });

  it("keeps an operator's own deny entry and does not deny again in the same hour after a reset", async () => {
    // Prepare
    const d = await setup();
    await d.client.send(
      new PutItemCommand({
        TableName: d.abuse.tableName,
        Item: marshall({ pk: 'list', sk: 'deny#+4479004', note: 'pumping, ticket 42' }),
      }),
    );
    for (let i = 0; i < 20; i += 1) await pending(d, { agoMs: 20 * 60_000, prefix: '+4479004' });
    for (let i = 0; i < 20; i += 1) await pending(d, { agoMs: 20 * 60_000, prefix: '+4479005' });
    await sweep(d);
    // The operator lifts the automatic one (abuse -- reset); more codes of that hour expire afterwards.
    await d.client.send(
      new DeleteItemCommand({
        TableName: d.abuse.tableName,
        Key: marshall({ pk: 'list', sk: 'deny#+4479005' }),
      }),
    );
    await pending(d, { agoMs: 20 * 60_000, prefix: '+4479005' });

    // Act
    const later = await sweep(d);

    // Assess
    expect(await denyEntry(d, '+4479004')).toEqual({
      pk: 'list',
      sk: 'deny#+4479004',
      note: 'pumping, ticket 42',
    });
    expect(later).toEqual({ swept: 1, denied: 0 });
    expect(await denyEntry(d, '+4479005')).toBeUndefined();
    expect(metric('LowConversionPrefixDenied')).toHaveLength(1);
  });

  it('judges the rate at the thresholds, and never with the signal off', () => {
    const settings = { minSends: 20, maxRate: 0.1, denyHours: 12 };
    expect(lowConversion({ settled: 20, converted: 2 }, settings)).toBe(true);
    expect(lowConversion({ settled: 20, converted: 3 }, settings)).toBe(false);
    expect(lowConversion({ settled: 19, converted: 0 }, settings)).toBe(false);
    expect(lowConversion({ settled: 500, converted: 0 }, { ...settings, minSends: 0 })).toBe(false);
  });

  it('reads its settings with the documented defaults and refuses a rate of 1 or more', () => {
    const base = { MESSAGES_TABLE_NAME: 'm', ABUSE_TABLE_NAME: 'a' };
    expect(loadSweepConfig(base).lowConversion).toEqual({ minSends: 20, maxRate: 0.1, denyHours: 12 });
    expect(
      loadSweepConfig({
        ...base,
        LOW_CONVERSION_MIN_SENDS: '50',
        LOW_CONVERSION_MAX_RATE: '0.05',
        LOW_CONVERSION_DENY_HOURS: '24',
      }).lowConversion,
    ).toEqual({ minSends: 50, maxRate: 0.05, denyHours: 24 });
    expect(() => loadSweepConfig({ ...base, LOW_CONVERSION_MAX_RATE: '1' })).toThrow(
      'LOW_CONVERSION_MAX_RATE',
    );
    expect(() => loadSweepConfig({ ABUSE_TABLE_NAME: 'a' })).toThrow('MESSAGES_TABLE_NAME');
  });
});
