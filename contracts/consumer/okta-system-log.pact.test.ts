/**
 * Principle: Okta's System Log events are a contract the verification handler consumes. Okta Log Streaming (or an
 * Okta event hook) delivers them; the `record-verification` handler reads a few fields of a few event types. The
 * message pact holds only those fields, with the values of Okta's documented LogEvent object; the EventBridge
 * envelope (or the event hook's `data.events`) is transport and stays out of it, and so does everything about the
 * user the handler does not read (login, name, address).
 */
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifyOktaEvent, OKTA_EVENT_TYPES } from '../../service/src/domain/okta-log-event.js';
import { generatedPactsDir, pactFileName } from '../pact-settings.js';
import { comparePactFile, DRIFT_HINT, startRegenerating } from './pact-drift.js';

const { regex, string } = MatchersV3;

const CONSUMER = 'okta-phone-mfa-verification';
const PROVIDER = 'okta-system-log';
const PACT_FILE = pactFileName(CONSUMER, PROVIDER);

const STATES = {
  smsVerified: 'a user entered the code of an SMS',
  callVerified: 'a user entered the code of a voice call',
  hookTimedOut: 'the telephony inline hook did not answer Okta in time',
  smsEnrolled: 'a user entered the code of an SMS enrolment',
};

/** `user.authentication.auth_via_mfa`: the fields the handler reads. */
const authViaMfa = (factor: string) => ({
  uuid: string('dc9fd3c0-598c-11ef-8478-2b7584bf8d5a'),
  published: regex('^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$', '2026-12-01T10:00:05.000Z'),
  eventType: regex('^user\\.authentication\\.auth_via_mfa$', 'user.authentication.auth_via_mfa'),
  actor: { id: string('00uhxxSknGtK8022w0g3'), type: string('User') },
  outcome: { result: regex('^(SUCCESS|FAILURE|SKIPPED|ALLOW|DENY|CHALLENGE|UNKNOWN)$', 'SUCCESS') },
  debugContext: { debugData: { factor: regex('^[A-Z_]+$', factor) } },
});

/** `user.mfa.factor.activate`: the enrolled user (a `User` target) and the phone factor's name. */
const factorActivate = {
  uuid: string('7c1d2e3f-598d-11ef-8478-2b7584bf8d5a'),
  published: regex('^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$', '2026-12-01T10:02:41.000Z'),
  eventType: regex('^user\\.mfa\\.factor\\.activate$', 'user.mfa.factor.activate'),
  actor: { id: string('00uhxxSknGtK8022w0g3'), type: string('User') },
  outcome: { result: regex('^(SUCCESS|FAILURE)$', 'SUCCESS') },
  target: [
    { id: string('00uhxxSknGtK8022w0g3'), type: regex('^User$', 'User') },
    { type: string('Factor'), displayName: regex('SMS|Voice|Call', 'SMS Authentication') },
  ],
};

/**
 * `inline_hook.executed` with outcome FAILURE: Okta got no answer in time. Its `published`, like every event's, is
 * also the conversion signal: proof that Okta's events reach the handler.
 */
const hookTimeout = {
  uuid: string('5a3b1e2c-598d-11ef-8478-2b7584bf8d5a'),
  published: regex('^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$', '2026-12-01T10:04:12.000Z'),
  eventType: regex('^inline_hook\\.(executed|response\\.processed)$', 'inline_hook.executed'),
  outcome: { result: regex('^(SUCCESS|FAILURE)$', 'FAILURE'), reason: string('Inline hook call timed out') },
};

const pact = new PactV4({ consumer: CONSUMER, provider: PROVIDER, dir: generatedPactsDir, logLevel: 'warn' });

beforeAll(() => startRegenerating(PACT_FILE));

describe('the verification handler reading Okta System Log events', () => {
  it.each([
    [STATES.smsVerified, 'SMS_FACTOR', 'sms'],
    [STATES.callVerified, 'CALL_FACTOR', 'voice'],
  ])('reads an MFA success (%s) as the user and channel to mark RECEIVED', async (state, factor, channel) => {
    await pact
      .addAsynchronousInteraction()
      .given(state)
      .expectsToReceive(`a user.authentication.auth_via_mfa SUCCESS for ${factor}`, (message) => {
        message.withJSONContent(authViaMfa(factor));
      })
      .executeTest(async (message) => {
        // Act
        const meaning = classifyOktaEvent(message.contents.content);

        // Assess
        expect(meaning).toMatchObject({ kind: 'verified', userId: '00uhxxSknGtK8022w0g3', channel });
      });
  });

  it("reads a phone factor's enrolment as the enrolment code used", async () => {
    await pact
      .addAsynchronousInteraction()
      .given(STATES.smsEnrolled)
      .expectsToReceive('a user.mfa.factor.activate SUCCESS for the SMS factor', (message) => {
        message.withJSONContent(factorActivate);
      })
      .executeTest(async (message) => {
        // Act
        const meaning = classifyOktaEvent(message.contents.content);

        // Assess
        expect(meaning).toMatchObject({ kind: 'verified', userId: '00uhxxSknGtK8022w0g3', channel: 'sms' });
      });
  });

  it('reads an inline hook timeout as a hook failure of kind timeout', async () => {
    await pact
      .addAsynchronousInteraction()
      .given(STATES.hookTimedOut)
      .expectsToReceive('an inline_hook.executed FAILURE', (message) => {
        message.withJSONContent(hookTimeout);
      })
      .executeTest(async (message) => {
        // Act
        const meaning = classifyOktaEvent(message.contents.content);

        // Assess
        expect(meaning).toMatchObject({ kind: 'hook-failure', failure: 'timeout' });
        expect(OKTA_EVENT_TYPES).toContain((message.contents.content as { eventType: string }).eventType);
      });
  });
});

describe('the committed pact', () => {
  it('matches the regenerated pact, unless PACT_UPDATE=1 accepts the change', () => {
    const { committed, regenerated, accepted } = comparePactFile(PACT_FILE);
    expect(regenerated, DRIFT_HINT).toEqual(committed);
    if (accepted) console.info(`Accepted contracts/pacts/${PACT_FILE}`);
  });
});
