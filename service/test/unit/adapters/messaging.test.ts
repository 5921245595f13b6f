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
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EndUserMessagingSender } from '../../../src/adapters/messaging.js';
import { Deadline } from '../../../src/domain/deadline.js';
import type { OutboundMessage } from '../../../src/domain/deliver.js';
import type { DeliveryFailedError } from '../../../src/domain/errors.js';

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
      'a country blocked by a protect configuration',
      new ConflictException({
        ...meta,
        message: 'Blocked',
        Reason: 'DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION',
      }),
      'country_blocked',
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
