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
  type localDynamoClient,
  type RunningDynalite,
  startDynalite,
} from '../../../local/dynalite.js';
import { DynamoAbuseStore } from '../../../src/adapters/abuse-store.js';
import { eventDbClient } from '../../../src/adapters/aws-clients.js';
import { EndUserMessagingFeedback } from '../../../src/adapters/message-feedback.js';
import { DynamoSettlementStore } from '../../../src/adapters/message-settlement.js';
import { DynamoMessageMemory } from '../../../src/adapters/remembering-sender.js';
import { DEFAULT_LOW_CONVERSION, loadSweepConfig } from '../../../src/config.js';
import { lowConversionDenyKey } from '../../../src/domain/abuse-table.js';
import {
  messageToken,
  RECREDIT_WINDOW_SECONDS,
  SIGNAL_WAIT_SECONDS,
} from '../../../src/domain/conversion.js';
import { messageKey, sweepBucketOf, VERIFICATION_GRACE_SECONDS } from '../../../src/domain/message-table.js';
import { lowConversion, type SweepDeps, sweep } from '../../../src/handlers/sweep-messages.js';
import { failBeforeSend, loseAnswerAfterLanding, updateOf } from '../../helpers/dynamo-faults.js';
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

type Setup = SweepDeps & {
  client: ReturnType<typeof localDynamoClient>;
  messages: string;
  memory: DynamoMessageMemory;
};

/**
 * Fresh messages and abuse tables, a store on a fixed clock, the event functions' own DynamoDB client. Okta's events
 * flow (the conversion signal is fresh) unless `signal: false`.
 */
async function setup(now = NOW, options: { signal?: boolean } = {}): Promise<Setup> {
  tables += 1;
  const client = eventDbClient({ region: 'us-east-1', endpoints: { dynamodb: db.endpoint } });
  const messages = `messages-sweep-${tables}`;
  const abuse = `abuse-sweep-${tables}`;
  await createMessagesTable(client, messages);
  await createTables(client, {
    templatesTable: `t-sweep-${tables}`,
    idempotencyTable: `i-sweep-${tables}`,
    abuseTable: abuse,
  });
  const store = new DynamoSettlementStore(client, messages, { now: () => now });
  if (options.signal !== false) await store.recordSignal(now - 5_000);
  return {
    client,
    messages,
    memory: new DynamoMessageMemory(client, messages),
    store,
    feedback: new EndUserMessagingFeedback(new PinpointSMSVoiceV2Client({ region: 'us-east-1' })),
    abuse: { client, tableName: abuse },
    lowConversion: DEFAULT_LOW_CONVERSION,
    now: () => now,
  };
}

/** A message as the hook remembers it, sent `agoMs` before NOW with a code living `ttlSeconds`. */
async function pending(
  d: Setup,
  options: { agoMs: number; ttlSeconds?: number; prefix?: string; requestType?: string; userId?: string },
) {
  const messageId = randomUUID();
  const sentAt = NOW - options.agoMs;
  const converted = options.requestType === undefined || !options.requestType.includes('password');
  await d.memory.remember(
    {
      ...messageKey(messageId),
      messageId,
      eventId: `evt-${messageId}`,
      requestType: options.requestType ?? 'com.okta.user.telephony.pre-enrollment',
      channel: 'sms',
      country: 'GB',
      phone: '+44 *******123',
      ...(converted ? { prefix: options.prefix ?? '+4479001', sweepBucket: sweepBucketOf(sentAt) } : {}),
      ...(options.userId ? { userId: options.userId } : {}),
      originationIdentity: 'MyBrand',
      sentAt,
      codeExpiresAt: Math.floor(sentAt / 1000) + (options.ttlSeconds ?? 300),
      expiresAt: Math.floor(sentAt / 1000) + 7 * 86_400,
    },
    converted && options.userId !== undefined,
  );
  return messageId;
}

