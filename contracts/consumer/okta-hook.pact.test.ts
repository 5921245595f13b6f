/**
 * Principle: Okta never runs our tests, so we write Okta's side of the contract ourselves, from Okta's documented
 * payloads. The real Okta-side HTTP client (`OktaHookClient`) talks to the Pact mock server; the pact records what
 * it sends and the few fields it reads. Response matchers sit only on what Okta reads: `commands[0].type`,
 * `value[0].status`, `value[0].transactionId` and `error.errorSummary`. On the request side, the OTP code and
 * Okta's rendered message are matchers whose examples hold the placeholder code, so no code reaches the pact file.
 */
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFixture, type OktaHookRequestFixture } from '../fixtures/index.js';
import {
  generatedPactsDir,
  OKTA_PACT_FILE,
  PACTICIPANTS,
  PROVIDER_STATES,
  SAMPLE_OTP_CODE,
} from '../pact-settings.js';
import { OktaHookClient, type OktaReading, TELEPHONY_ACTION } from './okta-hook-client.js';
import { comparePactFile, DRIFT_HINT, startRegenerating } from './pact-drift.js';

const { equal, like, regex, string } = MatchersV3;

/** A non-secret stand-in for Okta's access token; the provider verification swaps in a real one. */
const SAMPLE_TOKEN = 'eyJhbGciOiJSUzI1NiIsImtpZCI6InNhbXBsZSJ9.eyJzdWIiOiJzYW1wbGUifQ.c2lnbmF0dXJl';

const JSON_CONTENT = { 'Content-Type': 'application/json' };

const pact = new PactV4({
  consumer: PACTICIPANTS.okta,
  provider: PACTICIPANTS.provider,
  dir: generatedPactsDir,
  logLevel: 'warn',
});

/**
 * The request as the pact records it: the fixture, with the OTP code (and Okta's message, which contains it) as
 * matchers whose examples use the placeholder code. The client still sends the fixture's real code.
 */
function pactBody(payload: OktaHookRequestFixture): unknown {
  const body = structuredClone(payload) as any;
  const profile = body.data.messageProfile;
  const code: string = profile.otpCode;
  profile.otpCode = regex('^[0-9A-Za-z]{4,12}$', SAMPLE_OTP_CODE);
  if (typeof profile.msgTemplate === 'string') {
    profile.msgTemplate = like(profile.msgTemplate.split(code).join(SAMPLE_OTP_CODE));
  }
  return body;
}

/** A documented fixture with a change, under its own eventId so the provider treats it as a new Okta event. */
function variant(
  name: string,
  suffix: string,
  change: (profile: OktaHookRequestFixture['data']['messageProfile']) => void,
): OktaHookRequestFixture {
  const payload = loadFixture(name);
  payload.eventId = `${payload.eventId}-${suffix}`;
  change(payload.data.messageProfile);
  return payload;
}

/** Okta's success answer, matched only where Okta reads it. */
const actionAnswer = {
  commands: [
    {
      type: equal(TELEPHONY_ACTION),
      value: [
        {
          status: regex('^(SUCCESSFUL|PENDING|FAILED)$', 'SUCCESSFUL'),
          transactionId: string('2b5c1d7e-6f0a-4c3b-9d8e-1a2b3c4d5e6f'),
        },
      ],
    },
  ],
};

/** Okta's error object, matched only on the summary Okta shows in its System Log. */
const errorAnswer = (example: string) => ({ error: { errorSummary: string(example) } });

type Expectation = {
  description: string;
  state?: string;
  /** Parameters of the provider state. */
  stateParams?: Record<string, string>;
  payload: unknown;
  token?: boolean;
  status: number;
  answer?: unknown;
};

