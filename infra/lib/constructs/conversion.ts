import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MESSAGES_TABLE } from '../../../service/src/domain/message-table.js';
import { OKTA_EVENT_TYPES } from '../../../service/src/domain/okta-log-event.js';
import { EVENT_FUNCTION_TIMEOUT_SECONDS } from '../../../service/src/function-timeouts.js';
import { handlerEntries } from '../bundling.js';
import { nagArn } from '../nag.js';
import type { LowConversionSettings } from '../settings.js';
import type { AbuseGuardTable } from './abuse-guard-table.js';
import type { HookApi } from './hook-api.js';
import type { MessagesTable } from './messages-table.js';
import { ServiceFunction } from './service-function.js';

/** The header the event hook secret travels in: WAF's logs already redact it (HookFirewall). */
export const EVENT_HOOK_HEADER = 'authorization';

/** How often the sweep runs: a code unused by its expiry is set FAILED within 10 minutes (two runs). */
export const SWEEP_RATE = Duration.minutes(5);

/** Whether the deployment measures conversion: Okta Log Streaming or the Okta event hook is configured. */
export function measuresConversion(settings: {
  oktaEventSourceName?: string;
  oktaEventHook: boolean;
}): boolean {
  return Boolean(settings.oktaEventSourceName) || settings.oktaEventHook;
}

/** The sweep's `LOW_CONVERSION_*` environment from the validated settings (always set, defaults included). */
export function lowConversionEnvironment(settings: LowConversionSettings): Record<string, string> {
  return {
    LOW_CONVERSION_MIN_SENDS: String(settings.minSends),
    LOW_CONVERSION_MAX_RATE: String(settings.maxRate),
    LOW_CONVERSION_DENY_HOURS: String(settings.denyHours),
  };
}

/** Properties of {@link OktaConversion}. */
export interface OktaConversionProps {
  /** Okta Log Streaming's partner event source; undefined = no event bus and no rule. */
  readonly oktaEventSourceName?: string;
  /** Whether to add the Okta event hook route (`GET`/`POST /okta-events`) and its secret. */
  readonly oktaEventHook: boolean;
  /** The telephony inline hook's Okta id: only its failures count as `OktaHookFailure`; undefined = every hook's. */
  readonly oktaTelephonyHookId?: string;
  /** The sweep's low-conversion thresholds. */
  readonly lowConversion: LowConversionSettings;
  /** The messages table. */
  readonly messagesTable: MessagesTable;
  /** The abuse guard's table: the sweep writes its low-conversion deny entries there (their partition only). */
  readonly abuseTable: AbuseGuardTable;
  /** The API the event hook route goes on. */
  readonly api: HookApi;
  /** Retention of the functions' log groups. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Where an event lands that its function still failed after the retries: an Okta event EventBridge could not hand
   * to the verification function (EventBridge's dead-letter queue), one the function itself failed on (Lambda's
   * on-failure destination), and a sweep run that failed.
   */
  readonly eventFailures: sqs.IQueue;
}

/**
 * Conversion: whether each code was used. Okta's System Log (Log Streaming through a partner event bus, or an Okta
 * event hook on the API) reaches `record-verification`, which marks the user's latest message RECEIVED with
 * PutMessageFeedback and counts what Okta logs about the hook failing; `sweep-messages` runs every 5 minutes,
 * sets messages whose code expired unused FAILED, and denies number prefixes with many sends and almost no
 * conversions through the abuse guard's deny list. Only created when conversion is measured
 * ({@link measuresConversion}): without a conversion signal every message would look unused.
 */
export class OktaConversion extends Construct {
  /** The verification function. */
  public readonly verification: ServiceFunction;
  /** The sweep function. */
  public readonly sweep: ServiceFunction;
  /** The partner event bus, with Log Streaming. */
  public readonly eventBus?: events.EventBus;
  /** The rule sending Okta's events to the verification function, with Log Streaming. */
  public readonly rule?: events.Rule;
  /** The event hook's header secret, with the event hook. */
  public readonly eventHookSecret?: secretsmanager.Secret;
  /** The event hook route's URL, with the event hook. */
  public readonly eventHookUrl?: string;
  /** The event hook methods, with the event hook. */
  public readonly eventHookMethods: apigateway.Method[] = [];

  constructor(scope: Construct, id: string, props: OktaConversionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { table } = props.messagesTable;
    const feedbackArn = stack.formatArn({ service: 'sms-voice', resource: 'message', resourceName: '*' });
    const feedbackFinding = `AwsSolutions-IAM5[Resource::${nagArn(stack, 'sms-voice', 'message/*')}]`;
    const feedbackReason =
      "PutMessageFeedback's resource is the message (arn:…:sms-voice:region:account:message/<MessageId>, the service authorization reference), and message ids exist only after each send: the grant is every message of this account and region, for PutMessageFeedback only.";

    if (props.oktaEventHook) {
      this.eventHookSecret = new secretsmanager.Secret(this, 'EventHookSecret', {
        description:
          'okta-phone-mfa: the Okta event hook header secret (enter it in Okta as the Authorization header value); read by record-verification',
        generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
        // Okta keeps its own copy; a new one is a new value here and in Okta.
        removalPolicy: RemovalPolicy.DESTROY,
      });
      Validations.of(this.eventHookSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          "Okta's event hook holds a copy of this header secret that Secrets Manager cannot update: a rotation would make Okta's calls fail until someone pasted the new value into Okta. Replace it by hand (a new value here, then in the event hook) if it is ever exposed.",
      });
    }