/** Settles a message RECEIVED and counts it, as the verification handler does. */
async function used(d: Setup, messageId: string, prefix: string, sentAt: number) {
  await d.store.settle(messageId, 'RECEIVED', randomUUID());
  await d.store.count(prefix, sentAt, messageToken(messageId), 'RECEIVED');
  await d.store.finish(messageId, {
    feedback: 'RECEIVED',
    countedAs: 'RECEIVED',
    feedbackPut: 'RECEIVED',
    final: true,
  });
}

const metric = (name: string) => output.metrics().filter((m) => m.name === name);

async function messageItem(d: Setup, messageId: string) {
  return (await allItems(d.client, d.messages)).find((i) => i.pk === `message#${messageId}`);
}

/** The sweep's own deny entry of a prefix (its partition: `list#low-conversion`). */
async function denyEntry(d: Setup, prefix: string) {
  return listItem(d, lowConversionDenyKey(prefix));
}

/** An operator's entry (`list` partition). */
async function operatorEntry(d: Setup, prefix: string) {
  return listItem(d, { pk: 'list', sk: `deny#${prefix}` });
}

async function listItem(d: Setup, key: { pk: string; sk: string }) {
  const { Item } = await d.client.send(
    new GetItemCommand({ TableName: d.abuse.tableName, Key: marshall(key) }),
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
    expect(first).toMatchObject({ swept: 2, denied: 0 });
    expect(second).toMatchObject({ swept: 0, denied: 0 });
    for (const id of [expired, lastHour]) {
      const item = await messageItem(d, id);
      expect(item).toMatchObject({ feedback: 'FAILED', countedAs: 'FAILED', feedbackPut: 'FAILED' });
      // Kept in the index (with its prefix) while a late RECEIVED may still re-credit it.
      expect(item?.sweepBucket).toBe(sweepBucketOf(NOW - (id === expired ? 9 : 50) * 60_000));
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
    // Okta's events keep flowing: one published after the code's expiry has arrived by the second run.
    await new DynamoSettlementStore(d.client, d.messages, { now: () => NOW + 295_000 }).recordSignal(
      NOW + 290_000,
    );
    const runs = [NOW - 1000, NOW + 299_000].map((at) => ({
      ...d,
      store: new DynamoSettlementStore(d.client, d.messages, { now: () => at }),
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
    await used(d, id, '+4479001', NOW - 10 * 60_000);

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
    const typed = await pending(d, { agoMs: 20 * 60_000, prefix: '+4479009' });
    await used(d, typed, '+4479009', NOW - 20 * 60_000);
    for (let i = 0; i < 19; i += 1) await pending(d, { agoMs: 20 * 60_000, prefix: '+4479009' });

    // Act
    const result = await sweep(d);

    // Assess
    expect(result).toMatchObject({ swept: 19, denied: 1 });
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
    for (let i = 0; i < 5; i += 1) {
      await used(
        d,
        await pending(d, { agoMs: 20 * 60_000, prefix: '+4479002' }),
        '+4479002',
        NOW - 20 * 60_000,
      );
    }
    for (let i = 0; i < 17; i += 1) await pending(d, { agoMs: 20 * 60_000, prefix: '+4479002' }); // 5 of 22 used
    for (let i = 0; i < 19; i += 1) await pending(d, { agoMs: 20 * 60_000, prefix: '+4479003' }); // 0 of 19

    // Act
    const result = await sweep(d);

    // Assess
    expect(result).toMatchObject({ swept: 36, denied: 0 });
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
    expect(result).toMatchObject({ swept: 20, denied: 0 });
    expect(await denyEntry(d, '+4479006')).toBeUndefined();
    expect(metric('OtpExpiredUnused')).toHaveLength(20);
  });

  it("never touches an operator's own deny entry, and does not deny again in the same hour after a reset", async () => {
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
        Key: marshall(lowConversionDenyKey('+4479005')),
      }),
    );
    await pending(d, { agoMs: 20 * 60_000, prefix: '+4479005' });

    // Act
    const later = await sweep(d);

    // Assess
    // The operator's entry stays as written; the sweep's own entry for that prefix sits beside it.
    expect(await operatorEntry(d, '+4479004')).toEqual({
      pk: 'list',
      sk: 'deny#+4479004',
      note: 'pumping, ticket 42',
    });
    expect(await denyEntry(d, '+4479004')).toMatchObject({ reason: 'low-conversion' });
    expect(later).toMatchObject({ swept: 1, denied: 0 });
    expect(await denyEntry(d, '+4479005')).toBeUndefined();
    expect(metric('LowConversionPrefixDenied')).toHaveLength(2);
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

/** A clock `ms` after NOW, for a later sweep of the same tables. */
const later = (d: Setup, ms: number): Setup => ({
  ...d,
  store: new DynamoSettlementStore(d.client, d.messages, { now: () => NOW + ms }),
  now: () => NOW + ms,
});

describe('no deny without evidence', () => {
  it('denies nothing with 25 unused codes under one prefix and no Okta event anywhere, and says the signal is missing', async () => {
    // Prepare: Okta's events have never reached this deployment (event source not connected yet)
    const d = await setup(NOW, { signal: false });
    for (let i = 0; i < 25; i += 1) await pending(d, { agoMs: 20 * 60_000, prefix: '+4479011' });

    // Act: a sweep now, and one after the wait for Okta's events is over
    const first = await sweep(d);
    const waitedOut = await sweep(later(d, (SIGNAL_WAIT_SECONDS + VERIFICATION_GRACE_SECONDS) * 1000));

    // Assess
    expect(first).toMatchObject({ swept: 0, deferred: 25, denied: 0 });
    expect(waitedOut).toMatchObject({ swept: 25, denied: 0 });
    expect(await denyEntry(d, '+4479011')).toBeUndefined();
    const counters = (await allItems(d.client, d.messages)).filter((i) => i.pk === 'prefix#+4479011');
    expect(counters).toEqual([]);
    const items = (await allItems(d.client, d.messages)).filter((i) => i.sk === 'message');
    expect(new Set(items.map((i) => i.countedAs))).toEqual(new Set(['FAILED:unjudged']));
    expect(metric('ConversionSignalMissing').length).toBeGreaterThanOrEqual(1);
    expect(metric('LowConversionPrefixDenied')).toHaveLength(0);
    const warn = output.logs().find((l) => l.message.startsWith("Okta's events are not arriving"));
    expect(warn).toMatchObject({ level: 'WARN', waiting: 25, lastOktaEvent: 'never' });
  });

  it('denies only the prefix whose codes go unused: 30 converted codes under one prefix and 25 unused under another', async () => {
    // Prepare: Okta's events flow; the attack (25) is most of this hour's traffic
    const d = await setup();
    for (let i = 0; i < 30; i += 1) {
      await used(
        d,
        await pending(d, { agoMs: 20 * 60_000, prefix: '+4479021' }),
        '+4479021',
        NOW - 20 * 60_000,
      );
    }
    for (let i = 0; i < 25; i += 1) await pending(d, { agoMs: 20 * 60_000, prefix: '+4479022' });

    // Act
    const result = await sweep(d);

    // Assess
    expect(result).toMatchObject({ swept: 25, denied: 1 });
    expect(await denyEntry(d, '+4479021')).toBeUndefined();
    expect(await denyEntry(d, '+4479022')).toMatchObject({ reason: 'low-conversion' });
  });

  it("waits for Okta events that lag behind a code's expiry, then counts the code once they catch up", async () => {
    // Prepare: the latest Okta event was published before the code expired (the stream lags)
    const d = await setup(NOW, { signal: false });
    await d.store.recordSignal(NOW - 10 * 60_000);
    const id = await pending(d, { agoMs: 9 * 60_000, prefix: '+4479031' });

    // Act
    const lagging = await sweep(d);
    const caughtUp = { ...d, store: new DynamoSettlementStore(d.client, d.messages, { now: () => NOW }) };
    await caughtUp.store.recordSignal(NOW - 1_000);
    const after = await sweep(caughtUp);

    // Assess
    expect(lagging).toMatchObject({ swept: 0, deferred: 1 });
    expect(after).toMatchObject({ swept: 1, deferred: 0 });
    expect(await messageItem(d, id)).toMatchObject({ feedback: 'FAILED', countedAs: 'FAILED' });
    // Lagging by minutes, not missing: no alarm.
    expect(metric('ConversionSignalMissing')).toHaveLength(0);
  });

  it('lets a late RECEIVED re-credit a FAILED once: converted counted, feedback RECEIVED', async () => {
    // Prepare: 20 codes of one prefix expire unused and are swept; the prefix is denied at the 20th
    const d = await setup();
    const ids = [];
    for (let i = 0; i < 20; i += 1) ids.push(await pending(d, { agoMs: 20 * 60_000, prefix: '+4479041' }));
    await sweep(d);
    const first = ids[0] as string;

    // Act: Okta's events for three of them arrive late (the stream was slow)
    for (const id of ids.slice(0, 3)) {
      const outcome = await d.store.settle(id, 'RECEIVED', randomUUID());
      expect(outcome.kind).toBe('settled');
      await d.store.count('+4479041', NOW - 20 * 60_000, messageToken(id), 'RECEIVED');
    }
    const again = await d.store.count('+4479041', NOW - 20 * 60_000, messageToken(first), 'RECEIVED');

    // Assess
    expect(again).toMatchObject({ settled: 20, converted: 3 });
    expect((await messageItem(d, first))?.feedback).toBe('RECEIVED');
  });

  it('drops a FAILED from the index and its prefix once the re-credit window is over', async () => {
    // Prepare
    const d = await setup();
    const id = await pending(d, { agoMs: 10 * 60_000, prefix: '+4479051' });
    await sweep(d);

    // Act
    const inWindow = await sweep(later(d, 30 * 60_000));
    const itemInWindow = await messageItem(d, id);
    await sweep(later(d, (RECREDIT_WINDOW_SECONDS + VERIFICATION_GRACE_SECONDS) * 1000));

    // Assess
    expect(inWindow).toMatchObject({ swept: 0, resumed: 0 });
    expect(itemInWindow?.prefix).toBe('+4479051');
    const item = await messageItem(d, id);
    expect(item).toMatchObject({ feedback: 'FAILED', countedAs: 'FAILED' });
    expect(item?.prefix).toBeUndefined();
    expect(item?.sweepBucket).toBeUndefined();
    expect(smsVoice.commandCalls(PutMessageFeedbackCommand)).toHaveLength(1);
  });

  it('leaves password reset codes out: no feedback asked, never swept or counted', async () => {
    // Prepare
    const d = await setup();
    const id = await pending(d, {
      agoMs: 20 * 60_000,
      requestType: 'com.okta.user.telephony.password-reset',
      userId: '00uReset0001',
    });

    // Act
    const result = await sweep(d);

    // Assess
    expect(result).toMatchObject({ swept: 0, deferred: 0 });
    const item = await messageItem(d, id);
    expect(item?.prefix).toBeUndefined();
    expect(item?.sweepBucket).toBeUndefined();
    expect(
      (await allItems(d.client, d.messages)).find((i) => i.pk === 'user#00uReset0001#sms'),
    ).toBeUndefined();
  });
});

describe('a sweep that stops between the steps', () => {
  it('is finished by the next sweep, counted once, when the counter write fails after the settle landed', async () => {
    // Prepare
    const d = await setup();
    const id = await pending(d, { agoMs: 20 * 60_000, prefix: '+4479061' });
    const fault = failBeforeSend(d.client, updateOf('prefix#'));

    // Act
    const first = await sweep(d);
    fault.remove();
    const next = await sweep(d);

    // Assess
    expect(fault.fired).toBe(1);
    expect(first).toMatchObject({ swept: 0, resumed: 0 });
    expect(next).toMatchObject({ resumed: 1 });
    expect(await messageItem(d, id)).toMatchObject({ feedback: 'FAILED', countedAs: 'FAILED' });
    const counter = (await allItems(d.client, d.messages)).find((i) => i.pk === 'prefix#+4479061');
    expect(counter).toMatchObject({ settled: 1, converted: 0 });
  });

  it('denies once, with its metric and warning, when the SDK retries the deny mark that had landed', async () => {
    // Prepare
    const d = await setup();
    for (let i = 0; i < 20; i += 1) await pending(d, { agoMs: 20 * 60_000, prefix: '+4479071' });
    const fault = loseAnswerAfterLanding(
      d.client,
      (name, input) =>
        updateOf('prefix#')(name, input) && String(input.UpdateExpression).includes('deniedAt'),
    );

    // Act
    const result = await sweep(d);
    fault.remove();

    // Assess
    expect(fault.fired).toBe(1);
    expect(result).toMatchObject({ swept: 20, denied: 1 });
    expect(metric('LowConversionPrefixDenied')).toHaveLength(1);
    expect(output.logs().filter((l) => l.message.startsWith('Prefix denied'))).toHaveLength(1);
  });

  it('counts each FAILED once when the SDK retries counter writes whose answers were lost', async () => {
    // Prepare
    const d = await setup();
    for (let i = 0; i < 5; i += 1) await pending(d, { agoMs: 20 * 60_000, prefix: '+4479081' });
    const fault = loseAnswerAfterLanding(d.client, updateOf('prefix#'), 5);

    // Act
    await sweep(d);
    fault.remove();

    // Assess
    expect(fault.fired).toBe(5);
    const counter = (await allItems(d.client, d.messages)).find((i) => i.pk === 'prefix#+4479081');
    expect(counter).toMatchObject({ settled: 5, converted: 0 });
  });
});

describe('evidence the sweep holds to', () => {
  it('counts no code unused while verifications fail, though other Okta events keep arriving', async () => {
    // Prepare: Okta's events flow, but a code-used event published 18 minutes ago (before these codes expired) failed
    // to be recorded, and its retries are still under way
    const d = await setup();
    await d.store.recordVerificationFailure(NOW - 18 * 60_000);
    for (let i = 0; i < 20; i += 1) await pending(d, { agoMs: 20 * 60_000, prefix: '+4479091' });

    // Act
    const result = await sweep(d);

    // Assess: held, not judged
    expect(result).toMatchObject({ swept: 0, deferred: 20, denied: 0 });
    expect(await denyEntry(d, '+4479091')).toBeUndefined();
  });

  it('judges the prefix again on the next sweep when the deny write failed after the count', async () => {
    // Prepare: the 20th unused code of a prefix's hour; the abuse table refuses the deny entry once
    const d = await setup();
    for (let i = 0; i < 20; i += 1) await pending(d, { agoMs: 20 * 60_000, prefix: '+4479092' });
    const fault = failBeforeSend(
      d.client,
      (name, input) => name === 'PutItemCommand' && input.TableName === d.abuse.tableName,
    );

    // Act
    const first = await sweep(d);
    fault.remove();
    const next = await sweep(d);

    // Assess: denied, with its metric and warning, by the next sweep
    expect(fault.fired).toBe(1);
    expect(first.denied).toBe(0);
    expect(next).toMatchObject({ denied: 1, resumed: 1 });
    expect(await denyEntry(d, '+4479092')).toMatchObject({ reason: 'low-conversion' });
    expect(metric('LowConversionPrefixDenied')).toHaveLength(1);
    expect(metric('OtpExpiredUnused')).toHaveLength(20);
  });

  it('says the signal is missing only when a code was sent after the latest Okta event, a while ago', async () => {
    // Prepare: a quiet night: one code, whose own hook call Okta logged, and nothing since
    const d = await setup(NOW, { signal: false });
    await d.store.recordSignal(NOW - 20 * 60_000 + 500);
    await pending(d, { agoMs: 20 * 60_000, prefix: '+4479093' });

    // Act
    const quiet = await sweep(d);

    // Assess: waiting for evidence, but no alarm: Okta sent all it had to
    expect(quiet).toMatchObject({ deferred: 1 });
    expect(metric('ConversionSignalMissing')).toHaveLength(0);
  });
});
