// The redaction layer: every line the one Logger writes is scrubbed of the secrets registered by the invocations in
// flight (the code, Okta's rendered message, the bearer token), in every field and at every depth.
import { afterEach, describe, expect, it } from 'vitest';
import { logger, secrets } from '../../../src/powertools/index.js';
import { OutputCapture } from '../../helpers/output-capture.js';

const output = new OutputCapture();
const releases: Array<() => void> = [];

/** Registers values as a handler does, released after each test. */
function register(...values: string[]): void {
  for (const value of values) releases.push(secrets.register(value));
}

afterEach(() => {
  output.stop();
  output.clear();
  for (const release of releases.splice(0)) release();
});

describe('the redaction layer', () => {
  it('scrubs a registered code from eventId, a nested object, an array and an error message and stack', () => {
    // Prepare
    const code = '627381';
    register(code);
    output.start();

    // Act
    logger.info('OTP delivered', {
      eventId: `evt-${code}`,
      request: { context: { id: `req-${code}` } },
      seen: ['first', `then ${code}`],
      error: new Error(`provider echoed ${code}`),
    });
    output.stop();

    // Assess
    const [line, ...more] = output.lines;
    expect(more).toHaveLength(0);
    expect(line).not.toContain(code);
    const entry = JSON.parse(line!);
    expect(entry).toMatchObject({
      eventId: 'evt-[REDACTED]',
      request: { context: { id: 'req-[REDACTED]' } },
      seen: ['first', 'then [REDACTED]'],
      error: { name: 'Error', message: 'provider echoed [REDACTED]' },
    });
    expect(entry.error.stack).toMatch(/^Error: provider echoed \[REDACTED\]\n/);
  });

  it("scrubs every in-flight invocation's code, Okta message and token, in the message too", () => {
    // Prepare: two overlapping invocations and an authorizer call
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJva3RhIn0.c2lnbmF0dXJl';
    register('111222', 'Your verification code is 111222', '333444', token);
    output.start();

    // Act
    logger.warn('Provider said: Your verification code is 111222', {
      first: { echo: 'Your verification code is 111222' },
      second: [{ echo: 'code 333444' }],
      header: `Bearer ${token}`,
    });
    output.stop();

    // Assess
    const line = output.lines.join('\n');
    for (const secret of ['111222', '333444', 'verification code is', token.split('.')[2]!]) {
      expect(line).not.toContain(secret);
    }
    expect(JSON.parse(line).message).toBe('Provider said: [REDACTED]');
  });

  it('scrubs a registered code at any depth and inside numbers, and keeps the line valid JSON', () => {
    // Prepare
    const code = '918273';
    register(code);
    let deep: Record<string, unknown> = { leaf: `code ${code}` };
    for (let level = 0; level < 12; level += 1) deep = { level, deep };
    output.start();

    // Act
    logger.info('deep', { deep, asNumber: Number(code), elapsedMs: 42 });
    output.stop();

    // Assess
    const [line] = output.lines;
    expect(line).not.toContain(code);
    expect(JSON.parse(line!)).toMatchObject({ asNumber: '[REDACTED]', elapsedMs: 42 });
  });
});