    this.verification = new ServiceFunction(this, 'RecordVerification', {
      entry: handlerEntries.recordVerification,
      description: "Marks OTP messages RECEIVED from Okta's MFA events and counts Okta's hook failures",
      memorySize: 256,
      timeout: Duration.seconds(EVENT_FUNCTION_TIMEOUT_SECONDS['record-verification']),
      logRetention: props.logRetention,
      environment: {
        MESSAGES_TABLE_NAME: table.tableName,
        ...(this.eventHookSecret
          ? { EVENT_HOOK_SECRET: this.eventHookSecret.secretArn, EVENT_HOOK_HEADER }
          : {}),
        ...(props.oktaTelephonyHookId ? { OKTA_TELEPHONY_HOOK_ID: props.oktaTelephonyHookId } : {}),
      },
    });
    // Exactly its calls: the user's latest-message pointer and the message (GetItem), the message's feedback
    // (UpdateItem), PutMessageFeedback, and the event hook secret.
    this.verification.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [table.tableArn],
      }),
    );
    this.verification.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sms-voice:PutMessageFeedback'], resources: [feedbackArn] }),
    );
    if (this.eventHookSecret) {
      this.verification.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [this.eventHookSecret.secretArn],
        }),
      );
    }
    Validations.of(this.verification.role.node.findChild('DefaultPolicy')).acknowledge({
      id: feedbackFinding,
      reason: feedbackReason,
    });

    // EventBridge invokes the function asynchronously: EventBridge's own retries and dead-letter queue cover only its
    // failures to invoke; a function error follows Lambda's async retries (two), then goes to the failures queue
    // instead of being dropped, where a lost verification would later read as an unused code.
    this.verification.function.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(props.eventFailures),
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
    });

    if (props.oktaEventSourceName) {
      // The bus takes the partner event source's name: Okta's log stream must exist (Pending) before the deploy.
      this.eventBus = new events.EventBus(this, 'OktaEventBus', {
        eventSourceName: props.oktaEventSourceName,
        description: 'okta-phone-mfa: Okta Log Streaming (System Log events)',
      });
      this.rule = new events.Rule(this, 'OktaEventsRule', {
        eventBus: this.eventBus,
        description: "Okta's MFA and inline hook events to record-verification",
        eventPattern: {
          source: [props.oktaEventSourceName],
          detail: { eventType: [...OKTA_EVENT_TYPES] },
        },
        targets: [
          new targets.LambdaFunction(this.verification.function, {
            // A verification is worth marking while the message's feedback record lives (an hour).
            maxEventAge: Duration.hours(1),
            retryAttempts: 8,
            deadLetterQueue: props.eventFailures,
          }),
        ],
      });
    }

    if (props.oktaEventHook) {
      const route = props.api.addEventHookRoute(this.verification.function);
      this.eventHookUrl = route.url;
      this.eventHookMethods = route.methods;
      for (const method of route.methods) {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            "Okta event hooks authenticate with a static header secret, not an OAuth token: record-verification compares the Authorization header with the Secrets Manager secret before reading the body, and answers Okta's one-time GET verification only then. The stage's WAF (IP allow-list, rate limit) is in front.",
        });
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-COG4',
          reason:
            'Okta, not Cognito, calls this route, with the event hook header secret that record-verification checks.',
        });
      }
    }

    this.sweep = new ServiceFunction(this, 'SweepMessages', {
      entry: handlerEntries.sweepMessages,
      description:
        'Sets OTP messages unused by their expiry FAILED and denies low-conversion number prefixes',
      memorySize: 256,
      // A run pages through the pending index: far less than the 5 minutes to the next one.
      timeout: Duration.seconds(EVENT_FUNCTION_TIMEOUT_SECONDS['sweep-messages']),
      logRetention: props.logRetention,
      environment: {
        MESSAGES_TABLE_NAME: table.tableName,
        ABUSE_TABLE_NAME: props.abuseTable.table.tableName,
        ...lowConversionEnvironment(props.lowConversion),
      },
    });
    // Exactly its calls: Query on the pending index only; GetItem and UpdateItem on messages and prefix counters;
    // PutMessageFeedback; PutItem of its own deny entries in the abuse guard's table (their partition only).
    this.sweep.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [props.messagesTable.indexArn(MESSAGES_TABLE.indexes.pending.name)],
      }),
    );
    this.sweep.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [table.tableArn],
      }),
    );
    props.abuseTable.grantLowConversionDenies(this.sweep.role);
    this.sweep.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sms-voice:PutMessageFeedback'], resources: [feedbackArn] }),
    );
    Validations.of(this.sweep.role.node.findChild('DefaultPolicy')).acknowledge({
      id: feedbackFinding,
      reason: feedbackReason,
    });

    // A failed run is not retried (the next run, 5 minutes later, picks up what it left: every message stays in the
    // index until its settlement is finished), but it is recorded in the failures queue and alarmed.
    this.sweep.function.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(props.eventFailures),
      retryAttempts: 0,
      maxEventAge: Duration.minutes(10),
    });

    new events.Rule(this, 'SweepSchedule', {
      description: 'okta-phone-mfa: settle OTP messages whose code expired unused',
      schedule: events.Schedule.rate(SWEEP_RATE),
      // The next run picks up what a failed one left: no retries piling onto it.
      targets: [new targets.LambdaFunction(this.sweep.function, { retryAttempts: 0 })],
    });
  }
}
