// The messaging stand-in's Notify, through the real SDK client over HTTP: it sends what AWS would send and refuses what
// AWS documents it refuses (so the hook's error handling meets the real exceptions and reasons).
import {
  DescribeNotifyTemplatesCommand,
  PinpointSMSVoiceV2Client,
  SendNotifyTextMessageCommand,
  type SendNotifyTextMessageCommandInput,
  SendNotifyVoiceMessageCommand,
  SendTextMessageCommand,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMessagingEmulator } from '../../../local/emulators/messaging.js';
import { LOCAL_NOTIFY_CONFIGURATION_ID, LOCAL_NOTIFY_TEMPLATES } from '../../../local/emulators/notify.js';

let running: Awaited<ReturnType<typeof startMessagingEmulator>>;
let client: PinpointSMSVoiceV2Client;

beforeAll(async () => {
  running = await startMessagingEmulator();
  client = new PinpointSMSVoiceV2Client({
    region: 'us-east-1',
    endpoint: running.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await running.close();
});
beforeEach(() => {
  running.emulator.clear();
  running.emulator.setFault(undefined);
});

const send = (edit: Partial<SendNotifyTextMessageCommandInput> = {}) =>
  client.send(
    new SendNotifyTextMessageCommand({
      NotifyConfigurationId: LOCAL_NOTIFY_CONFIGURATION_ID,
      DestinationPhoneNumber: '+14155550123',
      TemplateId: 'notify-otp-en-us-sms-001',
      TemplateVariables: { code: '123456' },
      ...edit,
    }),
  );

/** The error a send is refused with: its name and the service's Reason. */
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => ({ name: 'accepted' }),
    (error: { name: string; Reason?: string }) => ({
      name: error.name,
      ...(error.Reason ? { Reason: error.Reason } : {}),
    }),
  );

describe('the Notify stand-in', () => {
  it("sends AWS's text with the code and the display name, from notify:<id>, and its receipt follows", async () => {
    // Act
    const answer = await send({ Context: { eventId: 'e-1' } });

    // Assess
    expect(answer).toMatchObject({
      MessageId: expect.any(String),
      TemplateId: 'notify-otp-en-us-sms-001',
      ResolvedMessageBody: '123456 is your OktaPhoneMFA verification code. It expires in 10 minutes.',
    });
    expect(running.emulator.outbox()).toMatchObject([
      {
        channel: 'SMS',
        OriginationIdentity: `notify:${LOCAL_NOTIFY_CONFIGURATION_ID}`,
        Context: { eventId: 'e-1' },
      },
    ]);
    await running.emulator.settled();
    expect(running.emulator.outbox()[0]?.events.map((e) => e.eventType)).toEqual(['TEXT_DELIVERED']);
  });

  it.each([
    ['an unknown configuration', { NotifyConfigurationId: 'nc-nope' }, { name: 'ResourceNotFoundException' }],
    ['an unknown template', { TemplateId: 'nope' }, { name: 'ResourceNotFoundException' }],
    [
      'no template (the local configuration has no default)',
      { TemplateId: undefined },
      { name: 'ValidationException' },
    ],
    [
      'a voice template for a text',
      { TemplateId: 'notify-otp-en-us-voice-001' },
      { name: 'ValidationException' },
    ],
    ['no code', { TemplateVariables: {} }, { name: 'ValidationException' }],
    ['a code off the pattern', { TemplateVariables: { code: '12' } }, { name: 'ValidationException' }],
    [
      'a variable the template lacks',
      { TemplateVariables: { code: '123456', brand: 'x' } },
      { name: 'ValidationException' },
    ],
    [
      'a system variable',
      { TemplateVariables: { code: '123456', displayName: 'x' } },
      { name: 'ValidationException' },
    ],
    [
      'an expiry out of range',
      { TemplateVariables: { code: '123456', expiry: '90' } },
      { name: 'ValidationException' },
    ],
    ['a TimeToLive under 5 s', { TimeToLive: 2 }, { name: 'ValidationException' }],
    [
      'a country it does not enable',
      { DestinationPhoneNumber: '+8613800138000' },
      { name: 'ValidationException', Reason: 'COUNTRY_NOT_ENABLED' },
    ],
  ])('refuses %s', async (_, edit, expected) => {
    expect(await refusal(send(edit as Partial<SendNotifyTextMessageCommandInput>))).toEqual(expected);
    expect(running.emulator.outbox()).toEqual([]);
  });

  it('refuses a configuration that is not ACTIVE, a channel it does not enable, and SendTextMessage from it', async () => {
    // Prepare: the local configuration made inactive by the identity-inactive fault; another one without VOICE
    running.emulator.setFault({
      mode: 'identity-inactive',
      identity: `notify:${LOCAL_NOTIFY_CONFIGURATION_ID}`,
    });
    const smsOnly = {
      ...running.emulator.notify.configurations()[0]!,
      id: 'nc-smsonly',
      arn: 'arn:x',
      channels: ['SMS' as const],
    };
    running.emulator.notify.put(smsOnly);

    // Assess
    expect(await refusal(send())).toEqual({
      name: 'ConflictException',
      Reason: 'NOTIFY_CONFIGURATION_NOT_ACTIVE',
    });
    expect(
      await refusal(
        client.send(
          new SendNotifyVoiceMessageCommand({
            NotifyConfigurationId: 'nc-smsonly',
            DestinationPhoneNumber: '+14155550123',
            TemplateId: 'notify-otp-en-us-voice-001',
            TemplateVariables: { code: '123456' },
          }),
        ),
      ),
    ).toEqual({ name: 'ValidationException', Reason: 'CHANNEL_NOT_ENABLED' });
    expect(
      await refusal(
        client.send(
          new SendTextMessageCommand({
            OriginationIdentity: `notify:${LOCAL_NOTIFY_CONFIGURATION_ID}`,
            DestinationPhoneNumber: '+14155550123',
            MessageBody: 'x',
          }),
        ),
      ),
    ).toEqual({ name: 'ValidationException' });
  });

  it("holds the BASIC tier to one message a second and 200 a day, and Notify's spend limit", async () => {
    // Prepare: a BASIC configuration (every configuration starts BASIC; the local one is ADVANCED)
    const basic = {
      ...running.emulator.notify.configurations()[0]!,
      id: 'nc-basic',
      arn: 'arn:b',
      tier: 'BASIC' as const,
    };
    running.emulator.notify.put(basic);
    const sendBasic = () => send({ NotifyConfigurationId: 'nc-basic' });

    // Act: two sends in the same second
    await sendBasic();
    const second = await refusal(sendBasic());
    running.emulator.setFault({ mode: 'notify-daily-limit' });
    const daily = await refusal(sendBasic());
    running.emulator.setFault({ mode: 'notify-spend-limit' });
    const spend = await refusal(sendBasic());

    // Assess
    expect(second).toEqual({ name: 'ThrottlingException' });
    expect(daily).toEqual({
      name: 'ServiceQuotaExceededException',
      Reason: 'DAILY_NOTIFY_TIER_MESSAGE_LIMIT',
    });
    expect(spend).toEqual({
      name: 'ServiceQuotaExceededException',
      Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_NOTIFY',
    });
    expect(running.emulator.outbox()).toHaveLength(1);
  });

  it('describes its templates, filtered and a page at a time, and refuses an unknown filter', async () => {
    // Act
    const voice = await client.send(
      new DescribeNotifyTemplatesCommand({ Filters: [{ Name: 'channels', Values: ['VOICE'] }] }),
    );
    const first = await client.send(new DescribeNotifyTemplatesCommand({ MaxResults: 2 }));
    const rest = await client.send(
      new DescribeNotifyTemplatesCommand({ MaxResults: 100, NextToken: first.NextToken }),
    );

    // Assess
    expect(voice.NotifyTemplates?.every((t) => t.Channels?.includes('VOICE'))).toBe(true);
    expect(voice.NotifyTemplates?.length).toBeGreaterThan(0);
    expect(first.NotifyTemplates).toHaveLength(2);
    expect((first.NotifyTemplates?.length ?? 0) + (rest.NotifyTemplates?.length ?? 0)).toBe(
      LOCAL_NOTIFY_TEMPLATES.length,
    );
    expect(rest.NextToken).toBeUndefined();
    expect(
      await refusal(
        client.send(
          new DescribeNotifyTemplatesCommand({ Filters: [{ Name: 'color' as never, Values: ['x'] }] }),
        ),
      ),
    ).toEqual({ name: 'ValidationException' });
  });
});
