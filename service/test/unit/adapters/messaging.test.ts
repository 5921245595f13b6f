// Provider errors read right: each refusal End User Messaging documents gets its own failure reason (the Okta error
// cause, the metric dimension, the DLQ record and the runbook line), and an answer without a MessageId is an error.
// The client is the real SDK client; aws-sdk-client-mock plays the service's faults with the SDK's own exceptions.
import {
  AccessDeniedException,
  ConflictException,
  InternalServerException,
  PinpointSMSVoiceV2Client,
  ResourceNotFoundException,
  SendTextMessageCommand,
  SendVoiceMessageCommand,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EndUserMessagingSender, toDeliveryError } from '../../../src/adapters/messaging.js';
import { Deadline } from '../../../src/domain/deadline.js';
import type { OutboundMessage } from '../../../src/domain/deliver.js';
import type { DeliveryFailedError } from '../../../src/domain/errors.js';
import { failureClass } from '../../../src/domain/failure-class.js';

const client = new PinpointSMSVoiceV2Client({ region: 'us-east-1', maxAttempts: 1 });
const mock = mockClient(client);
afterEach(() => mock.reset());

const message: OutboundMessage = {
  channel: 'sms',
  destination: '+14155550123',
  originationIdentity: '+12065550100',
  body: 'Your code is 123456',
  ttlSeconds: 300,
  eventId: 'event-1',
};
const meta = { $metadata: {} };

async function failureOf(error: Error): Promise<DeliveryFailedError> {
  mock.on(SendTextMessageCommand).rejects(error);
  const sender = new EndUserMessagingSender(client);
  return sender.send(message, new Deadline(1_000)).then(
    () => {
      throw new Error('the send succeeded');
    },
    (e: DeliveryFailedError) => e,
  );
}

