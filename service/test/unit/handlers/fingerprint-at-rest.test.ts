// No code can be recovered at rest: whoever reads the idempotency table, the DLQ or the logs, without the
// fingerprint key from Secrets Manager, cannot test a guessed code offline. A 6-digit code has 10^6 values, so these
// tests try all of them against every unkeyed construction an implementation might store. Without the key the code
// is still delivered, and nothing derived from it is stored.
import { hash, randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadFixture, type OktaHookRequestFixture } from '../../../../contracts/fixtures/index.js';
import { localDynamoClient } from '../../../local/dynalite.js';
import { generateSecretValue } from '../../../local/emulators/index.js';
import { fingerprintKeyFrom, fingerprintOf } from '../../../src/domain/fingerprint.js';
import { HookHarness } from '../../helpers/hook-harness.js';
import { OutputCapture } from '../../helpers/output-capture.js';

const harness = new HookHarness({ DEADLINE_MS: '1000' });
const output = new OutputCapture();
const PHONE = '+14155550123';

/** A fixture with a fresh eventId and a random code. */
function payload(edit?: (p: OktaHookRequestFixture) => void) {
  const p = loadFixture('request-sms-mfa-verification');
  p.eventId = randomUUID();
  p.data.messageProfile.otpCode = String(Math.floor(Math.random() * 1_000_000)).padStart(6, '0');
  p.data.messageProfile.msgTemplate = `Your code is ${p.data.messageProfile.otpCode}`;
  p.data.messageProfile.otpExpires = new Date(Date.now() + 300_000).toISOString();
  edit?.(p);
  return p;
}

const md5Json = (value: string) => hash('md5', JSON.stringify(value), 'base64');
const sha256 = (text: string) => hash('sha256', text);

/** What the unkeyed scheme stored as `validation`: Powertools' MD5 of the JSON of sha256(phone \0 code). */
const unkeyedValidation = (phone: string, code: string) => md5Json(sha256(`${phone}\u0000${code}`));

/**
 * The codes among `from`..`to` whose unkeyed digest is in `stored`: Powertools' validation of sha256(phone \0 code)
 * (the old scheme), that SHA-256 itself, Powertools' validation of the bare code, and the code's SHA-256.
 */
function bruteForce(phone: string, stored: Set<string>, from = 0, to = 999_999): string[] {
  const found: string[] = [];
  for (let n = from; n <= to; n += 1) {
    const code = String(n).padStart(6, '0');
    const phoneAndCode = sha256(`${phone}\u0000${code}`);
    if (
      stored.has(md5Json(phoneAndCode)) ||
      stored.has(phoneAndCode) ||
      stored.has(md5Json(code)) ||
      stored.has(sha256(code))
    ) {
      found.push(code);
    }
  }
  return found;
}

/** Every string in a value, nested JSON included. */
function stringsIn(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    out.add(value);
    try {
      const parsed: unknown = JSON.parse(value);
      if (parsed && typeof parsed === 'object') stringsIn(parsed, out);
    } catch {
      // not JSON: the string itself is enough
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      out.add(key);
      stringsIn(item, out);
    }
  }
  return out;
}

/** The idempotency record of an event, as stored. */
async function storedRecord(eventId: string): Promise<Record<string, any> | undefined> {
  const { Items } = await localDynamoClient(harness.db.endpoint).send(
    new ScanCommand({ TableName: 'idempotency' }),
  );
  const suffix = `#${md5Json(eventId)}`;
  return Items?.map((item) => unmarshall(item)).find((item) => String(item.id).endsWith(suffix));
}

const metric = (name: string) => output.metrics().filter((m) => m.name === name);
const statusOf = (body: any) => body?.commands?.[0]?.value?.[0]?.status;

beforeAll(async () => {
  await harness.start();
  harness.secretsManager.emulator.put('another-key', generateSecretValue());
  output.start();
});
afterAll(async () => {
  output.stop();
  await harness.stop();
});
beforeEach(async () => {
  await harness.reset();
  output.clear();
});