/** Declares one interaction, drives the Okta client against the mock server, and returns what Okta read. */
function oktaSends(expectation: Expectation): Promise<OktaReading | undefined> {
  const sendsToken = expectation.token ?? true;
  const start = expectation.state
    ? pact.addInteraction().given(expectation.state, expectation.stateParams)
    : pact.addInteraction();
  return start
    .uponReceiving(expectation.description)
    .withRequest('POST', '/hook', (request) => {
      request.headers({
        ...JSON_CONTENT,
        // Tokens are minted per request; the provider verification injects a fresh one.
        ...(sendsToken ? { Authorization: regex('^Bearer \\S+$', `Bearer ${SAMPLE_TOKEN}`) } : {}),
      });
      request.jsonBody(
        typeof expectation.payload === 'object' &&
          expectation.payload !== null &&
          'data' in expectation.payload
          ? pactBody(expectation.payload as OktaHookRequestFixture)
          : expectation.payload,
      );
    })
    .willRespondWith(expectation.status, (response) => {
      if (expectation.answer !== undefined) {
        response.headers(JSON_CONTENT);
        response.jsonBody(expectation.answer);
      }
    })
    .executeTest(async (mockServer) => {
      const okta = new OktaHookClient({
        hookUrl: `${mockServer.url}/hook`,
        accessToken: async () => (sendsToken ? SAMPLE_TOKEN : undefined),
      });
      return okta.send(expectation.payload);
    });
}

const delivered = {
  kind: 'action',
  status: 'SUCCESSFUL',
  transactionId: expect.any(String),
  httpStatus: 200,
};
const refused = { kind: 'error', errorSummary: expect.any(String), httpStatus: 200 };

beforeAll(() => startRegenerating(OKTA_PACT_FILE));

describe('Okta asks for a code, for every request type and both channels', () => {
  it('gets SUCCESSFUL for an SMS pre-enrollment code sent to a number without +', async () => {
    const reading = await oktaSends({
      description: 'an SMS code for pre-enrollment, to a number without +',
      state: PROVIDER_STATES.accepting,
      payload: loadFixture('request-sms-pre-enrollment-no-plus'),
      status: 200,
      answer: actionAnswer,
    });
    expect(reading).toEqual(delivered);
  });

  it('gets SUCCESSFUL for a voice call pre-enrollment code', async () => {
    const reading = await oktaSends({
      description: 'a voice call code for pre-enrollment',
      state: PROVIDER_STATES.accepting,
      payload: variant('request-sms-pre-enrollment-no-plus', 'call', (p) => {
        p.deliveryChannel = 'CALL';
      }),
      status: 200,
      answer: actionAnswer,
    });
    expect(reading).toEqual(delivered);
  });

  it('gets SUCCESSFUL for an SMS MFA verification code in EN-US', async () => {
    const reading = await oktaSends({
      description: 'an SMS code for MFA verification in EN-US',
      state: PROVIDER_STATES.accepting,
      payload: loadFixture('request-sms-mfa-verification'),
      status: 200,
      answer: actionAnswer,
    });
    expect(reading).toEqual(delivered);
  });

  it("gets SUCCESSFUL for a resend, with Okta's 2026.09 fields (isResend, the app's client id)", async () => {
    const reading = await oktaSends({
      description: 'an SMS code the user asked to resend, for a sign-in to an OIDC app',
      state: PROVIDER_STATES.accepting,
      payload: loadFixture('request-sms-mfa-verification-resend'),
      status: 200,
      answer: actionAnswer,
    });
    expect(reading).toEqual(delivered);
  });

  it('gets SUCCESSFUL for a resend of a code the carrier could not deliver (sent from another identity)', async () => {
    const payload = loadFixture('request-sms-mfa-verification-resend');
    const reading = await oktaSends({
      description: 'a resend of an SMS code that was not delivered',
      state: PROVIDER_STATES.previousCodeFailed,
      stateParams: {
        userId: String(payload.data.userProfile?.userId),
        phoneNumber: payload.data.messageProfile.phoneNumber,
      },
      payload,
      status: 200,
      answer: actionAnswer,
    });
    expect(reading).toEqual(delivered);
  });

  it("gets SUCCESSFUL when the code goes out from AWS's senders, the route's last identity", async () => {
    const reading = await oktaSends({
      description:
        "an SMS code sent through AWS's senders (Notify) when the route's own numbers are inactive",
      state: PROVIDER_STATES.onlyAwsSenders,
      payload: loadFixture('request-sms-mfa-verification'),
      status: 200,
      answer: actionAnswer,
    });
    expect(reading).toEqual(delivered);
  });

  it('gets SUCCESSFUL for a voice call MFA verification code to Great Britain', async () => {
    const reading = await oktaSends({
      description: 'a voice call code for MFA verification to Great Britain',
      state: PROVIDER_STATES.accepting,
      payload: loadFixture('request-call-mfa-verification-en'),
      status: 200,
      answer: actionAnswer,
    });
    expect(reading).toEqual(delivered);
  });

  it('gets SUCCESSFUL for a voice call account unlock code in es-MX', async () => {
    const reading = await oktaSends({
      description: 'a voice call code for account unlock in es-MX',
      state: PROVIDER_STATES.spanishTemplates,
      payload: loadFixture('request-call-account-unlock-es-mx'),
      status: 200,
      answer: actionAnswer,
    });
    expect(reading).toEqual(delivered);
  });

  it('gets SUCCESSFUL for an SMS account unlock code', async () => {
    const reading = await oktaSends({
      description: 'an SMS code for account unlock in es-MX',
      state: PROVIDER_STATES.spanishTemplates,
      payload: variant('request-call-account-unlock-es-mx', 'sms', (p) => {
        p.deliveryChannel = 'SMS';
      }),
      status: 200,
      answer: actionAnswer,
    });
    expect(reading).toEqual(delivered);
  });

  it('gets SUCCESSFUL for a lower-case "sms" password reset code to Spain', async () => {
    const reading = await oktaSends({
      description: 'an "sms" code for password reset in es-MX to Spain',
      state: PROVIDER_STATES.spanishTemplates,
      payload: loadFixture('request-sms-password-reset-es-mx'),
      status: 200,
      answer: actionAnswer,
    });
    expect(reading).toEqual(delivered);
  });
});

