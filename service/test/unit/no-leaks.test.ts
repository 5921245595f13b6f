// No secret leaves the process: one capture of every line both handlers write across a full set of runs (every
// fixture, every failure class, allowed and denied tokens) holds no OTP code, no token and no full phone number.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadFixture, loadRequestFixtures } from '../../../contracts/fixtures/index.js';
import { MESSAGING_FAULT_MODES } from '../../local/emulators/messaging.js';
import { HookHarness } from '../helpers/hook-harness.js';
import { TestIssuer } from '../helpers/jwks-server.js';
import { OutputCapture } from '../helpers/output-capture.js';

const harness = new HookHarness({ DEADLINE_MS: '600' });
const issuer = new TestIssuer();
const output = new OutputCapture();

beforeAll(async () => {
  await Promise.all([harness.start(), issuer.start()]);
});
afterAll(async () => {
  output.stop();
  await Promise.all([harness.stop(), issuer.stop()]);
});

describe('no leaks', () => {
  it('never writes an OTP, a token or a full phone number in any log line, metric or DLQ record', async () => {
    // Prepare
    vi.resetModules();
    Object.assign(process.env, { OKTA_ISSUER: issuer.issuer, OKTA_AUDIENCE: 'api://okta-phone-mfa' });
    const authorizer = await import('../../src/handlers/authorize-hook.js');
    const good = await issuer.mint();
    const tokens = [
      good,
      await issuer.mint({ expiresInSeconds: -600 }),
      await issuer.mint({ claims: { aud: 'x' } }),
    ];
    const requests = loadRequestFixtures().map(({ payload }) => ({ ...payload, eventId: randomUUID() }));
    const failing = [
      { ...loadFixture('request-sms-mfa-verification'), eventId: randomUUID() },
      { ...loadFixture('request-call-mfa-verification-en'), eventId: randomUUID() },
    ];
    const secrets = [...requests, ...failing].map((r) => r.data.messageProfile.otpCode);
    const phones = [...requests, ...failing].map((r) => r.data.messageProfile.phoneNumber.replace(/\D/g, ''));
    output.start();

    // Act
    for (const token of tokens) {
      await authorizer
        .handler({
          type: 'TOKEN',
          methodArn: 'arn:aws:execute-api:r:1:a/s/POST/hook',
          authorizationToken: `Bearer ${token}`,
        })
        .catch(() => undefined);
    }
    for (const request of requests) await harness.invoke(request);
    for (const request of requests) await harness.invoke(request);
    for (const mode of MESSAGING_FAULT_MODES) {
      harness.messaging.emulator.setFault({ mode, latencyMs: 2_000 });
      await harness.invoke({ ...failing[0], eventId: randomUUID() });
    }
    harness.messaging.emulator.setFault(undefined);
    const reused = structuredClone(requests[0]!);
    reused.data.messageProfile.otpCode = '918273';
    await harness.invoke(reused);
    await harness.invoke('{"data": {"messageProfile": {"otpCode": "555444"');
    output.stop();

    // Assess
    const everything = [...output.lines, ...harness.deadLetters().map((r) => JSON.stringify(r))].join('\n');
    expect(output.logs().length).toBeGreaterThan(requests.length * 2);
    expect(harness.deadLetters().length).toBeGreaterThanOrEqual(4);
    for (const code of [...secrets, '918273']) expect(everything).not.toContain(code);
    for (const token of tokens) expect(everything).not.toContain(token.split('.')[2]!);
    for (const phone of phones) expect(everything).not.toContain(phone);
  });
});