describe('EndUserMessagingSender failure reasons', () => {
  it.each([
    [
      'the monthly SMS spend limit',
      new ServiceQuotaExceededException({
        ...meta,
        message: 'Monthly spend limit reached',
        Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT',
      }),
      'spend_limit_reached',
    ],
    [
      'the monthly voice spend limit',
      new ServiceQuotaExceededException({
        ...meta,
        message: 'Monthly spend limit reached',
        Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_VOICE',
      }),
      'spend_limit_reached',
    ],
    [
      'another quota',
      new ServiceQuotaExceededException({
        ...meta,
        message: 'Daily limit',
        Reason: 'DAILY_DESTINATION_CALL_LIMIT',
      }),
      'quota_exceeded',
    ],
    [
      'a low account reputation',
      new AccessDeniedException({ ...meta, message: 'Denied', Reason: 'INSUFFICIENT_ACCOUNT_REPUTATION' }),
      'account_blocked',
    ],
    [
      'a disabled account',
      new AccessDeniedException({ ...meta, message: 'Denied', Reason: 'ACCOUNT_DISABLED' }),
      'account_blocked',
    ],
    [
      'a missing IAM permission',
      new AccessDeniedException({ ...meta, message: 'Not authorized' }),
      'access_denied',
    ],
    [
      'a price over the limit',
      new ValidationException({ ...meta, message: 'Too expensive', Reason: 'PRICE_OVER_THRESHOLD' }),
      'price_over_threshold',
    ],
    [
      'a blocked destination country',
      new ValidationException({ ...meta, message: 'Blocked', Reason: 'DESTINATION_COUNTRY_BLOCKED' }),
      'country_blocked',
    ],
    [
      'a country blocked by the protect configuration',
      new ConflictException({
        ...meta,
        message: 'Blocked',
        Reason: 'DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION',
      }),
      'protect_blocked',
    ],
    [
      "a number blocked by the protect configuration's number override",
      new ConflictException({
        ...meta,
        message: 'Blocked',
        Reason: 'DESTINATION_PHONE_NUMBER_BLOCKED_BY_PROTECT_NUMBER_OVERRIDE',
      }),
      'protect_blocked',
    ],
    [
      'an identity not allowed for the country',
      new ValidationException({
        ...meta,
        message: 'Wrong identity',
        Reason: 'INVALID_IDENTITY_FOR_DESTINATION_COUNTRY',
      }),
      'identity_refused',
    ],
    [
      'an inactive identity',
      new ConflictException({ ...meta, message: 'Inactive', Reason: 'RESOURCE_NOT_ACTIVE' }),
      'identity_refused',
    ],
    [
      'an unknown identity',
      new ResourceNotFoundException({ ...meta, message: 'Not found' }),
      'identity_refused',
    ],
    [
      'an opted-out number',
      new ConflictException({ ...meta, message: 'Opted out', Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT' }),
      'provider_rejected',
    ],
    [
      'another validation error',
      new ValidationException({ ...meta, message: 'Bad', Reason: 'FIELD_VALIDATION_FAILED' }),
      'provider_rejected',
    ],
    ['throttling', new ThrottlingException({ ...meta, message: 'Rate exceeded' }), 'throttled'],
    ['a 500', new InternalServerException({ ...meta, message: 'Internal' }), 'provider_error'],
  ])('answers %s with its own reason', async (_, error, reason) => {
    // Act
    const failure = await failureOf(error);

    // Assess
    expect(failure.reason).toBe(reason);
    if ('Reason' in error && error.Reason) expect(failure.message).toContain(`[${error.Reason}]`);
  });

  it('treats an answer without a MessageId as a failed delivery, never as transaction "unknown"', async () => {
    // Prepare
    mock.on(SendTextMessageCommand).resolves({});
    const sender = new EndUserMessagingSender(client);

    // Act
    const failure = await sender.send(message, new Deadline(1_000)).catch((e: DeliveryFailedError) => e);

    // Assess
    expect(failure).toMatchObject({ name: 'ProviderError', reason: 'provider_error' });
    expect((failure as Error).message).toMatch(/without a MessageId/);
  });
});

describe('EndUserMessagingSender requests', () => {
  const voice: OutboundMessage = {
    ...message,
    channel: 'voice',
    body: '<speak>Your code is 1 2 3 4 5 6</speak>',
    voiceId: 'JOANNA',
  };

  it('caps the price of an SMS with MaxPrice and of a call with MaxPricePerMinute, as maxPricePerMessage sets', async () => {
    // Prepare
    mock.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });
    mock.on(SendVoiceMessageCommand).resolves({ MessageId: 'voice-1' });
    const sender = new EndUserMessagingSender(client, 'otp-set', { maxPrice: '0.10' });

    // Act
    await sender.send(message, new Deadline(1_000));
    await sender.send(voice, new Deadline(1_000));

    // Assess
    const sms = mock.commandCalls(SendTextMessageCommand)[0]!.args[0].input;
    const call = mock.commandCalls(SendVoiceMessageCommand)[0]!.args[0].input;
    expect(sms).toMatchObject({ MaxPrice: '0.10', ConfigurationSetName: 'otp-set' });
    expect(sms).not.toHaveProperty('MaxPricePerMinute');
    expect(call).toMatchObject({ MaxPricePerMinute: '0.10', ConfigurationSetName: 'otp-set' });
    expect(call).not.toHaveProperty('MaxPrice');
  });

  it('sends without a price cap or protect configuration when none is configured', async () => {
    // Prepare
    mock.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });
    mock.on(SendVoiceMessageCommand).resolves({ MessageId: 'voice-1' });
    const sender = new EndUserMessagingSender(client);

    // Act
    await sender.send(message, new Deadline(1_000));
    await sender.send(voice, new Deadline(1_000));

    // Assess
    for (const input of [
      mock.commandCalls(SendTextMessageCommand)[0]!.args[0].input,
      mock.commandCalls(SendVoiceMessageCommand)[0]!.args[0].input,
    ]) {
      for (const field of [
        'MaxPrice',
        'MaxPricePerMinute',
        'ProtectConfigurationId',
        'ConfigurationSetName',
        'MessageFeedbackEnabled',
      ]) {
        expect(input).not.toHaveProperty(field);
      }
    }
  });

  it("names the stack's protect configuration on every send, whichever configuration set is used", async () => {
    // Prepare
    mock.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });
    mock.on(SendVoiceMessageCommand).resolves({ MessageId: 'voice-1' });
    const sender = new EndUserMessagingSender(client, 'operators-set', {
      protectConfigurationId: 'protect-abc',
    });

    // Act
    await sender.send(message, new Deadline(1_000));
    await sender.send(voice, new Deadline(1_000));

    // Assess
    expect(mock.commandCalls(SendTextMessageCommand)[0]!.args[0].input).toMatchObject({
      ConfigurationSetName: 'operators-set',
      ProtectConfigurationId: 'protect-abc',
    });
    expect(mock.commandCalls(SendVoiceMessageCommand)[0]!.args[0].input).toMatchObject({
      ConfigurationSetName: 'operators-set',
      ProtectConfigurationId: 'protect-abc',
    });
  });

  it('asks for message feedback on every SMS and call when messageFeedback is set', async () => {
    // Prepare
    mock.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });
    mock.on(SendVoiceMessageCommand).resolves({ MessageId: 'voice-1' });
    const sender = new EndUserMessagingSender(client, 'otp-set', { messageFeedback: true });

    // Act
    await sender.send(message, new Deadline(1_000));
    await sender.send(voice, new Deadline(1_000));

    // Assess
    expect(mock.commandCalls(SendTextMessageCommand)[0]!.args[0].input).toMatchObject({
      MessageFeedbackEnabled: true,
    });
    expect(mock.commandCalls(SendVoiceMessageCommand)[0]!.args[0].input).toMatchObject({
      MessageFeedbackEnabled: true,
    });
  });

  it("reads a price over MaxPrice as price_over_threshold, the request's fault, not ours", async () => {
    // Prepare
    mock
      .on(SendTextMessageCommand)
      .rejects(
        new ValidationException({ ...meta, message: 'Over MaxPrice', Reason: 'PRICE_OVER_THRESHOLD' }),
      );
    const sender = new EndUserMessagingSender(client, undefined, { maxPrice: '0.01' });

    // Act
    const failure = await sender.send(message, new Deadline(1_000)).catch((e: DeliveryFailedError) => e);

    // Assess
    expect(failure).toMatchObject({ name: 'ProviderError', reason: 'price_over_threshold' });
    expect(failureClass((failure as DeliveryFailedError).reason)).toBe('request');
  });
});