describe('at rest, with the key', () => {
  it('stores nothing an offline guess over all 10^6 codes could match', async () => {
    // Prepare
    const request = payload();
    const code = request.data.messageProfile.otpCode;

    // Act
    const answer = await harness.invoke(request);

    // Assess
    expect(statusOf(answer.body)).toBe('SUCCESSFUL');
    const record = await storedRecord(request.eventId!);
    expect(record?.status).toBe('COMPLETED');
    expect(record?.validation).toEqual(expect.any(String));
    const stored = stringsIn(record);
    expect(stored.has(unkeyedValidation(PHONE, code))).toBe(false);
    expect(bruteForce(PHONE, stored)).toEqual([]);
    // The search is not blind: it finds the code in what the unkeyed scheme stored.
    const near = Math.max(0, Number(code) - 50);
    expect(bruteForce(PHONE, new Set([unkeyedValidation(PHONE, code)]), near, near + 100)).toEqual([code]);
  });

  it('stores another digest for the same number and code under another key, and the same one under the same key', async () => {
    // Prepare
    const first = payload();
    const code = first.data.messageProfile.otpCode;
    const again = payload((p) => (p.data.messageProfile.otpCode = code));
    const otherKey = payload((p) => (p.data.messageProfile.otpCode = code));

    // Act
    await harness.invoke(first);
    await harness.invoke(again);
    await harness.load({ FINGERPRINT_KEY_SECRET: 'another-key' });
    await harness.invoke(otherKey);
    await harness.load();

    // Assess
    const [a, b, c] = await Promise.all([first, again, otherKey].map((p) => storedRecord(p.eventId!)));
    expect(a?.validation).toEqual(expect.any(String));
    expect(b?.validation).toBe(a?.validation);
    expect(c?.validation).toEqual(expect.any(String));
    expect(c?.validation).not.toBe(a?.validation);
    // And it is the keyed fingerprint, as Powertools stores a validation value.
    const key = fingerprintKeyFrom(harness.fingerprintKey);
    expect(a?.validation).toBe(md5Json(fingerprintOf({ phone: PHONE, rawPhone: PHONE, otpCode: code }, key)));
  });

  it('still refuses a reused eventId that carries another code, and still replays the same code', async () => {
    // Prepare
    const request = payload();
    const first = await harness.invoke(request);
    const reused = structuredClone(request);
    reused.data.messageProfile.otpCode =
      request.data.messageProfile.otpCode === '999999' ? '000000' : '999999';

    // Act
    const refused = await harness.invoke(reused);
    const replayed = await harness.invoke(request);

    // Assess
    expect(refused.body.error.errorCauses[0].reason).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(replayed).toEqual(first);
    expect(harness.sent()).toHaveLength(1);
  });

  it('reads the key from Secrets Manager once per cold start', async () => {
    // Prepare: 10 codes to one number in a few seconds, past the abuse guard's 10-minute limit, which is beside
    // the point here.
    const noNumberLimit = { ABUSE_NUMBER_PER_10_MINUTES: '0' };
    await harness.load(noNumberLimit);
    harness.secretsManager.emulator.resetReads();

    // Act
    for (let i = 0; i < 3; i += 1) await harness.invoke(payload());
    await Promise.all(Array.from({ length: 5 }, () => harness.invoke(payload())));
    const firstColdStart = harness.secretsManager.emulator.reads();
    await harness.load(noNumberLimit);
    await harness.invoke(payload());
    await harness.invoke(payload());

    // Assess
    expect(firstColdStart).toBe(1);
    expect(harness.secretsManager.emulator.reads()).toBe(2);
    expect(harness.sent()).toHaveLength(10);
    expect(metric('FingerprintKeyUnavailable')).toHaveLength(0);
    await harness.load();
  });

  it('keeps the DLQ record and every log line free of the code and of any digest of it', async () => {
    // Prepare
    harness.messaging.emulator.setFault({ mode: 'reject' });
    const request = payload();
    const code = request.data.messageProfile.otpCode;
    const keyed = fingerprintOf(
      { phone: PHONE, rawPhone: PHONE, otpCode: code },
      fingerprintKeyFrom(harness.fingerprintKey),
    );

    // Act
    await harness.invoke(request);

    // Assess
    expect(harness.deadLetters()).toHaveLength(1);
    const written = [...output.lines, ...harness.deadLetters().map((r) => JSON.stringify(r))].join('\n');
    for (const secret of [
      code,
      sha256(`${PHONE}\u0000${code}`),
      unkeyedValidation(PHONE, code),
      md5Json(code),
      keyed,
      md5Json(keyed),
      harness.fingerprintKey,
    ]) {
      expect(written).not.toContain(secret);
    }
  });
});

