// Reading End User Messaging's delivery events as documented: status names, channels, what is final and what is a
// final failure, the receipt id that makes SNS redeliveries recognisable, and the status of out-of-order receipts.
import { describe, expect, it } from 'vitest';
import {
  currentReceipt,
  FINAL_FAILURE_TYPES,
  parseDeliveryReceipt,
  type StoredReceipt,
  storedReceipt,
  timeToHandsetMs,
  UnreadableReceiptError,
} from '../../../src/domain/delivery-receipt.js';

/** The user guide's SMS example event (configuration set event destination). */
const documentedSms = {
  eventType: 'TEXT_SUCCESSFUL',
  eventVersion: '1.0',
  eventTimestamp: 1686975103470,
  isFinal: true,
  originationPhoneNumber: '+12065550152',
  destinationPhoneNumber: '+14255550156',
  isoCountryCode: 'US',
  mcc: '310',
  mnc: '800',
  messageId: '862a8790-60c0-4430-9b2b-658bdexample',
  messageRequestTimestamp: 1686975103170,
  messageEncoding: 'GSM',
  messageType: 'PROMOTIONAL',
  messageStatus: 'SUCCESSFUL',
  messageStatusDescription: 'Message has been accepted by phone carrier',
  context: { account: 'bar' },
  totalMessageParts: 1,
  totalMessagePrice: 0.09582,
  totalCarrierFee: 0.0,
};

describe('parseDeliveryReceipt', () => {
  it('reads the documented SMS example, keeping neither of its numbers', () => {
    // Act
    const receipt = parseDeliveryReceipt(JSON.stringify(documentedSms));

    // Assess
    expect(receipt).toEqual({
      receiptId: '862a8790-60c0-4430-9b2b-658bdexample#TEXT_SUCCESSFUL#2023-06-17T04:11:43.470Z',
      messageId: '862a8790-60c0-4430-9b2b-658bdexample',
      eventType: 'TEXT_SUCCESSFUL',
      status: 'successful',
      channel: 'sms',
      eventTimestamp: 1686975103470,
      messageRequestTimestamp: 1686975103170,
      isFinal: true,
      finalFailure: false,
      success: true,
      country: 'US',
      messageStatus: 'SUCCESSFUL',
      messageStatusDescription: 'Message has been accepted by phone carrier',
    });
    expect(JSON.stringify(storedReceipt(receipt))).not.toMatch(/4255550156|2065550152/);
  });

  it.each([
    ['TEXT_DELIVERED', 'sms', 'delivered'],
    ['TEXT_CARRIER_UNREACHABLE', 'sms', 'carrier_unreachable'],
    ['TEXT_TTL_EXPIRED', 'sms', 'ttl_expired'],
    ['VOICE_COMPLETED', 'voice', 'completed'],
    ['VOICE_NO_ANSWER', 'voice', 'no_answer'],
  ])('names %s as channel %s, status %s', (eventType, channel, status) => {
    expect(parseDeliveryReceipt({ ...documentedSms, eventType })).toMatchObject({ channel, status });
  });

  it('takes a final receipt that is not a success as a final failure, and a non-final one as none', () => {
    expect(parseDeliveryReceipt({ ...documentedSms, eventType: 'TEXT_BLOCKED' }).finalFailure).toBe(true);
    expect(
      parseDeliveryReceipt({ ...documentedSms, eventType: 'TEXT_CARRIER_UNREACHABLE', isFinal: false })
        .finalFailure,
    ).toBe(false);
    expect(parseDeliveryReceipt({ ...documentedSms, eventType: 'VOICE_COMPLETED' }).finalFailure).toBe(false);
  });

  it('decides finality from the event type only when the event lacks isFinal', () => {
    const { isFinal: _, ...withoutFinal } = documentedSms;
    for (const eventType of FINAL_FAILURE_TYPES) {
      expect(parseDeliveryReceipt({ ...withoutFinal, eventType }).finalFailure).toBe(true);
    }
    expect(parseDeliveryReceipt({ ...withoutFinal, eventType: 'TEXT_PENDING' }).isFinal).toBe(false);
    expect(parseDeliveryReceipt({ ...withoutFinal, eventType: 'TEXT_CARRIER_UNREACHABLE' }).isFinal).toBe(
      false,
    );
  });

  it('gives a redelivered event the same receipt id, and another event of the message another', () => {
    const first = parseDeliveryReceipt(JSON.stringify(documentedSms)).receiptId;
    expect(parseDeliveryReceipt(JSON.stringify(documentedSms)).receiptId).toBe(first);
    expect(parseDeliveryReceipt({ ...documentedSms, eventType: 'TEXT_DELIVERED' }).receiptId).not.toBe(first);
    expect(parseDeliveryReceipt({ ...documentedSms, eventTimestamp: 1686975103471 }).receiptId).not.toBe(
      first,
    );
  });

  it("reads Okta's event id from the send's Context, and scrubs a number out of the description", () => {
    const receipt = parseDeliveryReceipt({
      ...documentedSms,
      context: { eventId: 'evt-1' },
      messageStatusDescription: 'Handset +14255550156 unreachable',
    });
    expect(receipt.eventId).toBe('evt-1');
    expect(receipt.messageStatusDescription).not.toContain('4255550156');
  });

  it.each([
    ['not JSON', '{'],
    ['a registration event', { eventType: 'REGISTRATION_STATUS_CHANGED', messageId: 'x', eventTimestamp: 1 }],
    ['no message id', { ...documentedSms, messageId: '' }],
    ['no time', { ...documentedSms, eventTimestamp: 'soon' }],
  ])('refuses %s', (_name, event) => {
    expect(() => parseDeliveryReceipt(event)).toThrow(UnreadableReceiptError);
  });
});

describe('timeToHandsetMs', () => {
  it('measures delivered and completed receipts only, from the send to the event', () => {
    expect(timeToHandsetMs(parseDeliveryReceipt({ ...documentedSms, eventType: 'TEXT_DELIVERED' }))).toBe(
      300,
    );
    expect(timeToHandsetMs(parseDeliveryReceipt({ ...documentedSms, eventType: 'VOICE_COMPLETED' }))).toBe(
      300,
    );
    expect(timeToHandsetMs(parseDeliveryReceipt(documentedSms))).toBeUndefined(); // carrier took it: not the handset
    expect(
      timeToHandsetMs(parseDeliveryReceipt({ ...documentedSms, eventType: 'TEXT_BLOCKED' })),
    ).toBeUndefined();
  });
});

describe('currentReceipt', () => {
  const r = (status: string, eventTimestamp: number, isFinal: boolean): StoredReceipt => ({
    receiptId: `${status}${eventTimestamp}`,
    eventType: status.toUpperCase(),
    status,
    eventTimestamp,
    isFinal,
  });

  it('keeps a final receipt over any later non-final one, and otherwise the latest', () => {
    expect(currentReceipt([r('delivered', 5, true), r('queued', 9, false)])?.status).toBe('delivered');
    expect(currentReceipt([r('queued', 9, false), r('delivered', 5, true)])?.status).toBe('delivered');
    expect(currentReceipt([r('pending', 9, false), r('queued', 5, false)])?.status).toBe('pending');
    expect(currentReceipt([])).toBeUndefined();
  });
});
