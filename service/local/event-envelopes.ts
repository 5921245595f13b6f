/**
 * The envelopes AWS wraps events in before a Lambda sees them, for the local stack's event-driven functions:
 * SNS (the configuration set's event destination → `record-delivery-event`), EventBridge from a partner event source
 * (Okta Log Streaming → `record-verification`) and an EventBridge schedule (→ `sweep-messages`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { EventBridgeEvent, ScheduledEvent, SNSEvent } from 'aws-lambda';

/** Where the local stack says its events come from. */
export type EnvelopeOrigin = { region: string; accountId: string };

/** The SNS topic the local configuration set's event destination publishes to. */
export const localTopicArn = ({ region, accountId }: EnvelopeOrigin) =>
  `arn:aws:sns:${region}:${accountId}:okta-phone-mfa-delivery-events`;

/** The Okta partner event source of the local stack (Okta names its sources `aws.partner/okta.com/<org>/<name>`). */
export const LOCAL_OKTA_EVENT_SOURCE = 'aws.partner/okta.com/local/okta-phone-mfa';

/** The `detail-type` Okta Log Streaming gives its events. */
export const OKTA_DETAIL_TYPE = 'SystemLog';

/**
 * One SNS notification as Lambda receives it: one record, `Sns.Message` the JSON string of the published message.
 *
 * @param message - what was published (an End User Messaging event)
 * @param origin - region and account
 * @param now - the publish time
 */
export function snsEnvelope(message: unknown, origin: EnvelopeOrigin, now = new Date()): SNSEvent {
  const topicArn = localTopicArn(origin);
  const host = `sns.${origin.region}.amazonaws.com`;
  const subscriptionArn = `${topicArn}:${randomUUID()}`;
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        Sns: {
          Type: 'Notification',
          MessageId: randomUUID(),
          TopicArn: topicArn,
          // SNS sends `"Subject": null` when the publisher set none.
          Subject: null as unknown as undefined,
          Message: JSON.stringify(message),
          Timestamp: now.toISOString(),
          SignatureVersion: '1',
          Signature: randomBytes(256).toString('base64'),
          SigningCertUrl: `https://${host}/SimpleNotificationService-local.pem`,
          UnsubscribeUrl: `https://${host}/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`,
          MessageAttributes: {},
        },
      },
    ],
  };
}

/**
 * One Okta System Log event as Okta Log Streaming puts it on the partner event bus: `detail` is the event itself.
 *
 * @param detail - an Okta System Log event
 * @param origin - region and account
 * @param now - when EventBridge received it (else the event's `published`)
 */
export function oktaEventBridgeEnvelope(
  detail: Record<string, unknown>,
  origin: EnvelopeOrigin,
  now = new Date(),
): EventBridgeEvent<typeof OKTA_DETAIL_TYPE, Record<string, unknown>> {
  const published = typeof detail.published === 'string' ? Date.parse(detail.published) : Number.NaN;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': OKTA_DETAIL_TYPE,
    source: LOCAL_OKTA_EVENT_SOURCE,
    account: origin.accountId,
    // EventBridge's `time` has second precision.
    time: `${new Date(Number.isNaN(published) ? now.getTime() : published).toISOString().slice(0, 19)}Z`,
    region: origin.region,
    resources: [],
    detail,
  };
}

/**
 * The event an EventBridge schedule (`rate(5 minutes)`) invokes its target with.
 *
 * @param ruleName - the schedule rule's name
 * @param origin - region and account
 * @param now - the scheduled time
 */
export function scheduledEnvelope(
  ruleName: string,
  origin: EnvelopeOrigin,
  now = new Date(),
): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: origin.accountId,
    time: `${now.toISOString().slice(0, 19)}Z`,
    region: origin.region,
    resources: [`arn:aws:events:${origin.region}:${origin.accountId}:rule/${ruleName}`],
    detail: {},
  };
}