describe('without the key', () => {
  afterAll(async () => {
    await harness.load();
  });

  it('delivers, stores no validation digest, counts FingerprintKeyUnavailable and warns when the secret cannot be read', async () => {
    // Prepare
    await harness.load({ FINGERPRINT_KEY_SECRET: 'no-such-secret' });
    const request = payload();

    // Act
    const answer = await harness.invoke(request);

    // Assess
    expect(statusOf(answer.body)).toBe('SUCCESSFUL');
    expect(harness.sent()).toHaveLength(1);
    const record = await storedRecord(request.eventId!);
    expect(record?.status).toBe('COMPLETED');
    expect(record).not.toHaveProperty('validation');
    const stored = stringsIn(record);
    const code = request.data.messageProfile.otpCode;
    expect(bruteForce(PHONE, stored, Number(code), Number(code))).toEqual([]);
    expect(metric('FingerprintKeyUnavailable')).toHaveLength(1);
    expect(output.logs().find((l) => l.message.startsWith('Fingerprint key unavailable'))).toMatchObject({
      level: 'WARN',
      eventId: request.eventId,
      reason: 'error',
      errorName: 'ResourceNotFoundException',
    });
  });

  it('never sends twice for a duplicate that arrives while the key is unavailable', async () => {
    // Prepare
    await harness.load({ FINGERPRINT_KEY_SECRET: 'no-such-secret' });
    const request = payload();
    const first = await harness.invoke(request);

    // Act
    const retry = await harness.invoke(request);

    // Assess
    expect(retry).toEqual(first);
    expect(harness.sent()).toHaveLength(1);
    expect(metric('IdempotentReplay')).toHaveLength(1);
  });

  it('answers inside the deadline when Secrets Manager hangs, delivering without a digest', async () => {
    // Prepare
    harness.secretsManager.emulator.setFault({ mode: 'latency', latencyMs: 10_000 });
    await harness.load();
    const request = payload();
    const started = performance.now();

    // Act
    const answer = await harness.invoke(request);
    const elapsed = performance.now() - started;

    // Assess: DEADLINE_MS is 1,000 here; the key gets at most a quarter of it.
    expect(statusOf(answer.body)).toBe('SUCCESSFUL');
    expect(elapsed).toBeLessThan(1_000);
    expect(await storedRecord(request.eventId!)).not.toHaveProperty('validation');
    expect(output.logs().find((l) => l.message.startsWith('Fingerprint key unavailable'))).toMatchObject({
      reason: 'timeout',
    });
  });

  it('replays a record stored without a key once the key is back, rather than sending again', async () => {
    // Prepare
    await harness.load({ FINGERPRINT_KEY_SECRET: 'no-such-secret' });
    const request = payload();
    const first = await harness.invoke(request);
    await harness.load();

    // Act
    const retry = await harness.invoke(request);

    // Assess
    expect(retry).toEqual(first);
    expect(harness.sent()).toHaveLength(1);
  });
});
