// The local stack's refusals list is read from the hook's answers on the wire: the guard's error causes and the
// pretend-sent answers, never a delivery failure, with the number masked.
import { describe, expect, it } from 'vitest';
import { loadFixture } from '../../../../contracts/fixtures/index.js';
import { RefusalLog } from '../../../local/refusals.js';
import { blockedAnswer, deliveryFailedAnswer, pretendSentAnswer } from '../../../src/domain/okta-response.js';

const request = (eventId: string) => {
  const payload = loadFixture('request-sms-mfa-verification');
  payload.eventId = eventId;
  return JSON.stringify(payload);
};
const AT = Date.UTC(2026, 11, 1, 12);

describe('RefusalLog', () => {
  it("keeps a refusal answered with Okta's error object, with its reason and the masked number", () => {
    // Prepare
    const log = new RefusalLog();

    // Act
    log.observe(request('evt-1'), JSON.stringify(blockedAnswer('denied_prefix').body), AT);

    // Assess
    expect(log.list()).toEqual([
      {
        eventId: 'evt-1',
        reason: 'denied_prefix',
        answer: 'error',
        maskedPhone: '+1 *******123',
        requestType: 'com.okta.user.telephony.mfa-verification',
        channel: 'SMS',
        at: '2026-12-01T12:00:00.000Z',
      },
    ]);
  });

  it('keeps a pretend-sent refusal, its reason read from transactionMetadata', () => {
    const log = new RefusalLog();
    const answer = pretendSentAnswer('evt-2', 'number_type', {
      channel: 'sms',
      country: 'US',
      durationMs: 12,
    });
    log.observe(request('evt-2'), JSON.stringify(answer.body), AT);
    expect(log.list()).toEqual([expect.objectContaining({ reason: 'number_type', answer: 'pretend-sent' })]);
  });

  it('ignores deliveries, delivery failures and bodies that are not JSON', () => {
    // Prepare
    const log = new RefusalLog();
    const delivered = { commands: [{ value: [{ status: 'SUCCESSFUL', transactionId: 'msg-1' }] }] };

    // Act
    log.observe(request('a'), JSON.stringify(delivered));
    log.observe(request('b'), JSON.stringify(deliveryFailedAnswer('sms', 'throttled', 'US').body));
    log.observe(request('c'), 'not json');

    // Assess
    expect(log.list()).toEqual([]);
  });

  it('keeps the last 200, oldest first, and empties on clear', () => {
    // Prepare
    const log = new RefusalLog();
    const refused = JSON.stringify(blockedAnswer('number_10m').body);

    // Act
    for (let i = 0; i < 205; i += 1) log.observe(request(`evt-${i}`), refused);

    // Assess
    expect(log.list()).toHaveLength(200);
    expect(log.list()[0]?.eventId).toBe('evt-5');
    log.clear();
    expect(log.list()).toEqual([]);
  });
});
