import {
  Annotations,
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
import {
  type IdentityList,
  isVoiceCapable,
  MAX_IDENTITIES_PER_CHANNEL,
  type OriginationIdentitySetting,
} from '../../service/src/domain/routing.js';
import { SERVICE_NAME } from '../../service/src/powertools/constants.js';
import { AbuseGuardTable } from './constructs/abuse-guard-table.js';
import { AuthorizerFunction } from './constructs/authorizer-function.js';
import { measuresConversion, OktaConversion } from './constructs/conversion.js';
import { DeliveryFunction } from './constructs/delivery-function.js';
import { DeliveryReceipts, RECEIPT_EVENT_TYPES } from './constructs/delivery-receipts.js';
import { EVENT_HOOK_PATH, HookApi } from './constructs/hook-api.js';
import { HookFirewall } from './constructs/hook-firewall.js';
import { MessagesTable } from './constructs/messages-table.js';
import { NotifySenders } from './constructs/notify-senders.js';
import { ProviderProtection } from './constructs/provider-protection.js';
import { TemplatesSeed } from './constructs/templates-seed.js';
import { MAX_ALARM_COUNTRIES, type Settings } from './settings.js';

// It moved with the delivery function; still exported from here, where it was.
export { hookTimeout } from './constructs/delivery-function.js';

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
 * A route's identities with the stack's Notify configuration added last, for each channel it enables, where the
 * list has room ({@link MAX_IDENTITIES_PER_CHANNEL}). A list for both channels stays one list when Notify serves
 * both; else it is split per channel. A route without identities gets the configuration alone.
 */
function withNotifyLast(
  setting: OriginationIdentitySetting | undefined,
  identity: string,
  channels: readonly string[],
): OriginationIdentitySetting {
  const sms = channels.includes('SMS');
  const voice = channels.includes('VOICE');
  const append = (list: IdentityList | undefined): IdentityList | undefined => {
    if (list === undefined) return undefined;
    const items = [list].flat();
    return items.length < MAX_IDENTITIES_PER_CHANNEL && !items.includes(identity)
      ? [...items, identity]
      : list;
  };
  if (setting === undefined) return sms && voice ? identity : sms ? { sms: identity } : { voice: identity };
  if (typeof setting === 'string' || Array.isArray(setting)) {
    if (sms && voice) return append(setting) as IdentityList;
    const voiceList = [setting].flat().filter(isVoiceCapable);
    return {
      sms: (sms ? append(setting) : setting) as IdentityList,
      ...(voiceList.length > 0 ? { voice: (voice ? append(voiceList) : voiceList) as IdentityList } : {}),
    };
  }
  return {
    ...setting,
    ...(sms && setting.sms !== undefined ? { sms: append(setting.sms) as IdentityList } : {}),
    ...(voice && setting.voice !== undefined ? { voice: append(setting.voice) as IdentityList } : {}),
  };
}

/**
 * The routing config items (`pk=config`) from the deploy settings. They replace the repository defaults in what
 * the seeder writes, so a fresh table routes as configured; an existing item is still never overwritten. With the
 * stack's Notify configuration (`notify.route: last`), it is each route's last failover: the default's, and each
 * country's that the configuration enables.
 *
 * @param settings - deploy settings
 * @param notifyIdentity - the stack's Notify configuration, as routes name it (`notify:<id>`)
 */
export function routingItems(settings: Settings, notifyIdentity?: string): TemplateItem[] {
  const notify = notifyIdentity && settings.notify?.route === 'last' ? settings.notify : undefined;
  const defaultIdentity =
    notify && notifyIdentity
      ? withNotifyLast(settings.defaultOriginationIdentity, notifyIdentity, notify.channels)
      : settings.defaultOriginationIdentity;
  const countries =
    notify && notifyIdentity
      ? Object.fromEntries(
          Object.entries(settings.originationIdentities).map(([country, setting]) => [
            country,
            notify.countries.includes(country)
              ? withNotifyLast(setting, notifyIdentity, notify.channels)
              : setting,
          ]),
        )
      : settings.originationIdentities;
  return [
    ...(defaultIdentity
      ? [{ pk: 'config' as const, sk: 'defaultOriginationIdentity', value: defaultIdentity }]
      : []),
    { pk: 'config', sk: 'originationIdentities', value: countries },
    { pk: 'config', sk: 'allowedCountries', value: settings.allowedCountries },
  ];
}

/**
 * The countries with alarms of their own (sends above their band, codes not delivered): `alarmCountries`, else the
 * allowed countries, or with `["*"]` the countries the routing names, when there are at most
 * {@link MAX_ALARM_COUNTRIES} of them; else none (the totals' alarms still watch every country). Sorted, so a
 * reordered setting changes no alarm.
 *
 * @param settings - deploy settings
 */
export function alarmCountriesOf(
  settings: Pick<Settings, 'allowedCountries' | 'originationIdentities' | 'alarmCountries'>,
): string[] {
  if (settings.alarmCountries.length > 0) return [...settings.alarmCountries].sort();
  const named = settings.allowedCountries.includes('*')
    ? Object.keys(settings.originationIdentities)
    : settings.allowedCountries;
  const countries = [...new Set(named.map((country) => country.toUpperCase()))].sort();
  return countries.length > MAX_ALARM_COUNTRIES ? [] : countries;
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
    const authorizer = new AuthorizerFunction(this, 'Authorizer', {
      settings,
      memorySize: props.authorizerMemoryMb ?? 256,
      logRetention,
    });
    // The hook, with its environment and exactly the grants of the calls it makes (DeliveryFunction).
    // AWS-managed senders, when asked for: the routes' last failover, or the only route of an org with no numbers yet.
    const notify = settings.notify
      ? new NotifySenders(this, 'NotifySenders', { settings: settings.notify })
      : undefined;
    const hook = new DeliveryFunction(this, 'DeliverOtp', {
      settings,
      ...(notify ? { notifyConfigurationArn: notify.arn } : {}),
      memorySize: props.hookMemoryMb ?? 512,
      logRetention,
      templatesTable,
      idempotencyTable,
      abuseTable,
      messagesTable,
      deadLetterQueue,
      deadLetterKey: dlqKey,
      fingerprintKeySecret,
      fingerprintSecretKey,
      protection,
    });

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
      items: [
        ...defaultTemplateItems().filter((item) => item.pk !== 'config'),
        ...routingItems(settings, notify?.identity),
      ],
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

    const alarmCountries = alarmCountriesOf(settings);
    if (alarmCountries.length === 0) {
      Annotations.of(this).addWarningV2(
        'okta-phone-mfa:alarm-countries',
        `More than ${MAX_ALARM_COUNTRIES} countries: no per-country alarms (only the totals'). Name the ones you send most to with -c alarmCountries='["US","GB"]'.`,
      );
    }
    const operations = new ServiceOperations(this, 'Operations', {
      alarmTopic,
      trafficAlarm: settings.trafficAlarm,
      // Each gets its own sends band and receipts alarm.
      alarmCountries,
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
                logStreaming: settings.oktaEventSourceName !== undefined,
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
    // What the authorizer trusts: npm run okta:connect compares them with Okta's token to explain a refusal.
    if (notify) {
      output(
        'NotifyConfigurationId',
        notify.id,
        'The Notify configuration (AWS-managed senders): route it as notify:<id> (npm run templates)',
      );
    }
    output('OktaIssuer', settings.oktaIssuer, 'The issuer the authorizer trusts (oktaIssuer)');
    output('OktaAudience', settings.oktaAudience, 'The audience the authorizer expects (oktaAudience)');
    output('RequiredScope', settings.requiredScope, 'The scope the authorizer requires (requiredScope)');
    output(
      'AllowedClientIds',
      settings.allowedClientIds.join(','),
      'The clients the authorizer allows (allowedClientIds)',
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
}
