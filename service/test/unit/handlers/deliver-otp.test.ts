// The delivery handler against real parts (dynalite, protocol-level End User Messaging and SQS stand-ins):
// every documented payload delivers once, every failure answers Okta in its format with one DLQ record, retries and
// concurrent duplicates never send twice, and the deadline always holds.
import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, DeleteTableCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  loadFixture,
  loadRequestFixtures,
  type OktaHookRequestFixture,
} from '../../../../contracts/fixtures/index.js';
import { createTables, localDynamoClient, seedTemplates } from '../../../local/dynalite.js';
import { defaultTemplateItems } from '../../../src/adapters/template-seed.js';
import type { AbuseCheck } from '../../../src/domain/abuse-guard.js';
import { Deadline } from '../../../src/domain/deadline.js';
import {
  type DeadLetterSink,
  deliverOtp,
  type MessageSender,
  MIN_FAILOVER_MS,
  type OutboundMessage,
  type TemplateSource,
} from '../../../src/domain/deliver.js';
import type { DlqRecord } from '../../../src/domain/dlq-record.js';
import {
  DeadlineExceededError,
  type DeliveryFailedError,
  ProviderError,
} from '../../../src/domain/errors.js';
import { parseHookRequest } from '../../../src/domain/hook-request.js';
import type { OktaCommandsResponse, OktaErrorResponse } from '../../../src/domain/okta-response.js';
import type { RoutingConfig } from '../../../src/domain/routing.js';
import { HookHarness } from '../../helpers/hook-harness.js';
import { OutputCapture } from '../../helpers/output-capture.js';

const harness = new HookHarness({ DEADLINE_MS: '1000' });
const output = new OutputCapture();

/** A fixture with a fresh eventId, so tests never collide on the idempotency key. */
function payload(name = 'request-sms-mfa-verification', edit?: (p: OktaHookRequestFixture) => void) {
  const p = loadFixture(name);
  p.eventId = randomUUID();
  p.data.messageProfile.otpExpires = new Date(Date.now() + 300_000).toISOString();
  edit?.(p);
  return p;
}

const metric = (name: string) => output.metrics().filter((m) => m.name === name);

beforeAll(async () => {
  await harness.start();
  output.start();
});
afterAll(async () => {
  output.stop();
  await harness.stop();
});
beforeEach(async () => {
  await harness.reset();
  output.clear();
});

describe('delivering', () => {
  it('sends an SMS in the user language and answers SUCCESSFUL with the MessageId', async () => {
    // Prepare
    const request = payload();

    // Act
    const answer = await harness.invoke(request);

    // Assess
    expect(answer.statusCode).toBe(200);
    const [sent, ...more] = harness.sent();
    expect(more).toHaveLength(0);
    expect(sent).toMatchObject({
      channel: 'SMS',
      DestinationPhoneNumber: '+14155550123',
      OriginationIdentity: '+12065550100',
      MessageType: 'TRANSACTIONAL',
      Context: { eventId: request.eventId },
    });
    expect(sent?.MessageBody).toBe(
      'Your verification code is 627381. It expires in 5 minutes. Never share it.',
    );
    expect(sent?.TimeToLive).toBeGreaterThan(290);
    expect(sent?.TimeToLive).toBeLessThanOrEqual(300);
    const value = answer.body.commands[0].value[0];
    expect(answer.body.commands[0].type).toBe('com.okta.telephony.action');
    expect(value).toMatchObject({
      status: 'SUCCESSFUL',
      provider: 'AWS End User Messaging',
      transactionId: sent?.messageId,
    });
    expect(JSON.parse(value.transactionMetadata)).toMatchObject({ channel: 'sms', country: 'US' });
    // By channel, and by country: sends per country are alarmed against the band each country learnt.
    expect(metric('OtpDelivered')).toEqual([
      expect.objectContaining({ dimensions: { channel: 'sms' } }),
      expect.objectContaining({ dimensions: { country: 'US' } }),
    ]);
    expect(metric('DeliveryLatency')).toHaveLength(1);
    // A sign-in code: Okta reports its use, so it is in the conversion rate's denominator.
    expect(metric('OtpConvertible')).toEqual([expect.objectContaining({ dimensions: { channel: 'sms' } })]);
    expect(metric('DeliveryDeadLettered')).toEqual([]);
    // Same dimensions, one EMF line: the delivered count and its latency travel together.
    const blobs = output.json().filter((blob) => blob._aws?.CloudWatchMetrics);
    expect(blobs.filter((blob) => 'OtpDelivered' in blob && 'DeliveryLatency' in blob)).toHaveLength(1);
  });

  it('calls with SSML in Mexican Spanish, the digits spoken one by one, with a Polly voice', async () => {
    const answer = await harness.invoke(payload('request-call-account-unlock-es-mx'));

    expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    const [call] = harness.sent();
    expect(call).toMatchObject({
      channel: 'VOICE',
      DestinationPhoneNumber: '+525512345678',
      MessageBodyTextType: 'SSML',
      VoiceId: 'MIA',
    });
    expect(call?.MessageBody).toMatch(
      /^<speak>.*Tu código de verificación es <say-as interpret-as="characters">3<\/say-as>/,
    );
    expect(call?.MessageBody.match(/interpret-as="characters">3</g)).toHaveLength(2);
    // An unlock code's use is not in Okta's System Log: delivered, never convertible.
    expect(metric('OtpDelivered')).toHaveLength(2);
    expect(metric('OtpConvertible')).toEqual([]);
  });

  it.each(loadRequestFixtures().map(({ name }) => name))(
    'delivers the documented payload %s',
    async (name) => {
      const answer = await harness.invoke(payload(name));
      expect(answer.statusCode).toBe(200);
      expect(answer.body.commands?.[0]?.value?.[0]?.status).toBe('SUCCESSFUL');
      expect(harness.sent()).toHaveLength(1);
    },
  );

  it("answers Okta's connection check SUCCESSFUL and sends nothing", async () => {
    // Prepare: what npm run okta:connect has Okta execute
    const request = payload(undefined, (p) => {
      p.data.messageProfile.phoneNumber = '+1 (555) 555-1212';
    });

    // Act
    const answer = await harness.invoke(request);

    // Assess
    expect(answer.statusCode).toBe(200);
    const value = answer.body.commands[0].value[0];
    expect(value).toMatchObject({ status: 'SUCCESSFUL', transactionId: `check-${request.eventId}` });
    expect(JSON.parse(value.transactionMetadata)).toMatchObject({ channel: 'sms', check: true });
    expect(harness.sent()).toEqual([]);
    expect(harness.deadLetters()).toEqual([]);
    expect(metric('ConnectionCheck')).toHaveLength(1);
    expect(metric('OtpDelivered')).toEqual([]);
    expect(JSON.stringify(output.json())).not.toContain(request.data.messageProfile.otpCode);
  });

  it('delivers to a Mexican number Okta holds in the old mobile format (+52 1), at its current number', async () => {
    // Prepare
    const request = payload('request-call-account-unlock-es-mx', (p) => {
      p.data.messageProfile.phoneNumber = '+52 1 55 1234 5678';
    });

    // Act
    const answer = await harness.invoke(request);

    // Assess
    expect(answer.body.commands?.[0]?.value?.[0]?.status).toBe('SUCCESSFUL');
    expect(harness.sent()[0]?.DestinationPhoneNumber).toBe('+525512345678');
  });

  it('adds the + to a number that lacks it', async () => {
    await harness.invoke(payload('request-sms-pre-enrollment-no-plus'));
    expect(harness.sent()[0]?.DestinationPhoneNumber).toBe('+14155550124');
  });

  it('falls back to the default language for an unknown locale and counts the fallback', async () => {
    // Act
    await harness.invoke(payload('request-voice-call-password-reset-unknown-locale'));

    // Assess
    expect(harness.sent()[0]).toMatchObject({ VoiceId: 'JOANNA' });
    expect(harness.sent()[0]?.MessageBody).toContain('Your verification code is');
    expect(metric('TemplateFallback')).toEqual([
      expect.objectContaining({ dimensions: { level: 'default' } }),
    ]);
  });
});

