/**
 * Principle: verify the committed pacts against the real thing. The test starts the local stack (the real
 * authorizer and delivery handlers behind the local API Gateway, End User Messaging and SQS stand-ins, dynalite) and
 * replays every interaction Okta and the `dlq` tool pinned. Provider states are set up through the stack's own
 * routes and tables; a request filter swaps the pact's sample token for a fresh one from the stack's authorization
 * server, so the authorizer verifies a real signature. The DLQ message is produced the way production produces it:
 * a failed delivery through `POST /hook`, read back from the local dead-letter queue.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type MessageProviders, Verifier, type VerifierOptions } from '@pact-foundation/pact';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../service/local/dynalite.js';
import { type LocalStack, startLocalStack } from '../../service/local/stack.js';
import { loadFixture, type OktaHookRequestFixture } from '../fixtures/index.js';
import {
  committedPactsDir,
  DLQ_PACT_FILE,
  logsDir,
  MASKED_PHONE,
  OKTA_PACT_FILE,
  PACTICIPANTS,
  PROVIDER_STATES,
} from '../pact-settings.js';
import { fetchAccessToken, freshTokenFilter, stateHandlers } from './provider-states.js';

let stack: LocalStack;
let db: DynamoDBClient;

beforeAll(async () => {
  mkdirSync(logsDir, { recursive: true });
  stack = await startLocalStack({
    port: 0,
    // Templates are read on every request, so a state handler's table change applies at once.
    // Line types from the carrier at enrolment, refusing numbers no carrier serves as a phone (a state names it).
    env: {
      hook: {
        TEMPLATES_MAX_AGE_SECONDS: '0',
        CARRIER_LOOKUP: 'enrolment',
        REFUSED_LINE_TYPES: 'INVALID,OTHER',
      },
    },
    ...(process.env.LOCAL_STACK_LOGS === '1'
      ? { log: (line: string) => console.log(line), pretty: true }
      : {}),
  });
  db = localDynamoClient(stack.dynamoEndpoint);
});

afterAll(async () => {
  db?.destroy();
  await stack?.close();
});

/** Where the pacts come from: the committed files, or the broker when publishing verification results. */
function pactSource(file: string): Partial<VerifierOptions> {
  const brokerUrl = process.env.PACT_BROKER_BASE_URL;
  if (!brokerUrl || process.env.PACT_PUBLISH_VERIFICATION_RESULTS !== 'true') {
    return { pactUrls: [join(committedPactsDir, file)] };
  }
  const version =
    process.env.GIT_COMMIT ??
    process.env.GITHUB_SHA ??
    execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  return {
    pactBrokerUrl: brokerUrl,
    ...(process.env.PACT_BROKER_TOKEN ? { pactBrokerToken: process.env.PACT_BROKER_TOKEN } : {}),
    ...(process.env.PACT_BROKER_USERNAME
      ? {
          pactBrokerUsername: process.env.PACT_BROKER_USERNAME,
          pactBrokerPassword: process.env.PACT_BROKER_PASSWORD ?? '',
        }
      : {}),
    consumerVersionSelectors: [{ mainBranch: true }, { deployedOrReleased: true }],
    publishVerificationResult: true,
    providerVersion: version,
    ...(process.env.GIT_BRANCH ? { providerVersionBranch: process.env.GIT_BRANCH } : {}),
  };
}

const common = (file: string): VerifierOptions => ({
  provider: PACTICIPANTS.provider,
  logLevel: 'warn',
  // Pact's native core opens its log once per process: both verifications write here.
  logFile: join(logsDir, 'provider-verification.log'),
  failIfNoPactsFound: true,
  ...pactSource(file),
});

/** States named by a committed pact file. */
function statesIn(file: string): string[] {
  const pact = JSON.parse(readFileSync(join(committedPactsDir, file), 'utf8')) as {
    interactions: Array<{ providerStates?: Array<{ name: string }> }>;
  };
  return pact.interactions.flatMap((i) => (i.providerStates ?? []).map((s) => s.name));
}

