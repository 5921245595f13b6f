import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { NOTIFY_ARN, notifyConfigurationOf } from '../../../service/src/domain/notify.js';
import { handlerEntries } from '../bundling.js';
import { nagArn } from '../nag.js';
import { isSmsVoiceArn, type Settings } from '../settings.js';
import { type AbuseGuardTable, abuseGuardEnvironment } from './abuse-guard-table.js';
import { measuresConversion } from './conversion.js';
import type { MessagesTable } from './messages-table.js';
import type { ProviderProtection } from './provider-protection.js';
import { ServiceFunction } from './service-function.js';

/** The hook's Lambda timeout: the deadline plus room for a cold start's tail, far below API Gateway's 29 s. */
export function hookTimeout(deadlineMs: number): Duration {
  return Duration.seconds(Math.ceil(deadlineMs / 1000) + 3);
}

/** Every identity the settings name (default and countries, every channel). */
function configuredIdentities(
  settings: Pick<Settings, 'defaultOriginationIdentity' | 'originationIdentities'>,
) {
  return [settings.defaultOriginationIdentity, ...Object.values(settings.originationIdentities)]
    .flatMap((setting) =>
      setting && typeof setting === 'object' && !Array.isArray(setting)
        ? Object.values(setting).flat()
        : [setting ?? []].flat(),
    )
    .filter((identity): identity is string => Boolean(identity));
}

/**
 * The resources the hook may send from. When every configured identity is an ARN, exactly those (plus what each
 * send names, the configuration set and the protect configuration, and the opt-out lists, which SendTextMessage
 * also authorizes against). Phone numbers and sender ids written as such have no ARN known at synth, and
 * operators can re-route in the table at run time, so otherwise the grant is every origination identity of this
 * account and region — still only the two send actions.
 *
 * @param stack - the stack (its partition, region and account)
 * @param settings - deploy settings
 * @param named - ARNs every send names: the configuration set and the protect configuration
 */
function messagingResources(
  stack: Stack,
  settings: Pick<Settings, 'defaultOriginationIdentity' | 'originationIdentities'>,
  named: string[],
): { resources: string[]; accountWide: string[] } {
  const arn = (resource: string, resourceName: string) =>
    stack.formatArn({ service: 'sms-voice', resource, resourceName });
  // Notify configurations are sent through with their own actions (notifyResources).
  const identities = configuredIdentities(settings).filter((identity) => !notifyConfigurationOf(identity));
  // Opt-out lists are checked on every send and have no ARN in the settings; granting them does not widen who
  // the function can send from.
  if (identities.length > 0 && identities.every(isSmsVoiceArn)) {
    return {
      resources: [...new Set(identities), ...named, arn('opt-out-list', '*')],
      accountWide: ['opt-out-list'],
    };
  }
  const accountWide = ['phone-number', 'pool', 'sender-id', 'opt-out-list'];
  return { resources: [...accountWide.map((type) => arn(type, '*')), ...named], accountWide };
}

/**
 * The Notify configurations the hook may send through, or undefined when it needs none: the stack's own and those the
 * settings route to. A route naming one by id (`notify:nc-…`) has no ARN at synth, so then every Notify configuration
 * of the account and region (still only the two Notify send actions); named by ARN, exactly those.
 *
 * @param stack - the stack
 * @param settings - deploy settings
 * @param own - the stack's Notify configuration's ARN, if it made one
 */
function notifyResources(
  stack: Stack,
  settings: Pick<Settings, 'defaultOriginationIdentity' | 'originationIdentities'>,
  own: string | undefined,
): string[] | undefined {
  const routed = configuredIdentities(settings).filter((identity) => notifyConfigurationOf(identity));
  if (!own && routed.length === 0) return undefined;
  if (routed.some((identity) => !NOTIFY_ARN.test(identity))) {
    return [stack.formatArn({ service: 'sms-voice', resource: 'notify-configuration', resourceName: '*' })];
  }
  return [...new Set([...(own ? [own] : []), ...routed])];
}