describe('bad input', () => {
  it.each([
    ['not JSON', 'this is not json'],
    ['an empty body', ''],
    ['the wrong eventType', JSON.stringify(payload(undefined, (p) => (p.eventType = 'com.okta.other')))],
    [
      'no phone number',
      JSON.stringify(payload(undefined, (p) => delete (p.data.messageProfile as any).phoneNumber)),
    ],
  ])('answers 400 with an Okta error object for %s, and sends nothing', async (_, body) => {
    const answer = await harness.invoke(body);
    expect(answer.statusCode).toBe(400);
    expect(answer.body.error.errorSummary).toEqual(expect.any(String));
    expect(answer.body.error.errorCauses.length).toBeGreaterThan(0);
    expect(harness.sent()).toHaveLength(0);
    expect(metric('OtpDeliveryFailed')).toEqual([
      expect.objectContaining({ dimensions: { channel: 'unknown', reason: 'invalid_payload' } }),
    ]);
  });
});

describe('undeliverable', () => {
  it.each([
    ['a number that does not exist', '+1415555', 'INVALID_PHONE_NUMBER'],
    ['letters', 'abc', 'INVALID_PHONE_NUMBER'],
    ['a lone +', '+', 'INVALID_PHONE_NUMBER'],
    ['40 digits', '1'.repeat(40), 'INVALID_PHONE_NUMBER'],
    ["Okta's preview number without a country code", '9876543210', 'INVALID_PHONE_NUMBER'],
    ['a country that is not allowed', '+821012345678', 'COUNTRY_NOT_ALLOWED'],
  ])(
    'answers 200 with an error object for %s, sends nothing and dead-letters it',
    async (_, phone, reason) => {
      // Act
      const answer = await harness.invoke(
        payload(undefined, (p) => (p.data.messageProfile.phoneNumber = phone)),
      );

      // Assess
      expect(answer.statusCode).toBe(200);
      expect(answer.body.error.errorCauses[0].reason).toBe(reason);
      expect(harness.sent()).toHaveLength(0);
      const [record, ...more] = harness.deadLetters();
      expect(more).toHaveLength(0);
      expect(record).toMatchObject({ version: 1, error: { reason: reason.toLowerCase() } });
      expect(metric('OtpDeliveryFailed')[0]?.dimensions).toEqual({
        channel: 'sms',
        reason: reason.toLowerCase(),
      });
      // What "New DLQ records" counts: the hook's own records.
      expect(metric('DeliveryDeadLettered')).toHaveLength(1);
    },
  );
});

