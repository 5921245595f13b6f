// Whose fault a failure is decides what pages: a failure-rate alarm over reasons a user or an attacker picks (a junk
// number, a blocked country) would page on every enrolment flood, one over ours must see every outage.
import { describe, expect, it } from 'vitest';
import {
  FAILURE_CLASS,
  failureClass,
  HOOK_FAILURE_REASONS,
  REQUEST_FAULT_REASONS,
} from '../../../src/domain/failure-class.js';

describe('failureClass', () => {
  it.each([
    'invalid_phone_number',
    'country_not_allowed',
    'provider_rejected',
    'price_over_threshold',
    'country_blocked',
    'protect_blocked',
    'idempotency_key_reused',
  ])('puts %s, which the request chooses, in the request class', (reason) => {
    expect(failureClass(reason)).toBe('request');
  });

  it.each([
    'provider_error',
    'throttled',
    'deadline_exceeded',
    'spend_limit_reached',
    'account_blocked',
    'access_denied',
    'identity_refused',
    'no_origination_identity',
    'config_unavailable',
    'quota_exceeded',
    'invalid_payload',
    'internal',
  ])('puts %s, which is on us or the provider, in our class', (reason) => {
    expect(failureClass(reason)).toBe('ours');
  });

  it('counts a reason it does not know as ours, so a new failure cannot hide from the alarm', () => {
    for (const reason of ['unknown', 'something_new', 'constructor', '__proto__']) {
      expect(failureClass(reason)).toBe('ours');
    }
  });

  it('lists the request-fault reasons from the same table', () => {
    expect(REQUEST_FAULT_REASONS).toEqual(
      HOOK_FAILURE_REASONS.filter((reason) => FAILURE_CLASS[reason] === 'request'),
    );
    expect(REQUEST_FAULT_REASONS).toHaveLength(7);
  });
});
