import {
  ArnFormat,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Tags,
  Validations,
} from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ServiceOperations } from '../../dashboards/operations.js';
import { defaultTemplateItems, type TemplateItem } from '../../service/src/adapters/template-seed.js';
import { SERVICE_NAME } from '../../service/src/powertools/constants.js';
import { handlerEntries } from './bundling.js';
import { AbuseGuardTable, abuseGuardEnvironment } from './constructs/abuse-guard-table.js';
import { measuresConversion, OktaConversion } from './constructs/conversion.js';
import { DeliveryReceipts, RECEIPT_EVENT_TYPES } from './constructs/delivery-receipts.js';
import { EVENT_HOOK_PATH, HookApi } from './constructs/hook-api.js';
import { HookFirewall } from './constructs/hook-firewall.js';
import { MessagesTable } from './constructs/messages-table.js';
import { ProviderProtection } from './constructs/provider-protection.js';
import { ServiceFunction } from './constructs/service-function.js';
import { TemplatesSeed } from './constructs/templates-seed.js';
import { nagArn } from './nag.js';
import { isSmsVoiceArn, type Settings } from './settings.js';

/** Properties of {@link OktaPhoneMfaStack}. */
export interface OktaPhoneMfaStackProps extends StackProps {
  /** Validated deploy settings (see `readSettings`). */
  readonly settings: Settings;
  /**
   * Memory of the delivery function, in MB.
   * @default 512
   */
  readonly hookMemoryMb?: number;
  /**
   * Memory of the authorizer, in MB.
   * @default 256
   */
  readonly authorizerMemoryMb?: number;
}

/**
 * The routing config items (`pk=config`) from the deploy settings. They replace the repository defaults in what
 * the seeder writes, so a fresh table routes as configured; an existing item is still never overwritten.
 *
 * @param settings - deploy settings
 */
export function routingItems(settings: Settings): TemplateItem[] {
  return [
    ...(settings.defaultOriginationIdentity
      ? [
          {
            pk: 'config' as const,
            sk: 'defaultOriginationIdentity',
            value: settings.defaultOriginationIdentity,
          },
        ]
      : []),
    { pk: 'config', sk: 'originationIdentities', value: settings.originationIdentities },
    { pk: 'config', sk: 'allowedCountries', value: settings.allowedCountries },
  ];
}

/**
 * The countries with alarms of their own (sends above their band, codes not delivered): the allowed countries, or
 * with `["*"]` the countries the routing names. Sorted, so a reordered setting changes no alarm.
 *
 * @param settings - deploy settings
 */
export function alarmCountriesOf(
  settings: Pick<Settings, 'allowedCountries' | 'originationIdentities'>,
): string[] {
  const named = settings.allowedCountries.includes('*')
    ? Object.keys(settings.originationIdentities)
    : settings.allowedCountries;
  return [...new Set(named.map((country) => country.toUpperCase()))].sort();
}

/** The hook's Lambda timeout: the deadline plus room for a cold start's tail, far below API Gateway's 29 s. */
export function hookTimeout(deadlineMs: number): Duration {
  return Duration.seconds(Math.ceil(deadlineMs / 1000) + 3);
}

/**
 * The whole Okta telephony hook: WAF → API Gateway (TOKEN authorizer, validated body) → delivery Lambda →
 * DynamoDB templates and idempotency, End User Messaging, an encrypted DLQ; alarms, dashboard and saved queries.
 */
export class OktaPhoneMfaStack extends Stack {
  /** The URL to configure in Okta. */
  public readonly hookUrl: string;

  constructor(scope: Construct, id: string, props: OktaPhoneMfaStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const logRetention = settings.logRetentionDays as logs.RetentionDays;
    // CloudFormation's dashboard resource takes no tags (cfn-lint E3002).
    Tags.of(this).add('service', SERVICE_NAME, { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] });