describe('provider failures', () => {
  it('answers with an error object and one DLQ record when End User Messaging answers 500, without sending again', async () => {
    // Prepare
    harness.messaging.emulator.setFault({ mode: 'error' });
    const request = payload();

    // Act
    const answer = await harness.invoke(request);

    // Assess
    expect(answer).toMatchObject({
      statusCode: 200,
      body: { error: { errorCauses: [{ reason: 'PROVIDER_ERROR' }] } },
    });
    const records = harness.deadLetters();
    expect(records).toHaveLength(1);
    // A 500 does not prove the message was not queued: one attempt, never a retry.
    expect(records[0]).toMatchObject({
      eventId: request.eventId,
      phone: '+1 *******123',
      attempts: 1,
      channel: 'sms',
    });
  });

  it('sends one message, answers with an error object and leaves one DLQ record when an accepted send is answered 500', async () => {
    // Prepare
    harness.messaging.emulator.setFault({ mode: 'ambiguous' });
    const request = payload();

    // Act
    const started = performance.now();
    const answer = await harness.invoke(request);
    const elapsedMs = performance.now() - started;

    // Assess
    expect(harness.sent()).toHaveLength(1);
    expect(answer.body.error.errorCauses[0].reason).toBe('PROVIDER_ERROR');
    expect(harness.deadLetters()).toEqual([
      expect.objectContaining({ eventId: request.eventId, attempts: 1 }),
    ]);
    expect(elapsedMs).toBeLessThan(1000);
  });

  it('retries a send whose connection was refused, because nothing reached the service', async () => {
    // Prepare: nothing listens on the messaging endpoint (the stand-in is closed for this test).
    const closed = await import('node:net').then(
      ({ createServer }) =>
        new Promise<number>((resolve) => {
          const server = createServer().listen(0, '127.0.0.1', () => {
            const { port } = server.address() as { port: number };
            server.close(() => resolve(port));
          });
        }),
    );
    await harness.load({ SMS_VOICE_ENDPOINT: `http://127.0.0.1:${closed}` });
    const request = payload();

    // Act
    const answer = await harness.invoke(request);

    // Assess
    expect(answer.body.error.errorCauses[0].reason).toBe('PROVIDER_ERROR');
    expect(harness.deadLetters()).toEqual([
      expect.objectContaining({ eventId: request.eventId, attempts: 3 }),
    ]);
    await harness.load();
  });

  it('answers PROVIDER_REJECTED without retrying when End User Messaging refuses the number as opted out', async () => {
    // Prepare
    harness.messaging.emulator.setFault({ mode: 'reject' });

    // Act
    const answer = await harness.invoke(payload());

    // Assess
    expect(answer.body.error.errorCauses[0].reason).toBe('PROVIDER_REJECTED');
    const [record, ...more] = harness.deadLetters();
    expect(more).toHaveLength(0);
    expect(record).toMatchObject({
      error: { name: 'ProviderError', reason: 'provider_rejected' },
      attempts: 1,
    });
    expect(record?.error.message).toContain('[DESTINATION_PHONE_NUMBER_OPTED_OUT]');
  });

  it('answers THROTTLED within the deadline when End User Messaging keeps throttling', async () => {
    harness.messaging.emulator.setFault({ mode: 'throttle' });
    const answer = await harness.invoke(payload());
    expect(answer.body.error.errorCauses[0].reason).toBe('THROTTLED');
    // Three attempts from each of the local US identities (+12065550100, +12065550101, then the Notify
    // configuration): the last one's reason.
    expect(harness.deadLetters()[0]).toMatchObject({ error: { reason: 'throttled' }, attempts: 9 });
  });

  it('counts the budget from when API Gateway received the request, not from when the handler started', async () => {
    // Prepare: the deadline is 1,000 ms and API Gateway received the request 700 ms ago (the authorizer ran).
    harness.messaging.emulator.setFault({ mode: 'latency', latencyMs: 5_000 });
    const requestContext = { requestTimeEpoch: Date.now() - 700 };

    // Act
    const started = performance.now();
    const answer = await harness.invoke(payload(), { requestContext });
    const elapsedMs = performance.now() - started;

    // Assess: about 300 ms were left, not 1,000.
    expect(answer.body.error.errorCauses[0].reason).toBe('DEADLINE_EXCEEDED');
    expect(elapsedMs).toBeLessThan(600);
  });

  it('answers within the budget and dead-letters when End User Messaging hangs', async () => {
    // Prepare
    harness.messaging.emulator.setFault({ mode: 'latency', latencyMs: 10_000 });
    const started = performance.now();

    // Act
    const answer = await harness.invoke(payload());
    const elapsed = performance.now() - started;

    // Assess: DEADLINE_MS is 1,000 here.
    expect(elapsed).toBeLessThan(1_000 + 150);
    expect(answer.body.error.errorCauses[0].reason).toBe('DEADLINE_EXCEEDED');
    expect(harness.deadLetters()).toEqual([
      expect.objectContaining({ error: expect.objectContaining({ reason: 'deadline_exceeded' }) }),
    ]);
  });
});