describe('Okta asks in a locale the templates do not have', () => {
  it('gets SUCCESSFUL for a "Voice call" password reset code in a locale with no template', async () => {
    const reading = await oktaSends({
      description: 'a "Voice call" code for password reset in ko-KR',
      state: PROVIDER_STATES.noKoreanTemplate,
      payload: loadFixture('request-voice-call-password-reset-unknown-locale'),
      status: 200,
      answer: actionAnswer,
    });
    expect(reading).toEqual(delivered);
  });

  it('gets SUCCESSFUL for an SMS code in a regional Spanish with no template of its own', async () => {
    const reading = await oktaSends({
      description: 'an SMS code in es-AR, answered from the Spanish template',
      state: PROVIDER_STATES.spanishTemplates,
      payload: variant('request-sms-password-reset-es-mx', 'es-ar', (p) => {
        p.locale = 'es-AR';
      }),
      status: 200,
      answer: actionAnswer,
    });
    expect(reading).toEqual(delivered);
  });
});

describe('Okta asks for a code that cannot be delivered', () => {
  it('gets an error object with HTTP 200 for a number that is not a phone number', async () => {
    const reading = await oktaSends({
      description: 'an SMS code for a number that is not a valid phone number',
      state: PROVIDER_STATES.accepting,
      payload: variant('request-sms-mfa-verification', 'invalid-number', (p) => {
        p.phoneNumber = '+10005550100';
      }),
      status: 200,
      answer: errorAnswer('Failed to deliver the one-time passcode by SMS'),
    });
    expect(reading).toEqual(refused);
  });

  it('gets SUCCESSFUL for an SMS code when the first origination identity is inactive and the next one sends it', async () => {
    const reading = await oktaSends({
      description: 'an SMS code while the first origination identity for the United States is inactive',
      state: PROVIDER_STATES.firstIdentityInactive,
      payload: variant('request-sms-mfa-verification', 'failed-over', () => {}),
      status: 200,
      answer: actionAnswer,
    });
    expect(reading).toEqual(delivered);
  });

  it('gets an error object with HTTP 200 when the messaging provider fails', async () => {
    const reading = await oktaSends({
      description: 'an SMS code while the messaging provider fails',
      state: PROVIDER_STATES.providerFailing,
      payload: variant('request-sms-mfa-verification', 'provider-failing', () => {}),
      status: 200,
      answer: errorAnswer('Failed to deliver the one-time passcode by SMS'),
    });
    expect(reading).toEqual(refused);
  });

  it('gets an error object with HTTP 200 when the messaging provider rejects the number', async () => {
    const reading = await oktaSends({
      description: 'an SMS code to a number the messaging provider rejects',
      state: PROVIDER_STATES.numberRejected,
      payload: variant('request-sms-mfa-verification', 'number-rejected', () => {}),
      status: 200,
      answer: errorAnswer('Failed to deliver the one-time passcode by SMS'),
    });
    expect(reading).toEqual(refused);
  });

  it('gets an error object with HTTP 200 for a destination country that is not allowed', async () => {
    const reading = await oktaSends({
      description: 'a voice call code to a country that is not allowed',
      state: PROVIDER_STATES.britainNotAllowed,
      payload: variant('request-call-mfa-verification-en', 'not-allowed', () => {}),
      status: 200,
      answer: errorAnswer('Failed to deliver the one-time passcode by voice call'),
    });
    expect(reading).toEqual(refused);
  });
});

