// Okta System Log events as the verification handler reads them: MFA success by factor, hook failures by kind, and
// everything else ignored without an error.
import { describe, expect, it } from 'vitest';
import { classifyOktaEvent, OKTA_EVENT_TYPES } from '../../../src/domain/okta-log-event.js';

const PUBLISHED = '2026-12-01T10:00:05.000Z';

const mfa = (factor: string, result = 'SUCCESS') => ({
  uuid: 'u-1',
  published: PUBLISHED,
  eventType: 'user.authentication.auth_via_mfa',
  actor: { id: '00u1', type: 'User' },
  outcome: { result },
  debugContext: { debugData: { factor } },
});

describe('classifyOktaEvent', () => {
  it('maps SMS_FACTOR to sms and CALL_FACTOR to voice, for the actor', () => {
    expect(classifyOktaEvent(mfa('SMS_FACTOR'))).toEqual({
      kind: 'verified',
      uuid: 'u-1',
      userId: '00u1',
      channel: 'sms',
      publishedMs: Date.parse(PUBLISHED),
    });
    expect(classifyOktaEvent(mfa('CALL_FACTOR'))).toMatchObject({ kind: 'verified', channel: 'voice' });
  });

  it.each([
    ['another factor', mfa('OKTA_VERIFY_PUSH')],
    ['a failure', mfa('SMS_FACTOR', 'FAILURE')],
    ['no actor', { ...mfa('SMS_FACTOR'), actor: {} }],
    ['another event type', { eventType: 'user.session.start', outcome: { result: 'SUCCESS' } }],
    ['a successful hook call', { eventType: 'inline_hook.executed', outcome: { result: 'SUCCESS' } }],
    ['not an object', 'hello'],
    [
      'no published date (it cannot be placed after any send)',
      { ...mfa('SMS_FACTOR'), published: undefined },
    ],
    ['an actor id no Okta id looks like', { ...mfa('SMS_FACTOR'), actor: { id: 'x'.repeat(101) } }],
  ])('ignores %s', (_name, event) => {
    expect(classifyOktaEvent(event).kind).toBe('ignored');
  });

  it('tells a hook timeout from a hook error', () => {
    expect(
      classifyOktaEvent({
        eventType: 'inline_hook.executed',
        outcome: { result: 'FAILURE', reason: 'Read timed out' },
      }),
    ).toMatchObject({ kind: 'hook-failure', failure: 'timeout' });
    expect(
      classifyOktaEvent({
        eventType: 'inline_hook.executed',
        outcome: { result: 'FAILURE', reason: 'HTTP 500' },
      }),
    ).toMatchObject({ kind: 'hook-failure', failure: 'error' });
    expect(
      classifyOktaEvent({ eventType: 'inline_hook.response.processed', outcome: { result: 'FAILURE' } }),
    ).toMatchObject({ kind: 'hook-failure', failure: 'error' });
  });

  it("ignores other inline hooks' failures once the telephony hook's id is set, and counts what names no hook", () => {
    // Prepare: Okta logs inline_hook.* for every inline hook of the org
    const failure = (target?: object[]) => ({
      eventType: 'inline_hook.executed',
      outcome: { result: 'FAILURE', reason: 'Read timed out' },
      ...(target ? { target } : {}),
    });
    const ours = failure([{ id: 'cal3ughy17pylLxQB357', type: 'InlineHook', displayName: 'Phone MFA' }]);
    const registration = failure([
      { id: 'calRegistration0000001', type: 'InlineHook', displayName: 'Sign-up' },
    ]);
    const options = { telephonyHookId: 'cal3ughy17pylLxQB357' };

    // Act, Assess
    expect(classifyOktaEvent(ours, options)).toMatchObject({ kind: 'hook-failure', failure: 'timeout' });
    expect(classifyOktaEvent(registration, options)).toMatchObject({
      kind: 'ignored',
      why: 'another inline hook',
    });
    expect(classifyOktaEvent(failure(), options)).toMatchObject({ kind: 'hook-failure' });
    expect(classifyOktaEvent(failure([]), options)).toMatchObject({ kind: 'hook-failure' });
    // Targets that are no inline hook (a user, an app) tell nothing about which hook failed: it counts
    const userOnly = failure([{ id: '00uhxxSknGtK8022w0g3', type: 'User' }]);
    expect(classifyOktaEvent(userOnly, options)).toMatchObject({ kind: 'hook-failure' });
    // Unset: every inline hook of the org counts, as before
    expect(classifyOktaEvent(registration)).toMatchObject({ kind: 'hook-failure' });
  });

  it("reads a phone factor's enrolment as the enrolment code used, for the enrolled user", () => {
    // Prepare: an admin enrols the user (actor ≠ user); the factor only in the target's name, or in debugData
    const activate = (target: object[], debugData: object = {}, result = 'SUCCESS') => ({
      uuid: 'u-2',
      published: PUBLISHED,
      eventType: 'user.mfa.factor.activate',
      actor: { id: '00uAdmin', type: 'User' },
      outcome: { result },
      target,
      debugContext: { debugData },
    });
    const user = { id: '00uNewHire', type: 'User', displayName: 'New Hire' };

    // Assess
    expect(
      classifyOktaEvent(activate([user, { type: 'Factor', displayName: 'SMS Authentication' }])),
    ).toEqual({
      kind: 'verified',
      uuid: 'u-2',
      userId: '00uNewHire',
      channel: 'sms',
      publishedMs: Date.parse(PUBLISHED),
    });
    expect(
      classifyOktaEvent(activate([user, { type: 'Factor', displayName: 'Voice Call Authentication' }])),
    ).toMatchObject({ kind: 'verified', channel: 'voice', userId: '00uNewHire' });
    expect(classifyOktaEvent(activate([user], { factor: 'CALL_FACTOR' }))).toMatchObject({
      channel: 'voice',
    });
    // Another factor, a factor it cannot read, a failed activation: never guessed
    expect(classifyOktaEvent(activate([user, { type: 'Factor', displayName: 'Okta Verify' }])).kind).toBe(
      'ignored',
    );
    expect(classifyOktaEvent(activate([user])).kind).toBe('ignored');
    // The factor Okta names decides: an e-mail factor is no phone code, whatever a target is called
    expect(
      classifyOktaEvent(
        activate([user, { type: 'Factor', displayName: 'SMS Authentication' }], { factor: 'EMAIL_FACTOR' }),
      ).kind,
    ).toBe('ignored');
    expect(
      classifyOktaEvent(
        activate([user, { type: 'Factor', displayName: 'SMS Authentication' }], {}, 'FAILURE'),
      ).kind,
    ).toBe('ignored');
  });

  it('lists every event type it reads, for the EventBridge rule', () => {
    expect([...OKTA_EVENT_TYPES].sort()).toEqual([
      'inline_hook.executed',
      'inline_hook.response.processed',
      'user.authentication.auth_via_mfa',
      'user.mfa.factor.activate',
    ]);
  });
});
