/**
 * The local stack runs each function with the configuration a default deployment gives it: every variable the CDK
 * stack sets is either set by the local stack too (a table, the DLQ, Okta: with local values), or one whose code
 * default is the deployed value, or one that only AWS has. The configuration loaders decide: the local
 * environment with the deployed literal values laid over it must load to the very configuration the local
 * environment loads to alone. A setting the stack starts passing (or a default that changes on one side only) fails
 * here rather than as a local stack that behaves unlike production.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type LocalFunctionName, localFunctionEnvironments } from '../../service/local/function-env.js';
import {
  loadAuthorizerConfig,
  loadHookConfig,
  loadReceiptConfig,
  loadSweepConfig,
  loadVerificationConfig,
} from '../../service/src/config.js';
import { functionByPath, type Synth, synthStack } from './helpers.js';

/** Variables only a deployment has: resources the local stack does without. */
const AWS_ONLY: Record<LocalFunctionName, readonly string[]> = {
  'authorize-hook': [],
  // The configuration set (receipts come from the stand-in) and the protect configuration (country rules at the
  // provider; the hook's own allow-list applies locally too).
  'deliver-otp': ['CONFIGURATION_SET_NAME', 'PROTECT_CONFIGURATION_ID'],
  'record-delivery-event': [],
  // The event hook route's secret: locally, Okta's events come through POST /_local/okta-events.
  'record-verification': ['EVENT_HOOK_SECRET', 'EVENT_HOOK_HEADER'],
  'sweep-messages': [],
};

/** Lambda's own, not the service's. */
const RUNTIME = new Set(['NODE_OPTIONS']);

/** Settings whose value is each deployment's own (its Okta org): set locally to the local Okta's, like a table. */
const OWN_VALUES = new Set(['OKTA_ISSUER', 'OKTA_AUDIENCE', 'REQUIRED_SCOPE', 'ALLOWED_CLIENT_IDS']);

const FUNCTIONS: Array<[LocalFunctionName, string, (env: Record<string, string>) => unknown]> = [
  ['authorize-hook', '/Authorizer/', loadAuthorizerConfig],
  ['deliver-otp', '/DeliverOtp/', loadHookConfig],
  ['record-delivery-event', '/Receipts/RecordDeliveryEvent/', loadReceiptConfig],
  ['record-verification', '/Conversion/RecordVerification/', loadVerificationConfig],
  ['sweep-messages', '/Conversion/SweepMessages/', loadSweepConfig],
];

const local = localFunctionEnvironments({
  baseUrl: 'http://127.0.0.1:3000',
  dynamoEndpoint: 'http://127.0.0.1:3001',
  queueUrl: 'http://127.0.0.1:3000/000000000000/okta-phone-mfa-dlq',
  issuer: 'http://127.0.0.1:3000/oauth2/default',
  audience: 'api://okta-phone-mfa',
  scope: 'phone-mfa.send',
  clientId: '0oaLocalOktaHookClient',
  fingerprintKeySecret: 'okta-phone-mfa/fingerprint-key',
  eventHookSecret: 'okta-phone-mfa/event-hook-secret',
  region: 'us-east-1',
});

let deployed: Synth;

beforeAll(() => {
  // A default deployment, with conversion measured (the local stack always measures it).
  deployed = synthStack({ oktaEventHook: true });
});

describe('the local stack against a default deployment', () => {
  it.each(FUNCTIONS)(
    'gives %s every variable a deployment does, with the same configuration',
    (name, path, load) => {
      // Prepare
      const variables = functionByPath(deployed, path).props.Environment.Variables as Record<string, unknown>;
      const literals = Object.fromEntries(
        Object.entries(variables).filter(
          (entry): entry is [string, string] =>
            typeof entry[1] === 'string' && !RUNTIME.has(entry[0]) && !OWN_VALUES.has(entry[0]),
        ),
      );
      const resources = Object.keys(variables).filter(
        (key) => typeof variables[key] !== 'string' || OWN_VALUES.has(key),
      );

      // Assess: resources (tokens) and the Okta org's values are set locally, with local values, unless only AWS has them
      expect(resources.filter((key) => !(key in local[name]) && !AWS_ONLY[name].includes(key))).toEqual([]);
      // Assess: the deployed literal values change nothing in the local configuration
      const awsOnly = Object.fromEntries(
        Object.entries(literals).filter(([key]) => AWS_ONLY[name].includes(key)),
      );
      const laid = { ...local[name], ...literals };
      for (const key of Object.keys(awsOnly)) delete laid[key];
      expect(load(laid)).toEqual(load(local[name]));
    },
  );
});