describe('idempotency', () => {
  it("answers Okta's retry with the stored answer and does not send again", async () => {
    // Prepare
    const request = payload();
    const first = await harness.invoke(request);

    // Act
    const retry = await harness.invoke(request);

    // Assess
    expect(retry).toEqual(first);
    expect(harness.sent()).toHaveLength(1);
    expect(metric('IdempotentReplay')).toHaveLength(1);
  });

  it('sends exactly once for 20 concurrent duplicates', async () => {
    // Prepare
    harness.messaging.emulator.setFault({ mode: 'latency', latencyMs: 150 });
    const request = payload();

    // Act
    const answers = await Promise.all(Array.from({ length: 20 }, () => harness.invoke(request)));

    // Assess
    expect(harness.sent()).toHaveLength(1);
    const messageId = harness.sent()[0]?.messageId;
    for (const answer of answers) {
      expect(answer.statusCode).toBe(200);
      expect(answer.body.commands[0].value[0]).toMatchObject({
        status: 'SUCCESSFUL',
        transactionId: messageId,
      });
    }
  });

  it('answers PENDING when a duplicate outlives its own deadline while the first send is still in flight', async () => {
    // Prepare: the first request runs on an instance with the full budget and a slow provider; the duplicate lands on
    // another instance (a fresh module) whose budget ends first.
    harness.messaging.emulator.setFault({ mode: 'latency', latencyMs: 1_200 });
    const slowInstance = await harness.load({ DEADLINE_MS: '2500' });
    const request = payload();
    const first = slowInstance.handler(
      { body: JSON.stringify(request) } as never,
      (await import('../../../local/lambda-context.js')).lambdaContext('deliver-otp'),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await harness.load({ DEADLINE_MS: '400' });

    // Act
    const duplicate = await harness.invoke(request);
    const firstAnswer = JSON.parse((await first).body);

    // Assess
    expect(duplicate.statusCode).toBe(200);
    expect(duplicate.body.commands[0].value[0]).toMatchObject({
      status: 'PENDING',
      transactionId: request.eventId,
    });
    expect(firstAnswer.commands[0].value[0].status).toBe('SUCCESSFUL');
    expect(harness.sent()).toHaveLength(1);
    await harness.load();
  });

  it('refuses a reused eventId that carries another code', async () => {
    // Prepare
    const request = payload();
    await harness.invoke(request);
    const reused = structuredClone(request);
    reused.data.messageProfile.otpCode = '999999';

    // Act
    const answer = await harness.invoke(reused);

    // Assess
    expect(answer.body.error.errorCauses[0].reason).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(harness.sent()).toHaveLength(1);
  });

  it('keys on the request id when eventId is missing', async () => {
    const request = payload(undefined, (p) => {
      delete p.eventId;
      p.data.context.request.id = randomUUID();
    });
    await harness.invoke(request);
    await harness.invoke(request);
    expect(harness.sent()).toHaveLength(1);
  });

  it('keeps the idempotency record exactly as long as the OTP lives', async () => {
    // Prepare
    const request = payload(undefined, (p) => {
      p.data.messageProfile.otpExpires = new Date(Date.now() + 120_000).toISOString();
    });

    // Act
    await harness.invoke(request);

    // Assess
    const { Items } = await localDynamoClient(harness.db.endpoint).send(
      new ScanCommand({ TableName: 'idempotency' }),
    );
    const item = Items?.map((i) => unmarshall(i)).find((i) =>
      JSON.stringify(i.data ?? '').includes(harness.sent()[0]?.messageId),
    );
    const expected = Date.now() / 1000 + 120;
    expect(item?.status).toBe('COMPLETED');
    expect(item?.expiration).toBeGreaterThan(expected - 5);
    expect(item?.expiration).toBeLessThan(expected + 5);
    expect(JSON.stringify(item)).not.toContain(request.data.messageProfile.otpCode);
  });

  it('gives the Lambda context to Powertools, so in-flight records expire with the invocation', async () => {
    await harness.invoke(payload());
    expect(output.lines.join('\n')).not.toContain('Could not determine remaining time');
  });
});

describe('degraded dependencies', () => {
  afterAll(async () => {
    await harness.load();
  });

  it('delivers anyway and counts it when the idempotency store is unreachable', async () => {
    // Prepare
    await harness.load({ IDEMPOTENCY_TABLE_NAME: 'no-such-table' });

    // Act
    const answer = await harness.invoke(payload());

    // Assess
    expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    expect(harness.sent()).toHaveLength(1);
    expect(metric('IdempotencyStoreUnavailable')).toHaveLength(1);
  });

  /**
   * A templates table of its own for one test: the templates shipped in the repository, and routing that sends US
   * numbers from +12065550177, as an operator would have set it with `npm run templates` after the first deploy.
   */
  async function editedTable(name: string, options: { templates?: boolean } = {}): Promise<void> {
    const db = localDynamoClient(harness.db.endpoint);
    await createTables(db, { templatesTable: name, idempotencyTable: `${name}-idempotency` });
    await seedTemplates(db, name, [
      ...(options.templates === false ? [] : defaultTemplateItems().filter((item) => item.pk === 'template')),
      { pk: 'config', sk: 'originationIdentities', value: { US: '+12065550177', MX: '+12065550177' } },
      { pk: 'config', sk: 'allowedCountries', value: ['US', 'MX'] },
    ]);
  }

  /** What earlier stacks put in the hook's environment: deploy-time routing that no longer matches the table. */
  const oldDeployRouting = {
    DEFAULT_ORIGINATION_IDENTITY: '+12065550199',
    ORIGINATION_IDENTITIES: '{"US":"+12065550199"}',
    ALLOWED_COUNTRIES: '*',
  };

  it('keeps routing by the last routing it read from the table when the table becomes unreachable, never by deploy-time settings', async () => {
    // Prepare: a warm function that has read the table (maxAge 0: every request asks DynamoDB again).
    await editedTable('templates-outage');
    await harness.load({
      TEMPLATES_TABLE_NAME: 'templates-outage',
      TEMPLATES_MAX_AGE_SECONDS: '0',
      ...oldDeployRouting,
    });
    await harness.invoke(payload());
    await localDynamoClient(harness.db.endpoint).send(
      new DeleteTableCommand({ TableName: 'templates-outage' }),
    );
    await harness.reset();
    output.clear();

    // Act
    const answer = await harness.invoke(payload());

    // Assess
    expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    expect(harness.sent()).toEqual([expect.objectContaining({ OriginationIdentity: '+12065550177' })]);
    expect(
      output.logs().some((l) => l.level === 'WARN' && /Templates table unreachable/.test(l.message)),
    ).toBe(true);
  });

  it("sends Okta's own SMS text, routed by the table, when the table holds no template for the request", async () => {
    // Prepare
    await editedTable('templates-routing-only', { templates: false });
    await harness.load({ TEMPLATES_TABLE_NAME: 'templates-routing-only' });
    const request = payload();

    // Act
    const answer = await harness.invoke(request);

    // Assess
    expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    expect(harness.sent()[0]).toMatchObject({
      MessageBody: request.data.messageProfile.msgTemplate,
      OriginationIdentity: '+12065550177',
    });
    expect(metric('TemplateFallback')).toEqual([expect.objectContaining({ dimensions: { level: 'okta' } })]);
  });

  it('calls with the built-in English voice template when the table holds no voice template', async () => {
    await editedTable('templates-routing-only', { templates: false });
    await harness.load({ TEMPLATES_TABLE_NAME: 'templates-routing-only' });
    await harness.invoke(payload('request-call-account-unlock-es-mx'));
    expect(harness.sent()[0]).toMatchObject({
      VoiceId: 'JOANNA',
      MessageBodyTextType: 'SSML',
      OriginationIdentity: '+12065550177',
    });
  });

  it('logs the record at ERROR and counts DlqWriteFailed when SQS itself fails', async () => {
    // Prepare: a queue URL the SQS stand-in does not know.
    await harness.load({ DLQ_URL: `${harness.sqs.endpoint}/000000000000/no-such-queue` });
    const request = payload(undefined, (p) => (p.data.messageProfile.phoneNumber = '+821012345678'));

    // Act
    const answer = await harness.invoke(request);

    // Assess
    expect(answer.body.error.errorCauses[0].reason).toBe('COUNTRY_NOT_ALLOWED');
    expect(metric('DlqWriteFailed')).toHaveLength(1);
    const logged = output.logs().find((l) => l.message.startsWith('DLQ write failed'));
    expect(logged).toMatchObject({
      level: 'ERROR',
      dlqRecord: { eventId: request.eventId, phone: '+82 *******678' },
    });
  });

  it('answers CONFIG_UNAVAILABLE (Okta then sends the code itself) with a DLQ record when the table is unreachable on a cold start, whatever routing the environment carries', async () => {
    // Prepare
    await harness.load({ TEMPLATES_TABLE_NAME: 'no-such-table', ...oldDeployRouting });

    // Act
    const answer = await harness.invoke(payload());

    // Assess
    expect(answer.body.error.errorCauses[0].reason).toBe('CONFIG_UNAVAILABLE');
    expect(harness.sent()).toEqual([]);
    expect(harness.deadLetters()).toHaveLength(1);
  });
});

describe('stored templates without the code', () => {
  /** Writes a template the CLI would refuse (hand-edited in the console), then cold-starts so the cache misses it. */
  async function storeTemplate(sk: string, value: Record<string, string>): Promise<() => Promise<void>> {
    const db = localDynamoClient(harness.db.endpoint);
    await db.send(
      new PutItemCommand({ TableName: 'templates', Item: marshall({ pk: 'template', sk, value }) }),
    );
    await harness.load();
    return async () => {
      await db.send(new DeleteItemCommand({ TableName: 'templates', Key: marshall({ pk: 'template', sk }) }));
      await harness.load();
    };
  }

  it('skips an SMS template without {{otp}}, sends the next level with the code and counts TemplateMissingCode', async () => {
    // Prepare
    const remove = await storeTemplate('sms#en-us', { body: 'Your code is on its way' });
    const request = payload();

    try {
      // Act
      const answer = await harness.invoke(request);

      // Assess
      expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
      expect(harness.sent()[0]?.MessageBody).toBe(
        'Your verification code is 627381. It expires in 5 minutes. Never share it.',
      );
      expect(metric('TemplateMissingCode')).toEqual([
        expect.objectContaining({ value: 1, dimensions: { channel: 'sms' } }),
      ]);
      expect(metric('TemplateFallback')).toEqual([
        expect.objectContaining({ dimensions: { level: 'language' } }),
      ]);
      expect(output.logs().find((l) => l.message === 'OTP delivered')).toMatchObject({
        templatesWithoutCode: ['sms#en-us'],
      });
      expect(output.lines.join('\n')).not.toContain(request.data.messageProfile.otpCode);
    } finally {
      await remove();
    }
  });

  it('skips a voice template without {{otp}} rather than appending the code to it', async () => {
    // Prepare
    const remove = await storeTemplate('voice#en-gb', {
      body: 'Hello from ACME, please hold',
      voiceId: 'AMY',
    });
    const request = payload(
      'request-call-mfa-verification-en',
      (p) => (p.data.messageProfile.locale = 'en-GB'),
    );

    try {
      // Act
      await harness.invoke(request);

      // Assess
      const [call] = harness.sent();
      expect(call).toMatchObject({ channel: 'VOICE', VoiceId: 'JOANNA' });
      expect(call?.MessageBody).not.toContain('ACME');
      expect(metric('TemplateMissingCode')).toEqual([
        expect.objectContaining({ value: 1, dimensions: { channel: 'voice' } }),
      ]);
    } finally {
      await remove();
    }
  });

  it('counts nothing when every stored template carries the code', async () => {
    await harness.invoke(payload());
    expect(metric('TemplateMissingCode')).toEqual([]);
  });
});

describe('the abuse guard', () => {
  afterAll(async () => {
    await harness.load();
  });

  /** Writes an allow or deny entry, then cold-starts so the cached lists are read again. */
  async function listEntry(sk: string): Promise<void> {
    await localDynamoClient(harness.db.endpoint).send(
      new PutItemCommand({
        TableName: harness.abuseTable,
        Item: marshall({ pk: 'list', sk, createdAt: new Date().toISOString() }),
      }),
    );
    await harness.load();
  }

  /** The number's counter item in the guard's table. */
  async function numberCounts(phone: string): Promise<number[]> {
    const { Items } = await localDynamoClient(harness.db.endpoint).send(
      new ScanCommand({ TableName: harness.abuseTable }),
    );
    const item = Items?.map((i) => unmarshall(i)).find((i) => i.pk === `count#number#${phone}`);
    return Object.entries(item ?? {})
      .filter(([name]) => name.startsWith('w600_'))
      .map(([, count]) => count as number);
  }

  it('refuses the 6th SMS to one number in 10 minutes with an error object: no send, no DLQ record, OtpBlocked', async () => {
    // Prepare
    for (let i = 0; i < 5; i += 1) await harness.invoke(payload());
    harness.messaging.emulator.clear();
    output.clear();
    const sixth = payload();

    // Act
    const answer = await harness.invoke(sixth);

    // Assess
    expect(answer).toEqual({
      statusCode: 200,
      body: {
        error: {
          errorSummary: 'The one-time passcode was not sent',
          errorCauses: [
            {
              errorSummary: 'The phone number has reached its limit of codes per 10 minutes',
              reason: 'NUMBER_10M',
              location: 'data.messageProfile.phoneNumber',
            },
          ],
        },
      },
    });
    expect(harness.sent()).toEqual([]);
    expect(harness.deadLetters()).toEqual([]);
    expect(metric('OtpBlocked')).toEqual([
      expect.objectContaining({ value: 1, dimensions: { reason: 'number_10m', channel: 'sms' } }),
    ]);
    expect(metric('OtpDeliveryFailed')).toEqual([]);
    const logged = output.logs().find((l) => l.message === 'OTP refused by the abuse guard');
    expect(logged).toMatchObject({
      level: 'WARN',
      eventId: sixth.eventId,
      reason: 'number_10m',
      reasons: ['number_10m'],
      phone: '+1 *******123',
      requestType: 'com.okta.user.telephony.mfa-verification',
      channel: 'sms',
      country: 'US',
    });
    expect(output.lines.join('\n')).not.toContain('4155550123');
  });

  it('never counts a replay: duplicates of delivered and of refused events get their stored answers', async () => {
    // Prepare: 4 events, each sent twice (Okta's retry, a duplicate delivery).
    for (let i = 0; i < 4; i += 1) {
      const request = payload();
      await harness.invoke(request);
      await harness.invoke(request);
    }
    const fifth = await harness.invoke(payload());
    const sixth = payload();
    const refused = await harness.invoke(sixth);
    output.clear();

    // Act
    const replayed = await harness.invoke(sixth);

    // Assess
    expect(fifth.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    expect(refused.body.error.errorCauses[0].reason).toBe('NUMBER_10M');
    expect(replayed).toEqual(refused);
    expect(harness.sent()).toHaveLength(5);
    // The five sent; the refused sixth gave its count back; no replay counted.
    expect(await numberCounts('+14155550123')).toEqual([5]);
    expect(metric('OtpBlocked')).toEqual([]);
    expect(metric('IdempotentReplay')).toHaveLength(1);
  });

  it('answers SUCCESSFUL with transactionId blocked-<eventId> and sends nothing with ABUSE_BLOCKED_ANSWER=pretend-sent', async () => {
    // Prepare
    await harness.load({ ABUSE_BLOCKED_ANSWER: 'pretend-sent', ABUSE_NUMBER_PER_10_MINUTES: '1' });
    await harness.invoke(payload());
    harness.messaging.emulator.clear();
    output.clear();
    const second = payload();

    // Act
    const answer = await harness.invoke(second);

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(answer.body.commands[0].value[0]).toMatchObject({
      status: 'SUCCESSFUL',
      provider: 'AWS End User Messaging',
      transactionId: `blocked-${second.eventId}`,
    });
    expect(JSON.parse(answer.body.commands[0].value[0].transactionMetadata)).toMatchObject({
      blocked: 'number_10m',
    });
    expect(harness.sent()).toEqual([]);
    expect(harness.deadLetters()).toEqual([]);
    expect(metric('OtpBlocked')).toEqual([
      expect.objectContaining({ dimensions: { reason: 'number_10m', channel: 'sms' } }),
    ]);
    expect(metric('OtpDelivered')).toEqual([]);
  });

  it("delivers and counts AbuseGuardUnavailable with a WARN when the guard's table cannot be reached", async () => {
    // Prepare
    await harness.load({ ABUSE_TABLE_NAME: 'no-such-abuse-table' });
    const request = payload();

    // Act
    const answer = await harness.invoke(request);

    // Assess
    expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    expect(harness.sent()).toHaveLength(1);
    expect(metric('AbuseGuardUnavailable')).toHaveLength(1);
    expect(metric('OtpDelivered').filter((m) => m.dimensions.channel)).toHaveLength(1);
    expect(
      output
        .logs()
        .find((l) => l.message === "Abuse guard's table unavailable; delivering without the guard"),
    ).toMatchObject({ level: 'WARN', eventId: request.eventId, errorName: 'ResourceNotFoundException' });
  });

  it('refuses a premium-rate number as NUMBER_TYPE without sending or dead-lettering', async () => {
    // Act
    const answer = await harness.invoke(
      payload(undefined, (p) => (p.data.messageProfile.phoneNumber = '+19005550123')),
    );

    // Assess
    expect(answer.body.error.errorCauses[0]).toMatchObject({
      reason: 'NUMBER_TYPE',
      errorSummary: 'The phone number is a premium-rate or shared-cost number',
    });
    expect(harness.sent()).toEqual([]);
    expect(harness.deadLetters()).toEqual([]);
    expect(metric('OtpBlocked')[0]?.dimensions).toEqual({ reason: 'number_type', channel: 'sms' });
  });

  it('lets an allow-listed number past the velocity limits', async () => {
    // Prepare
    await listEntry('allow#+14155550123');

    // Act
    const answers = [];
    for (let i = 0; i < 7; i += 1) answers.push(await harness.invoke(payload()));

    // Assess
    expect(answers.map((a) => a.body.commands?.[0]?.value?.[0]?.status)).toEqual(Array(7).fill('SUCCESSFUL'));
    expect(harness.sent()).toHaveLength(7);
    expect(metric('OtpBlocked')).toEqual([]);
  });

  it('refuses a number in a denied prefix as DENIED_PREFIX from its first request', async () => {
    // Prepare
    await listEntry('deny#+1415555');

    // Act
    const answer = await harness.invoke(payload());

    // Assess
    expect(answer.body.error.errorCauses[0].reason).toBe('DENIED_PREFIX');
    expect(harness.sent()).toEqual([]);
    expect(harness.deadLetters()).toEqual([]);
    expect(metric('OtpBlocked')[0]?.dimensions).toEqual({ reason: 'denied_prefix', channel: 'sms' });
  });

  it('refuses the 21st pre-enrollment code from one client IP in an hour, whatever the numbers and users', async () => {
    // Prepare: 20 enrolments from one address, each to another number range and for another user.
    const enrolment = (i: number) =>
      payload('request-sms-pre-enrollment-no-plus', (p) => {
        p.data.messageProfile.phoneNumber = `+1206${200 + i}0123`;
        p.data.userProfile = { ...p.data.userProfile, userId: `00u-enrol-${i}` };
      });
    for (let i = 0; i < 20; i += 1) await harness.invoke(enrolment(i));

    // Act
    const answer = await harness.invoke(enrolment(20));

    // Assess
    expect(answer.body.error.errorCauses[0].reason).toBe('IP_1H');
    expect(harness.sent()).toHaveLength(20);
  });
});

describe('origination failover', () => {
  it('sends once from the second US identity when the first is inactive, and answers SUCCESSFUL with no DLQ record', async () => {
    // Prepare
    harness.messaging.emulator.setFault({ mode: 'identity-inactive', identity: '+12065550100' });
    const request = payload();

    // Act
    const answer = await harness.invoke(request);

    // Assess
    const sent = harness.sent();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ channel: 'SMS', OriginationIdentity: '+12065550101' });
    expect(answer.body.commands[0].value[0]).toMatchObject({
      status: 'SUCCESSFUL',
      transactionId: sent[0]?.messageId,
    });
    expect(harness.deadLetters()).toEqual([]);
  });

  it("sends from AWS's senders, the US route's last identity, when both numbers are inactive", async () => {
    // Prepare
    harness.messaging.emulator.setFault({
      mode: 'identity-inactive',
      identity: ['+12065550100', '+12065550101'],
    });

    // Act
    const answer = await harness.invoke(payload());

    // Assess: one send, through Notify, with AWS's English template and Okta's code as its variable
    expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    expect(harness.sent()).toMatchObject([
      {
        OriginationIdentity: 'notify:nc-0local0notify0001',
        NotifyConfigurationId: 'nc-0local0notify0001',
        TemplateId: 'notify-otp-en-us-sms-001',
      },
    ]);
    expect(harness.deadLetters()).toEqual([]);
  });

  it('answers the error object naming the last refusal and leaves one DLQ record when every identity is inactive', async () => {
    // Prepare
    harness.messaging.emulator.setFault({
      mode: 'identity-inactive',
      identity: ['+12065550100', '+12065550101', 'notify:nc-0local0notify0001'],
    });
    const request = payload();

    // Act
    const answer = await harness.invoke(request);

    // Assess
    expect(harness.sent()).toEqual([]);
    expect(answer.body.error.errorCauses[0]).toMatchObject({ reason: 'IDENTITY_REFUSED', location: 'US' });
    const records = harness.deadLetters();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ eventId: request.eventId, attempts: 3 });
    expect(JSON.stringify(records[0])).toContain('NOTIFY_CONFIGURATION_NOT_ACTIVE');
  });

  it('never tries the second identity after a 500 from the first: the message may be on its way', async () => {
    // Prepare
    harness.messaging.emulator.setFault({ mode: 'ambiguous' });

    // Act
    const answer = await harness.invoke(payload());

    // Assess
    expect(harness.sent()).toMatchObject([{ OriginationIdentity: '+12065550100' }]);
    expect(answer.body.error.errorCauses[0].reason).toBe('PROVIDER_ERROR');
  });
});