describe('Okta asks for a code the abuse guard refuses', () => {
  it('gets an error object with HTTP 200 and reason NUMBER_10M for a number that has reached its limit', async () => {
    // Prepare
    const payload = variant('request-sms-mfa-verification', 'number-at-limit', () => {});

    // Act
    const reading = await oktaSends({
      description: 'an SMS code to a number that has had its limit of codes in 10 minutes',
      state: PROVIDER_STATES.numberAtLimit,
      stateParams: { phoneNumber: payload.data.messageProfile.phoneNumber },
      payload,
      status: 200,
      // Beyond the summary, the cause's reason is pinned: it is what tells the org's admins, in Okta's System Log,
      // that the guard refused the code (Okta may send it itself) rather than a delivery failing.
      answer: {
        error: {
          errorSummary: string('The one-time passcode was not sent'),
          errorCauses: [{ reason: equal('NUMBER_10M') }],
        },
      },
    });

    // Assess
    expect(reading).toEqual({ ...refused, errorSummary: 'The one-time passcode was not sent' });
  });
});

describe('Okta asks for an enrolment code to a number no carrier serves as a phone', () => {
  it('gets an error object with HTTP 200 and reason LINE_TYPE', async () => {
    // Prepare: a UK VoIP number
    const payload = variant('request-sms-pre-enrollment-no-plus', 'voip', (p) => {
      p.phoneNumber = '+445612345678';
    });

    // Act
    const reading = await oktaSends({
      description: 'an SMS enrolment code to a number its carrier says is no phone line',
      state: PROVIDER_STATES.lineTypesFromCarrier,
      payload,
      status: 200,
      answer: {
        error: {
          errorSummary: string('The one-time passcode was not sent'),
          errorCauses: [{ reason: equal('LINE_TYPE') }],
        },
      },
    });

    // Assess
    expect(reading).toEqual({ ...refused, errorSummary: 'The one-time passcode was not sent' });
  });
});

describe('Okta sends something the hook cannot accept', () => {
  it('gets HTTP 400 with an error object for a body without a phone number', async () => {
    const payload = loadFixture('request-sms-mfa-verification');
    payload.eventId = `${payload.eventId}-malformed`;
    delete (payload.data.messageProfile as Partial<typeof payload.data.messageProfile>).phoneNumber;

    const reading = await oktaSends({
      description: 'a request without data.messageProfile.phoneNumber',
      payload,
      status: 400,
      answer: errorAnswer('The request body is not an Okta telephony hook request'),
    });

    expect(reading).toEqual({ kind: 'error', errorSummary: expect.any(String), httpStatus: 400 });
  });

  it('gets HTTP 401 when it sends no access token', async () => {
    const reading = await oktaSends({
      description: 'a request without an access token',
      payload: variant('request-sms-mfa-verification', 'no-token', () => {}),
      token: false,
      status: 401,
    });
    expect(reading).toEqual({ kind: 'unusable', httpStatus: 401 });
  });
});

describe('the committed pact', () => {
  // Runs last in this file: every interaction above has been written by then.
  it('matches the regenerated pact, unless PACT_UPDATE=1 accepts the change', () => {
    const { committed, regenerated, accepted } = comparePactFile(OKTA_PACT_FILE);
    expect(regenerated, DRIFT_HINT).toEqual(committed);
    if (accepted) console.info(`Accepted contracts/pacts/${OKTA_PACT_FILE}`);
  });
});