/**
 * What a delivery failure dead-letters, produced for real: Okta's documented voice call request, with its real
 * code and full number, sent through the stack while the messaging provider fails.
 */
async function deadLetterOfFailedDelivery(): Promise<{
  record: Record<string, unknown>;
  sent: OktaHookRequestFixture;
}> {
  const sent = loadFixture('request-call-account-unlock-es-mx');
  sent.eventId = `${sent.eventId}-dlq-${Date.now().toString(36)}`;
  const answer = await fetch(stack.hookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await fetchAccessToken(stack)}` },
    body: JSON.stringify(sent),
  });
  if (answer.status !== 200) throw new Error(`The hook answered ${answer.status}`);
  const { messages } = (await (await fetch(`${stack.baseUrl}/_local/dlq`)).json()) as {
    messages: Array<{ body: string }>;
  };
  const last = messages.at(-1);
  if (!last) throw new Error('The failed delivery left no record in the dead-letter queue');
  return { record: JSON.parse(last.body) as Record<string, unknown>, sent };
}

/** Everything in a DLQ record that would leak the request's secrets or personal data. */
function leaks(record: Record<string, unknown>, sent: OktaHookRequestFixture): string[] {
  const text = JSON.stringify(record);
  const { otpCode, phoneNumber, msgTemplate } = sent.data.messageProfile;
  const digits = phoneNumber.replace(/\D/g, '');
  return [
    ...(text.includes(otpCode) ? ['the OTP code'] : []),
    ...(/otp/i.test(Object.keys(record).join(' ')) ? ['an otp field'] : []),
    ...(text.includes(digits) || text.includes(phoneNumber) ? ['the full phone number'] : []),
    ...(msgTemplate && text.includes(msgTemplate) ? ["Okta's message"] : []),
    ...(MASKED_PHONE.test(String(record.phone)) ? [] : ['a phone number that is not masked']),
  ];
}

describe('okta-phone-mfa honours its pacts', () => {
  it('has exactly one state handler for every provider state the pacts name', () => {
    // Prepare
    const named = new Set([...statesIn(OKTA_PACT_FILE), ...statesIn(DLQ_PACT_FILE)]);

    // Act
    const handled = Object.keys(stateHandlers(stack, db));

    // Assess
    expect(new Set(handled)).toEqual(named);
    expect(handled.sort()).toEqual(Object.values(PROVIDER_STATES).sort());
  });

  it("answers every request Okta's pact pins, through the real authorizer", async () => {
    const output = await new Verifier({
      ...common(OKTA_PACT_FILE),
      providerBaseUrl: stack.baseUrl,
      stateHandlers: stateHandlers(stack, db),
      requestFilter: freshTokenFilter(stack),
    }).verifyProvider();

    expect(output).toBeDefined();
  });

  it('dead-letters a failed delivery without the OTP code or the full phone number', async () => {
    // Prepare
    const setup = stateHandlers(stack, db)[PROVIDER_STATES.providerFailing];
    if (typeof setup === 'function') await setup();

    // Act
    const { record, sent } = await deadLetterOfFailedDelivery();

    // Assess
    expect(leaks(record, sent)).toEqual([]);
    expect(record).toMatchObject({
      version: 1,
      channel: 'voice',
      country: 'MX',
      error: { reason: 'provider_error' },
    });
  });

  it("writes the DLQ record the dlq tool's pact pins", async () => {
    const messageProviders: MessageProviders = {
      'a redacted record of a failed delivery': async () => {
        const { record, sent } = await deadLetterOfFailedDelivery();
        const found = leaks(record, sent);
        // A leak fails the verification even where the pact's matchers would accept the record.
        if (found.length > 0) throw new Error(`The DLQ record leaks ${found.join(', ')}`);
        return record;
      },
    };

    const output = await new Verifier({
      ...common(DLQ_PACT_FILE),
      stateHandlers: stateHandlers(stack, db),
      messageProviders,
    }).verifyProvider();

    expect(output).toBeDefined();
  });
});
