/**
 * The environment of each local function: the variables a deployed function gets from the CDK stack, with the local
 * stack's table names, endpoints and Okta, plus what only a local function needs (the stand-ins' endpoints, and
 * credentials of its own, `local-<function>`, by which the local IAM knows whose role a call runs under). One place, so that a test can hold it to the deployed environments (`infra/test/local-parity.test.ts`):
 * a variable the stack adds must be given here too, or be one whose code default is the deployed value.
 */
import { functionAccessKey } from './iam/local-iam.js';
import { LOCAL_TABLES } from './names.js';

/** The local functions, by their Lambda handler's name. */
export type LocalFunctionName =
  | 'authorize-hook'
  | 'deliver-otp'
  | 'record-delivery-event'
  | 'record-verification'
  | 'sweep-messages';

/** Where the local stack's parts are, and its Okta authorization server's values. */
export type LocalWiring = {
  /** The stack's port: End User Messaging, SQS and Secrets Manager stand-ins. */
  baseUrl: string;
  /** dynalite, in its own thread. */
  dynamoEndpoint: string;
  /** The local DLQ. */
  queueUrl: string;
  issuer: string;
  audience: string;
  scope: string;
  clientId: string;
  /** The Secrets Manager name of the hook's fingerprint key. */
  fingerprintKeySecret: string;
  /** The Okta event hook's header secret (`EVENT_HOOK_SECRET` of the verification function). */
  eventHookSecret: string;
  region: string;
};

/** Overrides per function (tests, `LocalStackOptions.env`). */
export type LocalEnvOverrides = Partial<
  Record<'authorizer' | 'hook' | 'receipts' | 'verification' | 'sweep', Record<string, string>>
>;

/**
 * Builds every local function's environment.
 *
 * @param wiring - the stack's endpoints and Okta
 * @param overrides - variables set on top, per function
 */
export function localFunctionEnvironments(
  wiring: LocalWiring,
  overrides: LocalEnvOverrides = {},
): Record<LocalFunctionName, Record<string, string>> {
  const { templates, idempotency, abuse, messages } = LOCAL_TABLES;
  const common = {
    AWS_REGION: wiring.region,
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: '',
    POWERTOOLS_SERVICE_NAME: 'okta-phone-mfa',
    POWERTOOLS_METRICS_NAMESPACE: 'OktaPhoneMfa',
    // As Lambda sets it: Powertools reports cold starts only for on-demand environments.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  };
  return {
    'authorize-hook': {
      ...common,
      AWS_ACCESS_KEY_ID: functionAccessKey('authorize-hook'),
      OKTA_ISSUER: wiring.issuer,
      OKTA_AUDIENCE: wiring.audience,
      REQUIRED_SCOPE: wiring.scope,
      ALLOWED_CLIENT_IDS: wiring.clientId,
      ...overrides.authorizer,
    },
    'deliver-otp': {
      ...common,
      AWS_ACCESS_KEY_ID: functionAccessKey('deliver-otp'),
      TEMPLATES_TABLE_NAME: templates,
      IDEMPOTENCY_TABLE_NAME: idempotency,
      ABUSE_TABLE_NAME: abuse,
      MESSAGES_TABLE_NAME: messages,
      DLQ_URL: wiring.queueUrl,
      DYNAMODB_ENDPOINT: wiring.dynamoEndpoint,
      SMS_VOICE_ENDPOINT: wiring.baseUrl,
      SQS_ENDPOINT: wiring.baseUrl,
      SECRETS_MANAGER_ENDPOINT: wiring.baseUrl,
      FINGERPRINT_KEY_SECRET: wiring.fingerprintKeySecret,
      DEADLINE_MS: '2500',
      TEMPLATES_MAX_AGE_SECONDS: '300',
      DEFAULT_LOCALE: 'en',
      // The stand-in's Notify configuration is the local stack's (its routes name it): AWS's templates read at init.
      NOTIFY_TIER: 'ADVANCED',
      ...overrides.hook,
    },
    'record-delivery-event': {
      ...common,
      AWS_ACCESS_KEY_ID: functionAccessKey('record-delivery-event'),
      MESSAGES_TABLE_NAME: messages,
      DLQ_URL: wiring.queueUrl,
      DYNAMODB_ENDPOINT: wiring.dynamoEndpoint,
      SQS_ENDPOINT: wiring.baseUrl,
      ...overrides.receipts,
    },
    'record-verification': {
      ...common,
      AWS_ACCESS_KEY_ID: functionAccessKey('record-verification'),
      MESSAGES_TABLE_NAME: messages,
      DYNAMODB_ENDPOINT: wiring.dynamoEndpoint,
      SMS_VOICE_ENDPOINT: wiring.baseUrl,
      SECRETS_MANAGER_ENDPOINT: wiring.baseUrl,
      EVENT_HOOK_SECRET: wiring.eventHookSecret,
      ...overrides.verification,
    },
    'sweep-messages': {
      ...common,
      AWS_ACCESS_KEY_ID: functionAccessKey('sweep-messages'),
      MESSAGES_TABLE_NAME: messages,
      ABUSE_TABLE_NAME: abuse,
      DYNAMODB_ENDPOINT: wiring.dynamoEndpoint,
      SMS_VOICE_ENDPOINT: wiring.baseUrl,
      ...overrides.sweep,
    },
  };
}
