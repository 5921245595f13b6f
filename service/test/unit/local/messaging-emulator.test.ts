// The End User Messaging stand-in refuses what the service refuses, through the real SDK client: a call placed from
// a sender ID fails here as it would in AWS, so routing that picks one cannot pass the tests.
import {
  PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  SendVoiceMessageCommand,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMessagingEmulator } from '../../../local/emulators/messaging.js';

let messaging: Awaited<ReturnType<typeof startMessagingEmulator>>;
let client: PinpointSMSVoiceV2Client;

const call = (originationIdentity: string) =>
  new SendVoiceMessageCommand({
    DestinationPhoneNumber: '+447700900123',
    OriginationIdentity: originationIdentity,
    MessageBody: '<speak>Your code</speak>',
    MessageBodyTextType: 'SSML',
  });

beforeAll(async () => {
  messaging = await startMessagingEmulator();
  client = new PinpointSMSVoiceV2Client({
    endpoint: messaging.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await messaging.close();
});
beforeEach(() => messaging.emulator.clear());

describe('SendVoiceMessage origination identity', () => {
  it.each(['ACMEMFA', 'arn:aws:sms-voice:eu-west-2:123456789012:sender-id/ACMEMFA/GB'])(
    'refuses a call from the sender ID %s with a ValidationException and sends nothing',
    async (senderId) => {
      // Act
      const error = await client.send(call(senderId)).catch((e: unknown) => e);

      // Assess
      expect(error).toMatchObject({
        name: 'ValidationException',
        Reason: 'VOICE_CAPABILITY_NOT_AVAILABLE',
        $metadata: { httpStatusCode: 400 },
      });
      expect(messaging.emulator.outbox()).toEqual([]);
    },
  );

  it.each(['+12065550100', `pool-${'ab'.repeat(16)}`])(
    'places a call from the phone number or pool %s',
    async (id) => {
      const sent = await client.send(call(id));

      expect(sent.MessageId).toEqual(expect.any(String));
      expect(messaging.emulator.outbox()).toMatchObject([{ channel: 'VOICE', OriginationIdentity: id }]);
    },
  );

  it('still sends an SMS from a sender ID', async () => {
    const sent = await client.send(
      new SendTextMessageCommand({
        DestinationPhoneNumber: '+447700900123',
        OriginationIdentity: 'ACMEMFA',
        MessageBody: 'Your code',
      }),
    );

    expect(sent.MessageId).toEqual(expect.any(String));
  });
});

describe('the price cap and protect configuration a send names', () => {
  it('accepts MaxPrice, MaxPricePerMinute and ProtectConfigurationId and keeps them in the outbox as received', async () => {
    // Act
    await client.send(
      new SendTextMessageCommand({
        DestinationPhoneNumber: '+447700900123',
        OriginationIdentity: '+12065550100',
        MessageBody: 'Your code is 123456',
        MaxPrice: '0.10',
        ProtectConfigurationId: 'protect-abc',
      }),
    );
    await client.send(
      new SendVoiceMessageCommand({
        ...call('+12065550100').input,
        MaxPricePerMinute: '0.10',
        ProtectConfigurationId: 'protect-abc',
      }),
    );

    // Assess
    expect(messaging.emulator.outbox()).toMatchObject([
      { channel: 'SMS', MaxPrice: '0.10', ProtectConfigurationId: 'protect-abc' },
      { channel: 'VOICE', MaxPricePerMinute: '0.10', ProtectConfigurationId: 'protect-abc' },
    ]);
  });
});

describe('the identity-inactive fault', () => {
  const text = (originationIdentity: string) =>
    new SendTextMessageCommand({
      DestinationPhoneNumber: '+14155550123',
      OriginationIdentity: originationIdentity,
      MessageBody: 'Your code',
    });

  it('refuses sends from the inactive identity as End User Messaging does, RESOURCE_NOT_ACTIVE, and accepts nothing', async () => {
    // Prepare
    messaging.emulator.setFault({ mode: 'identity-inactive', identity: '+12065550100' });

    // Act
    const error = await client.send(text('+12065550100')).catch((e: unknown) => e);
    const callError = await client.send(call('+12065550100')).catch((e: unknown) => e);
    messaging.emulator.setFault(undefined);

    // Assess
    for (const refused of [error, callError]) {
      expect(refused).toMatchObject({
        name: 'ConflictException',
        Reason: 'RESOURCE_NOT_ACTIVE',
        ResourceType: 'phone-number',
        ResourceId: '+12065550100',
        $metadata: { httpStatusCode: 400 },
      });
    }
    expect(messaging.emulator.outbox()).toEqual([]);
  });

  it('sends from any other identity and records which one sent', async () => {
    // Prepare
    messaging.emulator.setFault({ mode: 'identity-inactive', identity: '+12065550100' });

    // Act
    const sent = await client.send(text('+12065550101'));
    messaging.emulator.setFault(undefined);

    // Assess
    expect(sent.MessageId).toEqual(expect.any(String));
    expect(messaging.emulator.outbox()).toMatchObject([
      { channel: 'SMS', OriginationIdentity: '+12065550101', messageId: sent.MessageId },
    ]);
  });
});
