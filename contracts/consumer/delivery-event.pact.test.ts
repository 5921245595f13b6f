/**
 * Principle: an event we subscribe to is a contract too. End User Messaging publishes a delivery event per message
 * status to the configuration set's SNS topic, and the `record-delivery-event` handler reads it: the handler is the
 * consumer of a message pact whose provider is End User Messaging. The pact holds only the fields the handler reads,
 * with the values of the user guide's example events; SNS, the transport, stays out of it, and so do the phone numbers
 * the event also carries (the handler never reads them).
 */
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDeliveryReceipt, timeToHandsetMs } from '../../service/src/domain/delivery-receipt.js';
import { generatedPactsDir, pactFileName } from '../pact-settings.js';
import { comparePactFile, DRIFT_HINT, startRegenerating } from './pact-drift.js';

const { boolean, integer, regex, string } = MatchersV3;

/** The pacticipants of this pact: our receipt handler reads what End User Messaging sends. */
const CONSUMER = 'okta-phone-mfa-receipts';
const PROVIDER = 'aws-end-user-messaging';
const PACT_FILE = pactFileName(CONSUMER, PROVIDER);

/** Provider states: sentences about End User Messaging. */
const STATES = {
  delivered: 'an SMS sent with the configuration set reached the handset',
  notAnswered: 'a voice call sent with the configuration set was not answered',
};

/** The fields the handler reads, as the user guide's example SMS event carries them (the handset's receipt). */
const deliveredSms = {
  eventType: regex('^TEXT_[A-Z_]+$', 'TEXT_DELIVERED'),
  eventVersion: string('1.0'),
  eventTimestamp: integer(1729099299998),
  isFinal: boolean(true),
  isoCountryCode: regex('^[A-Z]{2}$', 'US'),
  messageId: string('9539975a-e71f-45f3-b496-8d98dc098a77'),
  messageRequestTimestamp: integer(1729099297243),
  messageStatus: string('DELIVERED'),
  messageStatusDescription: string('Message has been accepted by phone'),
  // The send's Context comes back in every event: the hook sets `eventId` (Okta's) there.
  context: { eventId: string('bJ8nE3q0Ryu1mP4tL6wXkA') },
};

/** A final voice failure, in the same shape. */
const unansweredCall = {
  ...deliveredSms,
  eventType: regex('^VOICE_[A-Z_]+$', 'VOICE_NO_ANSWER'),
  messageStatus: string('NO_ANSWER'),
  messageStatusDescription: string('Call was not answered'),
  isoCountryCode: regex('^[A-Z]{2}$', 'MX'),
};

const pact = new PactV4({ consumer: CONSUMER, provider: PROVIDER, dir: generatedPactsDir, logLevel: 'warn' });

beforeAll(() => startRegenerating(PACT_FILE));

describe('the receipt handler reading End User Messaging delivery events', () => {
  it('reads a delivered SMS: status, channel, country, time to handset, and Okta event id', async () => {
    await pact
      .addAsynchronousInteraction()
      .given(STATES.delivered)
      .expectsToReceive('a TEXT_DELIVERED event', (message) => {
        message.withJSONContent(deliveredSms);
      })
      .executeTest(async (message) => {
        // Act
        const receipt = parseDeliveryReceipt(JSON.stringify(message.contents.content));

        // Assess
        expect(receipt).toMatchObject({
          messageId: '9539975a-e71f-45f3-b496-8d98dc098a77',
          channel: 'sms',
          status: 'delivered',
          country: 'US',
          isFinal: true,
          finalFailure: false,
          eventId: 'bJ8nE3q0Ryu1mP4tL6wXkA',
        });
        expect(timeToHandsetMs(receipt)).toBe(2755);
      });
  });

  it('reads an unanswered call as a final failure to dead-letter', async () => {
    await pact
      .addAsynchronousInteraction()
      .given(STATES.notAnswered)
      .expectsToReceive('a VOICE_NO_ANSWER event', (message) => {
        message.withJSONContent(unansweredCall);
      })
      .executeTest(async (message) => {
        // Act
        const receipt = parseDeliveryReceipt(JSON.stringify(message.contents.content));

        // Assess
        expect(receipt).toMatchObject({
          channel: 'voice',
          status: 'no_answer',
          finalFailure: true,
          country: 'MX',
        });
        expect(timeToHandsetMs(receipt)).toBeUndefined();
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
