/**
 * The local stack hands its event-driven functions the envelopes AWS would: SNS for receipts (the published JSON as a
 * string in `Records[0].Sns.Message`), EventBridge from Okta's partner event source for System Log events, and an
 * EventBridge schedule for the sweep.
 */
import { describe, expect, it } from 'vitest';
import {
  LOCAL_OKTA_EVENT_SOURCE,
  oktaEventBridgeEnvelope,
  scheduledEnvelope,
  snsEnvelope,
} from '../../../local/event-envelopes.js';

const origin = { region: 'us-east-1', accountId: '000000000000' };

describe('snsEnvelope', () => {
  it('wraps one message as an SNS notification record with the message as a JSON string', () => {
    // Act
    const event = snsEnvelope(
      { eventType: 'TEXT_DELIVERED', messageId: 'm-1' },
      origin,
      new Date('2026-01-05T10:00:00Z'),
    );

    // Assess
    expect(event.Records).toHaveLength(1);
    const [record] = event.Records;
    expect(record).toMatchObject({ EventSource: 'aws:sns', EventVersion: '1.0' });
    expect(record!.EventSubscriptionArn.startsWith(`${record!.Sns.TopicArn}:`)).toBe(true);
    expect(record!.Sns).toMatchObject({
      Type: 'Notification',
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:okta-phone-mfa-delivery-events',
      Timestamp: '2026-01-05T10:00:00.000Z',
      Subject: null,
      MessageAttributes: {},
    });
    expect(JSON.parse(record!.Sns.Message)).toEqual({ eventType: 'TEXT_DELIVERED', messageId: 'm-1' });
    expect(record!.Sns.MessageId).not.toBe(snsEnvelope({}, origin).Records[0]!.Sns.MessageId);
  });
});

describe('oktaEventBridgeEnvelope', () => {
  it("puts the System Log event in detail, from Okta's partner source, at the event's published second", () => {
    // Act
    const event = oktaEventBridgeEnvelope(
      { uuid: 'u-1', published: '2026-01-05T10:00:01.234Z', eventType: 'user.authentication.auth_via_mfa' },
      origin,
    );

    // Assess
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'SystemLog',
      source: LOCAL_OKTA_EVENT_SOURCE,
      account: '000000000000',
      region: 'us-east-1',
      time: '2026-01-05T10:00:01Z',
      resources: [],
      detail: { uuid: 'u-1', eventType: 'user.authentication.auth_via_mfa' },
    });
    expect(LOCAL_OKTA_EVENT_SOURCE).toMatch(/^aws\.partner\/okta\.com\//);
  });
});

describe('scheduledEnvelope', () => {
  it('is an EventBridge scheduled event naming its rule', () => {
    const event = scheduledEnvelope('sweep', origin, new Date('2026-01-05T10:05:00.900Z'));

    expect(event).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2026-01-05T10:05:00Z',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/sweep'],
      detail: {},
    });
  });
});