describe('deliverOtp across ordered identities and channels', () => {
  // The domain alone, with fake ports: which identity is asked, in which order, and what each refusal leads to.
  const pool = `pool-${'d4'.repeat(16)}`;
  const routing: RoutingConfig = {
    defaultOriginationIdentity: '+12065550100',
    originationIdentities: {
      US: [pool, '+12065550100', '+12065550101'],
      GB: { sms: ['OKTAMFA', '+447700900123'], voice: '+447700900124' },
    },
    allowedCountries: ['US', 'GB'],
  };
  const templates: TemplateSource = { templates: async () => undefined, routing: async () => routing };
  const guard: AbuseCheck = { check: async () => ({ verdict: 'allow', allowListed: false }) };

  type Step = 'ok' | DeliveryFailedError;
  function fakes(steps: Step[]) {
    const asked: OutboundMessage[] = [];
    const records: DlqRecord[] = [];
    const sender: MessageSender = {
      send: async (message) => {
        asked.push(message);
        const step = steps.shift() ?? 'ok';
        if (step !== 'ok') throw step;
        return {
          messageId: `m-${asked.length}`,
          attempts: 1,
          originationIdentity: message.originationIdentity,
        };
      },
    };
    const deadLetters: DeadLetterSink = { write: async (record) => void records.push(record) };
    return { asked, records, deps: { templates, sender, deadLetters, guard, defaultLocale: 'en' } };
  }
  const inactive = () =>
    new ProviderError('identity_refused', 'Inactive [RESOURCE_NOT_ACTIVE]', 1, {
      failoverReason: 'resource_not_active',
    });
  const throttled = () => new ProviderError('throttled', 'Rate exceeded', 3, { failoverReason: 'throttled' });

  async function requestFor(phone: string, channel = 'SMS') {
    return parseHookRequest(
      JSON.stringify(
        payload('request-sms-mfa-verification', (p) => {
          p.data.messageProfile.phoneNumber = phone;
          p.data.messageProfile.deliveryChannel = channel;
        }),
      ),
    );
  }

  it('tries the identities in order and reports each one passed over with its reason', async () => {
    // Prepare
    const { asked, records, deps } = fakes([inactive(), throttled(), 'ok']);

    // Act
    const outcome = await deliverOtp(await requestFor('+14155550123'), deps, new Deadline(2_500));

    // Assess
    expect(asked.map((m) => m.originationIdentity)).toEqual([pool, '+12065550100', '+12065550101']);
    expect(outcome).toMatchObject({
      outcome: 'delivered',
      messageId: 'm-3',
      originationIdentity: '+12065550101',
      attempts: 5,
      failovers: [
        { from: pool, reason: 'resource_not_active' },
        { from: '+12065550100', reason: 'throttled' },
      ],
    });
    expect(records).toEqual([]);
  });

  it.each([
    ['a 500', new ProviderError('provider_error', 'Internal', 1)],
    ['a timeout', new DeadlineExceededError('No answer', 1)],
    ['an answer without a MessageId', new ProviderError('provider_error', 'without a MessageId', 1)],
    ['an opted-out number', new ProviderError('provider_rejected', 'Opted out', 1)],
  ])('stops at %s: one send, the error answered, one DLQ record', async (_, error) => {
    // Prepare
    const { asked, records, deps } = fakes([error]);

    // Act
    const outcome = await deliverOtp(await requestFor('+14155550123'), deps, new Deadline(2_500));

    // Assess
    expect(asked).toHaveLength(1);
    expect(outcome).toMatchObject({ outcome: 'failed', reason: error.reason });
    expect(outcome.failovers).toBeUndefined();
    expect(records).toHaveLength(1);
  });

  it('answers the last refusal, with every attempt, after the last identity refuses', async () => {
    // Prepare
    const { asked, records, deps } = fakes([inactive(), inactive(), throttled()]);

    // Act
    const outcome = await deliverOtp(await requestFor('+14155550123'), deps, new Deadline(2_500));

    // Assess
    expect(asked).toHaveLength(3);
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'throttled', attempts: 5 });
    expect(outcome.failovers).toHaveLength(2);
    expect((outcome.answer.body as OktaErrorResponse).error.errorCauses[0]?.reason).toBe('THROTTLED');
    expect(records).toMatchObject([{ error: { reason: 'throttled' }, attempts: 5 }]);
  });

  it('answers the refusal rather than try another identity when too little of the deadline is left', async () => {
    // Prepare
    const { asked, deps } = fakes([inactive()]);

    // Act
    const outcome = await deliverOtp(
      await requestFor('+14155550123'),
      deps,
      new Deadline(MIN_FAILOVER_MS - 50),
    );

    // Assess
    expect(asked).toHaveLength(1);
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'identity_refused' });
  });

  it('with the voice fallback on, calls a landline from the voice identity with the voice template and tells Okta', async () => {
    // Prepare
    const { asked, deps } = fakes([]);

    // Act
    const outcome = await deliverOtp(
      await requestFor('+442079460123'),
      { ...deps, voiceFallback: true },
      new Deadline(2_500),
    );

    // Assess
    expect(asked).toMatchObject([{ channel: 'voice', originationIdentity: '+447700900124' }]);
    expect(asked[0]?.body).toMatch(/^<speak>/);
    expect(outcome).toMatchObject({ outcome: 'delivered', channel: 'voice', requestedChannel: 'sms' });
    const action = (outcome.answer.body as OktaCommandsResponse).commands[0]!.value[0]!;
    expect(JSON.parse(action.transactionMetadata)).toMatchObject({
      channel: 'voice',
      requestedChannel: 'sms',
    });
  });

  it('with the voice fallback off, texts the landline as asked', async () => {
    // Prepare
    const { asked, deps } = fakes([]);

    // Act
    const outcome = await deliverOtp(await requestFor('+442079460123'), deps, new Deadline(2_500));

    // Assess
    expect(asked).toMatchObject([{ channel: 'sms', originationIdentity: 'OKTAMFA' }]);
    expect(outcome.requestedChannel).toBeUndefined();
    const action = (outcome.answer.body as OktaCommandsResponse).commands[0]!.value[0]!;
    expect(JSON.parse(action.transactionMetadata)).not.toHaveProperty('requestedChannel');
  });

  it('with the voice fallback on, still texts a mobile number', async () => {
    // Prepare
    const { asked, deps } = fakes([]);

    // Act
    const outcome = await deliverOtp(
      await requestFor('+447400123456'),
      { ...deps, voiceFallback: true },
      new Deadline(2_500),
    );

    // Assess
    expect(outcome).toMatchObject({ outcome: 'delivered', channel: 'sms' });
    expect(asked).toMatchObject([{ channel: 'sms', originationIdentity: 'OKTAMFA' }]);
  });
});
