// One budget per request, counted from when API Gateway received it: the authorizer's and the gateway's time are
// Okta's 3 s too.
import { describe, expect, it } from 'vitest';
import { Deadline } from '../../../src/domain/deadline.js';

describe('Deadline.since', () => {
  it('starts the budget when API Gateway received the request', () => {
    const deadline = Deadline.since(2_500, 1_000_000, 1_000_700);
    expect(deadline.remainingMs()).toBeGreaterThan(1_700);
    expect(deadline.remainingMs()).toBeLessThanOrEqual(1_800);
  });

  it('leaves nothing when the request arrived longer ago than the whole budget', () => {
    expect(Deadline.since(2_500, 1_000_000, 1_004_000).remainingMs()).toBe(0);
  });

  it.each([
    ['a receipt time in the future (clock skew)', 1_000_900],
    ['no receipt time', undefined],
    ['a receipt time that is not a number', '1000000'],
  ])('starts the budget now for %s', (_, receivedAt) => {
    const deadline = Deadline.since(2_500, receivedAt, 1_000_000);
    expect(deadline.remainingMs()).toBeGreaterThan(2_490);
  });
});