/** Properties of {@link DeliveryFunction}. */
export interface DeliveryFunctionProps {
  /** Validated deploy settings: the hook reads sending, abuse guard and conversion settings. */
  readonly settings: Settings;
  /** Memory in MB. */
  readonly memorySize: number;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /** Templates and routing (`pk=config`), read with one Query per partition. */
  readonly templatesTable: dynamodb.ITable;
  /** Powertools idempotency records. */
  readonly idempotencyTable: dynamodb.ITable;
  /** The abuse guard's counters and lists. */
  readonly abuseTable: AbuseGuardTable;
  /** The stack's Notify configuration (`notify` setting), which the hook may send through. */
  readonly notifyConfigurationArn?: string;
  /** What became of each code: the hook writes the message item and the user's latest pointer. */
  readonly messagesTable: MessagesTable;
  /** Where redacted records of failed deliveries go. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The dead-letter queue's KMS key. */
  readonly deadLetterKey: kms.IKey;
  /** The HMAC key of the idempotency replay check, read once per cold start. */
  readonly fingerprintKeySecret: secretsmanager.ISecret;
  /** The KMS key the fingerprint secret is encrypted with: its policy lets the hook decrypt through Secrets Manager. */
  readonly fingerprintSecretKey: kms.IKey;
  /** The configuration set and protect configuration every send names. */
  readonly protection: ProviderProtection;
}

/**
 * The delivery function (`deliver-otp`, the telephony hook's integration): its environment, and exactly the grants
 * of the calls it makes, each scoped as narrowly as IAM allows, with the cdk-nag acknowledgement of every wildcard
 * it cannot avoid.
 *
 * A {@link ServiceFunction} itself, not a construct around one: the function keeps the path, and so the logical
 * ids, of a function created directly under the scope with the given id.
 */
