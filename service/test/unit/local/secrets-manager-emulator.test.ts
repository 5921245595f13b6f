// The Secrets Manager stand-in speaks AWS JSON 1.1 as AWS does, so the real SDK client reads from it unchanged and
// an unknown secret fails as it fails in AWS.
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretValue, startSecretsManagerEmulator } from '../../../local/emulators/index.js';

let secrets: Awaited<ReturnType<typeof startSecretsManagerEmulator>>;
let client: SecretsManagerClient;
const VALUE = generateSecretValue();

beforeAll(async () => {
  secrets = await startSecretsManagerEmulator({ secrets: { 'okta-phone-mfa/fingerprint-key': VALUE } });
  client = new SecretsManagerClient({ region: 'us-east-1', endpoint: secrets.endpoint, maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await secrets.close();
});

describe('the Secrets Manager stand-in', () => {
  it('answers GetSecretValue by name and by ARN through the real SDK client', async () => {
    // Act
    const byName = await client.send(
      new GetSecretValueCommand({ SecretId: 'okta-phone-mfa/fingerprint-key' }),
    );
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: byName.ARN }));

    // Assess
    expect(byName).toMatchObject({
      Name: 'okta-phone-mfa/fingerprint-key',
      SecretString: VALUE,
      VersionStages: ['AWSCURRENT'],
    });
    expect(byName.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:000000000000:secret:okta-phone-mfa\/fingerprint-key-\w{6}$/,
    );
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    expect(byArn.SecretString).toBe(VALUE);
  });

  it('refuses an unknown SecretId with ResourceNotFoundException, as AWS does', async () => {
    const error = await client.send(new GetSecretValueCommand({ SecretId: 'nope' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as Error).message).toBe("Secrets Manager can't find the specified secret.");
  });

  it('speaks application/x-amz-json-1.1 and counts the reads of each secret', async () => {
    // Prepare
    secrets.emulator.resetReads();

    // Act
    const response = await fetch(secrets.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'secretsmanager.GetSecretValue',
      },
      body: JSON.stringify({ SecretId: 'okta-phone-mfa/fingerprint-key' }),
    });

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(((await response.json()) as { SecretString: string }).SecretString).toBe(VALUE);
    expect(secrets.emulator.reads('okta-phone-mfa/fingerprint-key')).toBe(1);
  });

  it('generates a 64-character key each time', () => {
    expect(generateSecretValue()).toMatch(/^[0-9a-f]{64}$/);
    expect(generateSecretValue()).not.toBe(generateSecretValue());
  });
});
