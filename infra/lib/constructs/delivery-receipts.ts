import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_FUNCTION_TIMEOUT_SECONDS } from '../../../service/src/function-timeouts.js';
import { handlerEntries } from '../bundling.js';
import type { MessagesTable } from './messages-table.js';
import { ServiceFunction } from './service-function.js';

/**
 * The End User Messaging event types the configuration set publishes: every SMS and every voice event, which is
 * what the receipt handler reads (`TEXT_*`, `VOICE_*`). Not `ALL`: that adds MMS, which the hook never sends. The
 * documented list: "Event types for SMS, MMS, and voice" in the End User Messaging SMS user guide.
 */
export const RECEIPT_EVENT_TYPES = ['TEXT_ALL', 'VOICE_ALL'] as const;

/** End User Messaging's service principal, which publishes configuration set events to SNS. */
export const SMS_VOICE_PRINCIPAL = 'sms-voice.amazonaws.com';

/** Properties of {@link DeliveryReceipts}. */
export interface DeliveryReceiptsProps {
  /** The messages table the handler updates. */
  readonly messagesTable: MessagesTable;
  /** The dead-letter queue a final failure receipt leaves its one record in. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * Where an event lands that the handler still failed after Lambda's retries (the invocation record, with the SNS
   * message): nothing is lost, and an alarm watches it.
   */
  readonly eventFailures: sqs.IQueue;
  /** Retention of the handler's log group. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * Delivery receipts: an SNS topic End User Messaging publishes the configuration set's SMS and voice events to,
 * encrypted with its own key (the events carry the full destination number), and the `record-delivery-event`
 * function subscribed to it. SNS rather than Firehose or CloudWatch Logs: each receipt reaches a function within
 * seconds, delivery is at least once (the handler is idempotent per event), and SNS retries a failed invocation.
 *
 * The topic policy and the key policy let only End User Messaging of this account publish, from a configuration
 * set of this account and region. {@link ProviderProtection.publishEventsTo} points the stack's configuration set
 * at the topic; with the operator's own configuration set, add the event destination to it (README, "Receipts").
 */
export class DeliveryReceipts extends Construct {
  /** The topic the configuration set publishes to. */
  public readonly topic: sns.Topic;
  /** The topic's key. */
  public readonly key: kms.Key;
  /** The receipt handler. */
  public readonly handler: ServiceFunction;
  /** The topic policy the configuration set must be created after (End User Messaging checks it can publish). */
  public readonly topicPolicy: sns.CfnTopicPolicy;

  constructor(scope: Construct, id: string, props: DeliveryReceiptsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const fromOurConfigurationSets = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        // Any configuration set of this account and region, not the stack's own by ARN: the configuration set
        // references this topic, so naming it here would be a cycle.
        'aws:SourceArn': stack.formatArn({
          service: 'sms-voice',
          resource: 'configuration-set',
          resourceName: '*',
        }),
      },
    };

    this.key = new kms.Key(this, 'Key', {
      description:
        'okta-phone-mfa: delivery receipts topic (End User Messaging events, full destination numbers)',
      enableKeyRotation: true,
    });
    // The user guide's key policy for encrypted event destination topics: GenerateDataKey and Decrypt for the
    // service. Scoped to this account as the service's confused-deputy guidance recommends.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EndUserMessagingPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal(SMS_VOICE_PRINCIPAL)],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'okta-phone-mfa delivery receipts',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EndUserMessagingPublish',
        principals: [new iam.ServicePrincipal(SMS_VOICE_PRINCIPAL)],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromOurConfigurationSets,
      }),
    );
    this.topicPolicy = this.topic.node.findChild('Policy').node.defaultChild as sns.CfnTopicPolicy;

    const { table } = props.messagesTable;
    this.handler = new ServiceFunction(this, 'RecordDeliveryEvent', {
      entry: handlerEntries.recordDeliveryEvent,
      description: "Records End User Messaging's delivery receipts of OTP messages (SMS and voice)",
      // Off Okta's 3 s path: one UpdateItem per receipt, and at most one DLQ record.
      memorySize: 256,
      timeout: Duration.seconds(EVENT_FUNCTION_TIMEOUT_SECONDS['record-delivery-event']),
      logRetention: props.logRetention,
      environment: {
        MESSAGES_TABLE_NAME: table.tableName,
        DLQ_URL: props.deadLetterQueue.queueUrl,
      },
    });
    // Exactly the handler's calls: UpdateItem per receipt and GetItem (the item as it stands after a receipt already
    // recorded, and a DLQ claim's conflict) on the table itself (not its indexes), and SendMessage on the DLQ with what
    // SQS needs of a producer to encrypt with the queue's key (GenerateDataKey, Decrypt).
    this.handler.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [table.tableArn],
      }),
    );
    this.handler.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.deadLetterQueue.queueArn] }),
    );
    if (props.deadLetterQueue.encryptionMasterKey) {
      this.handler.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [props.deadLetterQueue.encryptionMasterKey.keyArn],
        }),
      );
    }

    this.topic.addSubscription(new subscriptions.LambdaSubscription(this.handler.function));
    // SNS invokes asynchronously: two retries, then the event goes to the failures queue instead of being dropped.
    this.handler.function.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(props.eventFailures),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
  }
}
