// The fingerprint key is read from Secrets Manager once per cold start, through the hook's own bounded client:
// no request waits longer than its share of the deadline, concurrent requests share one read, and a failure is
// reported (never papered over with an unkeyed digest) and retried only after a pause.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSecretsManagerEmulator } from '../../../local/emulators/index.js';
import { createHookClients } from '../../../src/adapters/aws-clients.js';
import { SecretsManagerFingerprintKey } from '../../../src/adapters/fingerprint-key.js';
import { loadHookConfig } from '../../../src/config.js';
import { fingerprintKeyFrom, fingerprintOf } from '../../../src/domain/fingerprint.js';

const NAME = 'okta-phone-mfa/fingerprint-key';
const VALUE = 'a1'.repeat(32);
let secrets: Awaited<ReturnType<typeof startSecretsManagerEmulator>>;
let clients: ReturnType<typeof createHookClients>;
const request = { phone: '+14155550123', rawPhone: '+14155550123', otpCode: '627381' };

beforeAll(async () => {
  secrets = await startSecretsManagerEmulator({ secrets: { [NAME]: VALUE, short: 'too-short' } });
  clients = createHookClients(
    loadHookConfig({
      TEMPLATES_TABLE_NAME: 'templates',
      IDEMPOTENCY_TABLE_NAME: 'idempotency',
      ABUSE_TABLE_NAME: 'abuse',
      DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/dlq',
      FINGERPRINT_KEY_SECRET: NAME,
      SECRETS_MANAGER_ENDPOINT: secrets.endpoint,
      AWS_REGION: 'us-east-1',
    }),
  );
});
afterAll(() => secrets.close());
beforeEach(() => {
  secrets.emulator.resetReads();
  secrets.emulator.setFault(undefined);
});

describe('SecretsManagerFingerprintKey', () => {
  it('reads the secret once and holds the key for every later request', async () => {
    // Prepare
    const source = new SecretsManagerFingerprintKey(clients.secretsManager, NAME);

    // Act
    const lookups = [];
    for (let i = 0; i < 5; i += 1) lookups.push(await source.get(500));

    // Assess
    expect(secrets.emulator.reads(NAME)).toBe(1);
    for (const lookup of lookups) {
      expect(fingerprintOf(request, lookup.key!)).toBe(fingerprintOf(request, fingerprintKeyFrom(VALUE)));
    }
  });

  it('shares one read between concurrent requests', async () => {
    const source = new SecretsManagerFingerprintKey(clients.secretsManager, NAME);
    const lookups = await Promise.all(Array.from({ length: 10 }, () => source.get(500)));
    expect(lookups.every((lookup) => lookup.key !== undefined)).toBe(true);
    expect(secrets.emulator.reads(NAME)).toBe(1);
  });

  it('stops waiting after waitMs while the read goes on, and its late answer serves the next request', async () => {
    // Prepare
    secrets.emulator.setFault({ mode: 'latency', latencyMs: 300 });
    const source = new SecretsManagerFingerprintKey(clients.secretsManager, NAME);
    const started = performance.now();

    // Act
    const first = await source.get(50);
    const waited = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 400));
    const second = await source.get(0);

    // Assess
    expect(first).toEqual({ reason: 'timeout' });
    expect(waited).toBeLessThan(150);
    expect(second.key).toBeDefined();
    expect(secrets.emulator.reads(NAME)).toBe(1);
  });

  it('reports ResourceNotFoundException for a secret that does not exist, and asks again only after the pause', async () => {
    // Prepare
    let now = 1_000_000;
    const source = new SecretsManagerFingerprintKey(clients.secretsManager, 'no-such-secret', {
      retryAfterFailureMs: 5_000,
      now: () => now,
    });

    // Act
    const first = await source.get(500);
    const duringPause = await source.get(500);
    now += 5_000;
    const afterPause = await source.get(500);

    // Assess
    expect(first).toEqual({ reason: 'error', errorName: 'ResourceNotFoundException' });
    expect(duringPause).toEqual(first);
    expect(afterPause).toEqual(first);
    expect(secrets.emulator.reads('no-such-secret')).toBe(2);
  });

  it('refuses a secret too short to be a key', async () => {
    const source = new SecretsManagerFingerprintKey(clients.secretsManager, 'short');
    expect(await source.get(500)).toEqual({ reason: 'invalid', errorName: 'FingerprintKeyError' });
  });

  it("gives up on a hung Secrets Manager within the client's own timeouts, after two attempts", async () => {
    // Prepare
    secrets.emulator.setFault({ mode: 'latency', latencyMs: 10_000 });
    const source = new SecretsManagerFingerprintKey(clients.secretsManager, NAME);
    const started = performance.now();

    // Act
    const lookup = await source.get(5_000);

    // Assess
    expect(lookup).toMatchObject({ reason: 'error' });
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(secrets.emulator.reads(NAME)).toBe(2);
  });
});