export class DeliveryFunction extends ServiceFunction {
  constructor(scope: Construct, id: string, props: DeliveryFunctionProps) {
    const { settings, protection } = props;
    super(scope, id, {
      entry: handlerEntries.deliverOtp,
      description: 'Delivers Okta one-time passcodes by SMS or voice through AWS End User Messaging',
      memorySize: props.memorySize,
      timeout: hookTimeout(settings.deadlineMs),
      logRetention: props.logRetention,
      alias: { provisionedConcurrency: settings.provisionedConcurrency },
      environment: {
        TEMPLATES_TABLE_NAME: props.templatesTable.tableName,
        IDEMPOTENCY_TABLE_NAME: props.idempotencyTable.tableName,
        DLQ_URL: props.deadLetterQueue.queueUrl,
        FINGERPRINT_KEY_SECRET: props.fingerprintKeySecret.secretArn,
        DEADLINE_MS: String(settings.deadlineMs),
        TEMPLATES_MAX_AGE_SECONDS: '300',
        DEFAULT_LOCALE: 'en',
        CONFIGURATION_SET_NAME: protection.configurationSetName,
        PROTECT_CONFIGURATION_ID: protection.protectConfigurationId,
        ...(settings.maxPricePerMessage ? { MAX_PRICE_PER_MESSAGE: settings.maxPricePerMessage } : {}),
        ...(settings.defaultPhoneRegion ? { DEFAULT_PHONE_REGION: settings.defaultPhoneRegion } : {}),
        ...(settings.voiceFallback ? { VOICE_FALLBACK: 'true' } : {}),
        // The code's default is escalate: only the other policy is written.
        ...(settings.resendPolicy === 'same' ? { RESEND_POLICY: 'same' } : {}),
        // The stack's Notify configuration: its tier picks AWS's templates, and they are read at init.
        ...(settings.notify ? { NOTIFY_TIER: settings.notify.tier } : {}),
        ...(settings.carrierLookup === 'enrolment' ? { CARRIER_LOOKUP: 'enrolment' } : {}),
        ...(settings.refusedLineTypes.length > 0
          ? { REFUSED_LINE_TYPES: settings.refusedLineTypes.join(',') }
          : {}),
        ...abuseGuardEnvironment(settings.abuseGuard, props.abuseTable.table.tableName),
        // Each send asks for message feedback and is remembered here (message item and the user's latest pointer).
        MESSAGES_TABLE_NAME: props.messagesTable.table.tableName,
        // Feedback requests, prefixes and the sweep only where something marks codes used (Log Streaming, event hook).
        CONVERSION: String(measuresConversion(settings)),
        // No routing here: the templates table is its only source (seeded by the stack where absent). A copy in the
        // environment would route by the last deploy's rules, not the table's, whenever the table is unreachable.
      },
    });
    const stack = Stack.of(this);

    // Exactly the DynamoDB calls the hook makes, not grantReadData/grantReadWriteData (Scan, batch, stream and
    // DescribeTable too). Templates and routing: Powertools Parameters' getMultiple, one Query per partition
    // (adapters/templates.ts). Idempotency: Powertools' DynamoDB persistence layer (adapters/idempotency.ts) gets a
    // record, puts one conditionally, updates it with the answer and deletes it when the delivery throws. The abuse
    // guard: one UpdateItem per counter key and one Query of the lists (adapters/abuse-store.ts). The tables use
    // DynamoDB's own encryption key, so no KMS permission is needed.
    props.templatesTable.grant(this.function, 'dynamodb:Query');
    props.abuseTable.grantGuard(this.function);
    props.idempotencyTable.grant(
      this.function,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    );
    // Conditional UpdateItems per accepted send (the message item, the user's latest pointer and, for resends, the
    // user's last send), beside the idempotency update: never a whole-item Put that could undo a settlement. A resend
    // reads the last send and its message (GetItem) when resends escalate; with carrierLookup, a number's kept line
    // type is read (GetItem) and a new one written (UpdateItem). On the table only: not its indexes.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'dynamodb:UpdateItem',
          ...(settings.resendPolicy === 'escalate' || settings.carrierLookup === 'enrolment'
            ? ['dynamodb:GetItem']
            : []),
        ],
        resources: [props.messagesTable.table.tableArn],
      }),
    );
    // Exactly the DLQ write: SendMessage, and what SQS needs of a producer to encrypt with the queue's key
    // (GenerateDataKey, Decrypt; AWS's SQS key management docs). Not grantSendMessages: it adds GetQueueAttributes,
    // GetQueueUrl, Encrypt and ReEncrypt*, none of which the hook calls.
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.deadLetterQueue.queueArn] }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [props.deadLetterKey.keyArn],
      }),
    );
    // GetSecretValue on this secret (not DescribeSecret: the hook never calls it), and kms:Decrypt on its key through
    // Secrets Manager only (in the key's policy, as grantRead would put it).
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.fingerprintKeySecret.secretArn],
      }),
    );
    props.fingerprintSecretKey.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        principals: [this.role],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
      }),
    );
    const messaging = messagingResources(stack, settings, protection.sendResources);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sms-voice:SendTextMessage', 'sms-voice:SendVoiceMessage'],
        resources: messaging.resources,
      }),
    );
    // Line types from the carrier at enrolment: CarrierLookup has no resource type ("*").
    if (settings.carrierLookup === 'enrolment') {
      this.role.addToPolicy(
        new iam.PolicyStatement({ actions: ['sms-voice:CarrierLookup'], resources: ['*'] }),
      );
    }
    // AWS-managed senders: the stack's Notify configuration and any a route names, with the configuration set each
    // send names, and the templates (DescribeNotifyTemplates has no resource type: "*").
    const notify = notifyResources(stack, settings, props.notifyConfigurationArn);
    if (notify) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['sms-voice:SendNotifyTextMessage', 'sms-voice:SendNotifyVoiceMessage'],
          // The configuration set (a Notify send names no protect configuration: AWS applies its own).
          resources: [...notify, ...protection.sendResources.slice(0, 1)],
        }),
      );
      this.role.addToPolicy(
        new iam.PolicyStatement({ actions: ['sms-voice:DescribeNotifyTemplates'], resources: ['*'] }),
      );
    }
    const policy = this.role.node.findChild('DefaultPolicy');
    if (notify?.some((resource) => resource.endsWith('notify-configuration/*'))) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagArn(stack, 'sms-voice', 'notify-configuration/*')}]`,
        reason:
          'A route names a Notify configuration by id (notify:<id>), which has no ARN at synth, and operators re-route in the templates table at run time, so Notify configurations are granted account- and region-wide, for SendNotifyTextMessage/SendNotifyVoiceMessage only. Name them by ARN to scope it.',
      });
    }
    if (notify || settings.carrierLookup === 'enrolment') {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'sms-voice:DescribeNotifyTemplates and sms-voice:CarrierLookup have no resource type in the service authorization reference: "*" is the only resource they take.',
      });
    }
    for (const type of messaging.accountWide) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagArn(stack, 'sms-voice', `${type}/*`)}]`,
        reason:
          type === 'opt-out-list'
            ? 'End User Messaging also authorizes each send against the opt-out list of the identity, which the settings do not name; an opt-out list grants no sending identity, and only SendTextMessage/SendVoiceMessage are allowed.'
            : `Origination identities configured as phone numbers or sender ids have no ARN at synth and operators re-route in the templates table at run time, so ${type} is granted account- and region-wide, for SendTextMessage/SendVoiceMessage only. Configure identities as ARNs to scope it to them.`,
      });
    }
  }
}