describe('EndUserMessagingSender failover reasons', () => {
  it.each([
    [
      'an inactive number or pool',
      new ConflictException({ ...meta, message: 'Inactive', Reason: 'RESOURCE_NOT_ACTIVE' }),
      'resource_not_active',
    ],
    [
      'a pool with no identity for the destination',
      new ConflictException({ ...meta, message: 'None', Reason: 'NO_ORIGINATION_IDENTITIES_FOUND' }),
      'no_origination_identities_found',
    ],
    [
      'an identity the country does not allow',
      new ValidationException({
        ...meta,
        message: 'Wrong',
        Reason: 'INVALID_IDENTITY_FOR_DESTINATION_COUNTRY',
      }),
      'invalid_identity_for_destination_country',
    ],
    [
      'an unregistered sender ID',
      new ValidationException({ ...meta, message: 'Unregistered', Reason: 'SENDER_ID_NOT_REGISTERED' }),
      'sender_id_not_registered',
    ],
    [
      'a number without the voice capability',
      new ValidationException({ ...meta, message: 'No voice', Reason: 'VOICE_CAPABILITY_NOT_AVAILABLE' }),
      'voice_capability_not_available',
    ],
    [
      'an identity that does not exist',
      new ResourceNotFoundException({ ...meta, message: 'Not found' }),
      'resource_not_found',
    ],
    [
      'throttling past the retries',
      new ThrottlingException({ ...meta, message: 'Rate exceeded' }),
      'throttled',
    ],
  ])('marks %s as proven not accepted, so the next identity may send', async (_, error, reason) => {
    // Act
    const failure = await failureOf(error);

    // Assess
    expect(failure.failoverReason).toBe(reason);
  });

  it.each([
    ['a 500', new InternalServerException({ ...meta, message: 'Internal' })],
    [
      'an opted-out number',
      new ConflictException({ ...meta, message: 'Opted out', Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT' }),
    ],
    [
      'the monthly spend limit',
      new ServiceQuotaExceededException({
        ...meta,
        message: 'Limit',
        Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT',
      }),
    ],
    [
      "the protect configuration's country rule",
      new ConflictException({
        ...meta,
        message: 'Blocked',
        Reason: 'DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION',
      }),
    ],
    ['a missing IAM permission', new AccessDeniedException({ ...meta, message: 'Not authorized' })],
  ])('never lets %s move to another identity', async (_, error) => {
    // Act
    const failure = await failureOf(error);

    // Assess
    expect(failure.failoverReason).toBeUndefined();
  });

  it('never lets an answer without a MessageId or a timeout move to another identity', async () => {
    // Prepare
    mock.on(SendTextMessageCommand).resolves({});

    // Act
    const noId = await new EndUserMessagingSender(client)
      .send(message, new Deadline(1_000))
      .catch((e: DeliveryFailedError) => e);
    const timedOut = toDeliveryError(
      Object.assign(new Error('aborted'), { name: 'AbortError' }),
      1,
      true,
    ) as DeliveryFailedError;

    // Assess
    expect(noId).toMatchObject({ reason: 'provider_error' });
    expect(timedOut).toMatchObject({ reason: 'deadline_exceeded' });
    expect((noId as DeliveryFailedError).failoverReason).toBeUndefined();
    expect(timedOut.failoverReason).toBeUndefined();
  });

  it('answers with the identity that sent the message', async () => {
    // Prepare
    mock.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });

    // Act
    const sent = await new EndUserMessagingSender(client).send(message, new Deadline(1_000));

    // Assess
    expect(sent).toMatchObject({ messageId: 'sms-1', originationIdentity: '+12065550100' });
  });
});