    // --- Data -------------------------------------------------------------------------------------------------
    const templatesTable = new dynamodb.Table(this, 'TemplatesTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // Operators edit templates and routing in place: the table outlives the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const idempotencyTable = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(idempotencyTable).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        'Idempotency records live minutes (TTL on expiration) and are rebuilt by the next request; a point-in-time backup of them would restore only expired state.',
    });

    // The abuse guard's counters and the operators' allow and deny lists (retained: the lists are operator data).
    const abuseTable = new AbuseGuardTable(this, 'AbuseTable');

    // What became of each code after End User Messaging took it: receipts, feedback, prefix settlement counters.
    const messagesTable = new MessagesTable(this, 'MessagesTable');

    // Country rules at End User Messaging too, from the same settings, named on every send.
    const protection = new ProviderProtection(this, 'ProviderProtection', {
      allowedCountries: settings.allowedCountries,
      ...(settings.smsProtectMode ? { smsProtectMode: settings.smsProtectMode } : {}),
      ...(settings.configurationSetName ? { configurationSetName: settings.configurationSetName } : {}),
    });

    const dlqKey = new kms.Key(this, 'DeadLetterKey', {
      description: 'okta-phone-mfa: dead-letter queue of redacted failed-delivery records',
      enableKeyRotation: true,
    });
    const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dlqKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the terminal dead-letter store for failed OTP deliveries, reviewed with npm run dlq; nothing consumes it, so a queue behind it would never receive anything.',
    });

    // The HMAC key of the request fingerprint, the replay check Powertools stores with each idempotency record. An
    // unkeyed digest of a 6-digit code is reversed offline in a second; keyed, the table tells a reader nothing.
    const fingerprintSecretKey = new kms.Key(this, 'FingerprintSecretKey', {
      description: 'okta-phone-mfa: the fingerprint key secret (HMAC key of the idempotency replay check)',
      enableKeyRotation: true,
    });
    const fingerprintKeySecret = new secretsmanager.Secret(this, 'FingerprintKeySecret', {
      description:
        'okta-phone-mfa: HMAC key of the request fingerprint stored with idempotency records; read by the hook once per cold start',
      encryptionKey: fingerprintSecretKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      // It guards only idempotency records, which live minutes and go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(fingerprintKeySecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret is an HMAC key, not a credential: it never leaves the hook function and guards only idempotency records that expire with their OTP (minutes). Rotating it would make replays of in-flight records fail their check; replace the secret (a new value, then a deploy) if it is ever exposed.',
    });

    // --- Compute ----------------------------------------------------------------------------------------------
    // Memory buys CPU (1,769 MB is one vCPU). From `npm run bench` on one 2-core machine (README, Performance):
    // the hook's bundle (604 KB) loads in 71-83 ms and a warm delivery costs 5.4 ms p50 / 11.7 ms p99 on a whole
    // core, most of it waiting on DynamoDB and the provider. At 512 MB (~0.3 vCPU) that is roughly 0.25-0.3 s of
    // init and a few tens of ms of CPU per delivery: well inside the 2.5 s deadline, while a delivery's duration is
    // mostly End User Messaging's latency, which more memory does not shorten. The authorizer's bundle (63 KB)
    // loads in 37-39 ms and verifies a token in ~0.2 ms, once per token per 300 s of API Gateway's cache: 256 MB.
    const alias = { provisionedConcurrency: settings.provisionedConcurrency };
    const authorizer = new ServiceFunction(this, 'Authorizer', {
      entry: handlerEntries.authorizeHook,
      description: "Verifies Okta's OAuth 2.0 access token for the telephony hook",
      memorySize: props.authorizerMemoryMb ?? 256,
      timeout: Duration.seconds(5),
      logRetention,
      alias,
      environment: {
        OKTA_ISSUER: settings.oktaIssuer,
        OKTA_AUDIENCE: settings.oktaAudience,
        REQUIRED_SCOPE: settings.requiredScope,
        // Always set: the client ids, or `*` when the deployment spelled out any client (["*"]).
        ALLOWED_CLIENT_IDS: settings.allowedClientIds.join(','),
        JWT_ALGORITHMS: 'RS256',
        JWKS_TIMEOUT_MS: '1500',
        JWKS_COOLDOWN_MS: '2000',
      },
    });

    const hook = new ServiceFunction(this, 'DeliverOtp', {
      entry: handlerEntries.deliverOtp,
      description: 'Delivers Okta one-time passcodes by SMS or voice through AWS End User Messaging',
      memorySize: props.hookMemoryMb ?? 512,
      timeout: hookTimeout(settings.deadlineMs),
      logRetention,
      alias,
      environment: {
        TEMPLATES_TABLE_NAME: templatesTable.tableName,
        IDEMPOTENCY_TABLE_NAME: idempotencyTable.tableName,
        DLQ_URL: deadLetterQueue.queueUrl,
        FINGERPRINT_KEY_SECRET: fingerprintKeySecret.secretArn,
        DEADLINE_MS: String(settings.deadlineMs),
        TEMPLATES_MAX_AGE_SECONDS: '300',
        DEFAULT_LOCALE: 'en',
        CONFIGURATION_SET_NAME: protection.configurationSetName,
        PROTECT_CONFIGURATION_ID: protection.protectConfigurationId,
        ...(settings.maxPricePerMessage ? { MAX_PRICE_PER_MESSAGE: settings.maxPricePerMessage } : {}),
        ...(settings.defaultPhoneRegion ? { DEFAULT_PHONE_REGION: settings.defaultPhoneRegion } : {}),
        ...(settings.voiceFallback ? { VOICE_FALLBACK: 'true' } : {}),
        ...abuseGuardEnvironment(settings.abuseGuard, abuseTable.table.tableName),
        // Each send asks for message feedback and is remembered here (message item and the user's latest pointer).
        MESSAGES_TABLE_NAME: messagesTable.table.tableName,
        // Feedback requests, prefixes and the sweep only where something marks codes used (Log Streaming, event hook).
        CONVERSION: String(measuresConversion(settings)),
        // No routing here: the templates table is its only source (seeded below where absent). A copy in the
        // environment would route by the last deploy's rules, not the table's, whenever the table is unreachable.
      },
    });

    // Exactly the DynamoDB calls the hook makes, not grantReadData/grantReadWriteData (Scan, batch, stream and
    // DescribeTable too). Templates and routing: Powertools Parameters' getMultiple, one Query per partition
    // (adapters/templates.ts). Idempotency: Powertools' DynamoDB persistence layer (adapters/idempotency.ts) gets a
    // record, puts one conditionally, updates it with the answer and deletes it when the delivery throws. The abuse
    // guard: one UpdateItem per counter key and one Query of the lists (adapters/abuse-store.ts). The tables use
    // DynamoDB's own encryption key, so no KMS permission is needed.
    templatesTable.grant(hook.function, 'dynamodb:Query');
    abuseTable.grantGuard(hook.function);
    idempotencyTable.grant(
      hook.function,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    );
    // Two conditional UpdateItems per accepted send (the message item and the user's latest pointer), beside the
    // idempotency update: never a whole-item Put that could undo a settlement. On the table only: not its indexes.
    hook.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [messagesTable.table.tableArn],
      }),
    );
    // Exactly the DLQ write: SendMessage, and what SQS needs of a producer to encrypt with the queue's key
    // (GenerateDataKey, Decrypt; AWS's SQS key management docs). Not grantSendMessages: it adds GetQueueAttributes,
    // GetQueueUrl, Encrypt and ReEncrypt*, none of which the hook calls.
    hook.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deadLetterQueue.queueArn] }),
    );
    hook.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [dlqKey.keyArn],
      }),
    );
    // GetSecretValue on this secret (not DescribeSecret: the hook never calls it), and kms:Decrypt on its key through
    // Secrets Manager only (in the key's policy, as grantRead would put it).
    hook.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [fingerprintKeySecret.secretArn],
      }),
    );
    fingerprintSecretKey.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        principals: [hook.role],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${this.region}.amazonaws.com` } },
      }),
    );
    const messaging = this.messagingResources(settings, protection.sendResources);
    hook.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sms-voice:SendTextMessage', 'sms-voice:SendVoiceMessage'],
        resources: messaging.resources,
      }),
    );
    const hookPolicy = hook.role.node.findChild('DefaultPolicy');
    for (const type of messaging.accountWide) {
      Validations.of(hookPolicy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagArn(this, 'sms-voice', `${type}/*`)}]`,
        reason:
          type === 'opt-out-list'
            ? 'End User Messaging also authorizes each send against the opt-out list of the identity, which the settings do not name; an opt-out list grants no sending identity, and only SendTextMessage/SendVoiceMessage are allowed.'
            : `Origination identities configured as phone numbers or sender ids have no ARN at synth and operators re-route in the templates table at run time, so ${type} is granted account- and region-wide, for SendTextMessage/SendVoiceMessage only. Configure identities as ARNs to scope it to them.`,
      });
    }

    // Delivery receipts: the configuration set publishes SMS and voice events to a topic the receipt handler reads.
    // Receipts and Okta events their functions still failed after the retries of Lambda and EventBridge. The records
    // are the events as AWS and Okta sent them (a receipt names the destination number), so SQS-managed encryption,
    // which EventBridge can write to, and 4 days: long enough for a weekend, no archive.
    const eventFailures = new sqs.Queue(this, 'EventFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
    });
    Validations.of(eventFailures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself the terminal store of receipts and Okta events their functions could not process (Lambda's on-failure destination, EventBridge's dead-letter queue); nothing consumes it automatically.",
    });
    const receipts = new DeliveryReceipts(this, 'Receipts', {
      messagesTable,
      deadLetterQueue,
      eventFailures,
      logRetention,
    });
    const conversionMeasured = measuresConversion(settings);
    const receiptsWired = protection.publishEventsTo(
      receipts.topic.topicArn,
      RECEIPT_EVENT_TYPES,
      conversionMeasured,
      receipts.topicPolicy,
    );

    new TemplatesSeed(this, 'TemplatesSeed', {
      table: templatesTable,
      items: [...defaultTemplateItems().filter((item) => item.pk !== 'config'), ...routingItems(settings)],
      logRetention,
    });

    // --- Edge -------------------------------------------------------------------------------------------------
    const operationsKey = new kms.Key(this, 'OperationsKey', {
      description: 'okta-phone-mfa: alarm topic, WAF logs and API Gateway execution logs',
      enableKeyRotation: true,
    });
    const api = new HookApi(this, 'HookApi', {
      authorizer: authorizer.alias!,
      hook: hook.alias!,
      logRetention,
      logKey: operationsKey,
    });
    this.hookUrl = api.hookUrl;

    // Conversion: Okta's MFA events (Log Streaming or the event hook route) and the sweep, when configured.
    const conversion = conversionMeasured
      ? new OktaConversion(this, 'Conversion', {
          ...(settings.oktaEventSourceName ? { oktaEventSourceName: settings.oktaEventSourceName } : {}),
          oktaEventHook: settings.oktaEventHook,
          ...(settings.oktaTelephonyHookId ? { oktaTelephonyHookId: settings.oktaTelephonyHookId } : {}),
          lowConversion: settings.lowConversion,
          messagesTable,
          abuseTable,
          api,
          logRetention,
          eventFailures,
        })
      : undefined;
    Validations.of(api.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        "Okta, not Cognito, is the identity provider: the TOKEN authorizer verifies Okta's OAuth 2.0 access tokens (issuer, audience, scope, client, signature against Okta's JWKS).",
    });
    Validations.of(api.api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "API Gateway's account-level CloudWatch role: AWS's managed policy for it is the documented way to let API Gateway write execution and access logs.",
    });

    operationsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsEncryptWafLogs',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': this.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: 'aws-waf-logs-*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    operationsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    const firewall = new HookFirewall(this, 'Firewall', {
      stageArn: api.stage.stageArn,
      ipAllowList: settings.oktaIpAllowList,
      // Okta's event hook batches System Log events: the hook's 8 KB body limit is not for them.
      ...(settings.oktaEventHook ? { eventHookPath: EVENT_HOOK_PATH } : {}),
      logKey: operationsKey,
      logRetention,
    });

    // --- Operations -------------------------------------------------------------------------------------------
    const alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'okta-phone-mfa alarms',
      masterKey: operationsKey,
      enforceSSL: true,
    });
    if (settings.alarmEmail)
      alarmTopic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));

    const operations = new ServiceOperations(this, 'Operations', {
      alarmTopic,
      trafficAlarm: settings.trafficAlarm,
      // The allowed countries, or with ["*"] those the routing names: each gets its own sends band and receipts alarm.
      alarmCountries: alarmCountriesOf(settings),
      signals: {
        hookFunction: hook.function,
        authorizerFunction: authorizer.function,
        hookLogGroup: hook.logGroup,
        authorizerLogGroup: authorizer.logGroup,
        accessLogGroup: api.accessLogGroup,
        stage: api.stage,
        deadLetterQueue,
        eventFailures,
        templatesTable,
        idempotencyTable,
        abuseTable: abuseTable.table,
        messagesTable: messagesTable.table,
        receiptsLogGroup: receipts.handler.logGroup,
        receiptsFunction: receipts.handler.function,
        receiptsWired,
        ...(conversion
          ? {
              conversion: {
                verificationLogGroup: conversion.verification.logGroup,
                sweepLogGroup: conversion.sweep.logGroup,
                verificationFunction: conversion.verification.function,
                sweepFunction: conversion.sweep.function,
              },
            }
          : {}),
        webAclName: firewall.webAclName,
        deadlineMs: settings.deadlineMs,
      },
    });

    // --- Outputs ----------------------------------------------------------------------------------------------
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output(
      'HookUrl',
      api.hookUrl,
      'The telephony inline hook URL to enter in Okta (Workflow → Inline Hooks)',
    );
    output('TemplatesTableName', templatesTable.tableName, 'npm run templates -- --table <this>');
    output('IdempotencyTableName', idempotencyTable.tableName, 'Powertools idempotency records (TTL)');
    output(
      'AbuseTableName',
      abuseTable.table.tableName,
      'Abuse guard counters and allow/deny lists: npm run abuse -- --table <this>',
    );
    output(
      'ConfigurationSetName',
      protection.configurationSetName,
      'End User Messaging configuration set every send names',
    );
    output(
      'ProtectConfigurationId',
      protection.protectConfigurationId,
      'End User Messaging protect configuration (country rules) every send names',
    );
    output('DeadLetterQueueUrl', deadLetterQueue.queueUrl, 'npm run dlq -- --queue-url <this>');
    output(
      'EventFailuresQueueUrl',
      eventFailures.queueUrl,
      'Receipts and Okta events their functions could not process (runbook: Events not processed)',
    );
    output(
      'MessagesTableName',
      messagesTable.table.tableName,
      'What became of each code (receipts, feedback): npm run trace -- --table <this>',
    );
    output(
      'ReceiptsTopicArn',
      receipts.topic.topicArn,
      'Delivery receipts topic: with your own configurationSetName, add an SNS event destination (TEXT_ALL, VOICE_ALL) for it',
    );
    if (conversion?.eventBus) {
      output('OktaEventBusName', conversion.eventBus.eventBusName, 'Partner event bus of Okta Log Streaming');
    }
    if (conversion?.eventHookUrl && conversion.eventHookSecret) {
      output('OktaEventHookUrl', conversion.eventHookUrl, 'The Okta event hook URL (Workflow → Event Hooks)');
      output(
        'OktaEventHookSecretArn',
        conversion.eventHookSecret.secretArn,
        "The event hook's Authorization header value, to enter in Okta",
      );
    }
    output(
      'FingerprintKeySecretArn',
      fingerprintKeySecret.secretArn,
      'HMAC key of the idempotency replay check (read by the hook only)',
    );
    output('AlarmTopicArn', alarmTopic.topicArn, 'Subscribe on-call here (e-mail, chat, pager)');
    output(
      'DashboardUrl',
      `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${operations.dashboard.dashboardName}`,
      'The on-call dashboard',
    );
    output('HookFunctionName', hook.function.functionName, 'Delivery Lambda');
    output('AuthorizerFunctionName', authorizer.function.functionName, 'Authorizer Lambda');
    output('WebAclArn', firewall.webAcl.attrArn, 'WAF web ACL in front of the API');
    output('WafLogGroupName', firewall.logGroup.logGroupName, 'WAF logs (Authorization redacted)');
  }

  /**
   * The resources the hook may send from. When every configured identity is an ARN, exactly those (plus what each
   * send names, the configuration set and the protect configuration, and the opt-out lists, which SendTextMessage
   * also authorizes against). Phone numbers and sender ids written as such have no ARN known at synth, and
   * operators can re-route in the table at run time, so otherwise the grant is every origination identity of this
   * account and region — still only the two send actions.
   *
   * @param settings - deploy settings
   * @param named - ARNs every send names: the configuration set and the protect configuration
   */
  private messagingResources(
    settings: Settings,
    named: string[],
  ): { resources: string[]; accountWide: string[] } {
    const arn = (resource: string, resourceName: string) =>
      this.formatArn({ service: 'sms-voice', resource, resourceName });
    const identities = [settings.defaultOriginationIdentity, ...Object.values(settings.originationIdentities)]
      .flatMap((setting) =>
        // One identity, an ordered list, or per channel either of those.
        setting && typeof setting === 'object' && !Array.isArray(setting)
          ? Object.values(setting).flat()
          : [setting ?? []].flat(),
      )
      .filter((identity): identity is string => Boolean(identity));
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
}
