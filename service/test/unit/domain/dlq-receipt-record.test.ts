// The DLQ record of a final failure receipt: the fields the dlq tool lists, kind "receipt", never a full number.
import { describe, expect, it } from 'vitest';
import { buildReceiptDlqRecord, DLQ_RECORD_VERSION } from '../../../src/domain/dlq-record.js';

describe('buildReceiptDlqRecord', () => {
  it('holds the event id, message id, channel, country, masked number and status', () => {
    // Act
    const record = buildReceiptDlqRecord(
      {
        eventId: 'evt-1',
        messageId: 'm-1',
        receiptId: 'm-1#TEXT_BLOCKED#2026-12-01T10:00:00.000Z',
        channel: 'sms',
        country: 'US',
        phone: '+1 *******123',
        status: 'blocked',
        eventType: 'TEXT_BLOCKED',
        description: 'Blocked by carrier',
      },
      new Date('2026-12-01T10:00:01.000Z'),
    );

    // Assess
    expect(record).toEqual({
      version: DLQ_RECORD_VERSION,
      kind: 'receipt',
      eventId: 'evt-1',
      messageId: 'm-1',
      receiptId: 'm-1#TEXT_BLOCKED#2026-12-01T10:00:00.000Z',
      channel: 'sms',
      country: 'US',
      phone: '+1 *******123',
      status: 'blocked',
      error: {
        name: 'DeliveryReceiptFailure',
        reason: 'blocked',
        message: 'TEXT_BLOCKED: Blocked by carrier',
      },
      timestamp: '2026-12-01T10:00:01.000Z',
    });
  });

  it('masks a number that slipped into any field, and says "-" without a masked number', () => {
    const record = buildReceiptDlqRecord({
      messageId: 'm-2',
      receiptId: 'r',
      channel: 'voice',
      status: 'no_answer',
      eventType: 'VOICE_NO_ANSWER',
      description: 'No answer at +14155550123',
    });
    expect(JSON.stringify(record)).not.toContain('4155550123');
    expect(record).toMatchObject({ phone: '-', eventId: null, country: null });
  });
});
