/**
 * No code at rest, end to end: Okta → local API Gateway → the real hook, which reads its fingerprint key from the
 * stack's Secrets Manager stand-in (AWS JSON 1.1 on the stack port) once per cold start. Read back over HTTP, the
 * idempotency record's `validation` is the keyed digest, not the unkeyed one a table reader could reverse.
 */
import { createHmac, hash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../local/dynalite.js';
import type { LocalStack } from '../../local/stack.js';
import { hookRequest, mint, outbox, postHook, resetStack, startStack } from './helpers.js';

let stack: LocalStack;
let token: string;

beforeAll(async () => {
  stack = await startStack();
  token = await mint(stack);
});
afterAll(() => stack?.close());
beforeEach(() => resetStack(stack));

const md5Json = (value: string) => hash('md5', JSON.stringify(value), 'base64');
const statusOf = (body: any) => body?.commands?.[0]?.value?.[0]?.status;

/** The stack's fingerprint key, read as the hook reads it: GetSecretValue over HTTP on the stack port. */
async function fingerprintKeyOf(running: LocalStack): Promise<string | undefined> {
  const client = new SecretsManagerClient({
    region: 'us-east-1',
    endpoint: running.baseUrl,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    return (await client.send(new GetSecretValueCommand({ SecretId: running.fingerprintKeySecret })))
      .SecretString;
  } finally {
    client.destroy();
  }
}

/** The idempotency record of an event, read over HTTP through the stack's DynamoDB route. */
async function storedRecord(eventId: string): Promise<Record<string, any> | undefined> {
  const client = localDynamoClient(stack.baseUrl);
  try {
    const { Items } = await client.send(new ScanCommand({ TableName: stack.tables.idempotency }));
    const suffix = `#${md5Json(eventId)}`;
    return Items?.map((item) => unmarshall(item)).find((item) => String(item.id).endsWith(suffix));
  } finally {
    client.destroy();
  }
}

describe('the idempotency record over HTTP', () => {
  it('holds the keyed digest of number and code, never the unkeyed one, and the hook read its key once', async () => {
    // Prepare
    const payloads = [hookRequest(), hookRequest(), hookRequest()];

    // Act
    for (const payload of payloads)
      expect(statusOf((await postHook(stack, payload, { token })).body)).toBe('SUCCESSFUL');
    const reads = stack.secretsManager.reads(stack.fingerprintKeySecret);

    // Assess
    const key = await fingerprintKeyOf(stack);
    expect(reads).toBe(1);
    for (const payload of payloads) {
      const phoneAndCode = `+14155550123\u0000${payload.data.messageProfile.otpCode}`;
      const record = await storedRecord(payload.eventId!);
      expect(record?.status).toBe('COMPLETED');
      expect(record?.validation).not.toBe(md5Json(hash('sha256', phoneAndCode)));
      expect(record?.validation).toBe(md5Json(createHmac('sha256', key!).update(phoneAndCode).digest('hex')));
      expect(JSON.stringify(record)).not.toContain(payload.data.messageProfile.otpCode);
    }
  });

  it('refuses an eventId reused with another code under the keyed digest, and sends once', async () => {
    // Prepare
    const payload = hookRequest();
    await postHook(stack, payload, { token });
    const reused = structuredClone(payload);
    reused.data.messageProfile.otpCode =
      payload.data.messageProfile.otpCode === '999999' ? '000000' : '999999';

    // Act
    const answer = await postHook(stack, reused, { token });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.error.errorCauses[0].reason).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await outbox(stack)).toHaveLength(1);
  });
});

describe('the local fingerprint key', () => {
  it('is new on every start, and kept owner-only in the --persist directory across restarts', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'okta-phone-mfa-key-'));
    try {
      // Act
      const first = await startStack({ persistDir: dir });
      const persisted = await fingerprintKeyOf(first);
      await first.close();
      const again = await startStack({ persistDir: dir });
      const restarted = await fingerprintKeyOf(again);
      await again.close();

      // Assess
      expect(persisted).toMatch(/^[0-9a-f]{64}$/);
      expect(restarted).toBe(persisted);
      expect(statSync(join(dir, 'fingerprint-key')).mode & 0o777).toBe(0o600);
      expect(await fingerprintKeyOf(stack)).not.toBe(persisted);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
