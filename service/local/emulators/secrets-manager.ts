import { randomBytes, randomUUID } from 'node:crypto';
import { localArn } from '../iam/stack-policies.js';
import { AwsError, type AwsJsonAuthorizer, awsJsonHandler, listen, waitOrAbort } from './aws-json.js';

/**
 * A fault of the Secrets Manager stand-in: `latency` holds each read (then answers), `error` answers 500
 * (InternalServiceError, which the SDK retries).
 */
export type SecretsManagerFault = { mode: 'latency' | 'error'; latencyMs?: number };

type StoredSecret = { name: string; arn: string; value: string; versionId: string; createdAt: number };

/** A random secret value of 64 characters (256 bits), as long as the one the stack has Secrets Manager generate. */
export function generateSecretValue(): string {
  return randomBytes(32).toString('hex');
}

/**
 * AWS Secrets Manager stand-in over AWS JSON 1.1 (`X-Amz-Target: secretsmanager.GetSecretValue`): secrets by name
 * or ARN, `ResourceNotFoundException` for any other id as AWS answers, and a count of the reads (a cold start reads
 * its key once).
 */
export class SecretsManagerEmulator {
  readonly #secrets = new Map<string, StoredSecret>();
  readonly #reads = new Map<string, number>();
  #fault: SecretsManagerFault | undefined;

  /**
   * Creates or replaces a secret.
   *
   * @param name - the secret's name, e.g. `okta-phone-mfa/fingerprint-key`
   * @param value - its `SecretString`
   * @returns the secret's ARN
   */
  put(name: string, value: string): string {
    const arn = localArn.secret(name);
    this.#secrets.set(name, { name, arn, value, versionId: randomUUID(), createdAt: Date.now() / 1000 });
    return arn;
  }

  /** A secret's value by name or ARN, as an operator reads it (the harness and the local tools; not counted). */
  value(secretId: string): string | undefined {
    return this.#find(secretId)?.value;
  }

  /** How many `GetSecretValue` calls named this secret (found or not), or all of them without a name. */
  reads(secretId?: string): number {
    if (secretId === undefined) return [...this.#reads.values()].reduce((sum, n) => sum + n, 0);
    return this.#reads.get(secretId) ?? 0;
  }

  resetReads(): void {
    this.#reads.clear();
  }

  setFault(fault: SecretsManagerFault | undefined): void {
    this.#fault = fault;
  }

  /** A secret's ARN, by its name or ARN; for an id it does not hold, the ARN that name would have. */
  arnOf(secretId: string): string {
    return this.#find(secretId)?.arn ?? (secretId.startsWith('arn:') ? secretId : localArn.secret(secretId));
  }

  #find(secretId: string): StoredSecret | undefined {
    return this.#secrets.get(secretId) ?? [...this.#secrets.values()].find((s) => s.arn === secretId);
  }

  #authorizer: AwsJsonAuthorizer | undefined;

  /** The local IAM: asked before each operation (see `local/iam/`); none = every call allowed. */
  setAuthorizer(authorizer: AwsJsonAuthorizer | undefined): void {
    this.#authorizer = authorizer;
  }

  readonly handle = awsJsonHandler(
    {
      'secretsmanager.GetSecretValue': async (input, req) => {
        const secretId = typeof input.SecretId === 'string' ? input.SecretId : '';
        this.#reads.set(secretId, (this.#reads.get(secretId) ?? 0) + 1);
        if (this.#fault?.mode === 'latency') await waitOrAbort(this.#fault.latencyMs ?? 1_000, req);
        if (this.#fault?.mode === 'error') {
          throw new AwsError('InternalServiceError', 'An error occurred on the server side.', 500);
        }
        if (!secretId) throw new AwsError('InvalidParameterException', 'SecretId is required.');
        const secret = this.#find(secretId);
        if (!secret) {
          throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        }
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: secret.versionId,
          SecretString: secret.value,
          VersionStages: ['AWSCURRENT'],
          CreatedDate: secret.createdAt,
        };
      },
    },
    '1.1',
    () => this.#authorizer,
  );
}

/**
 * Starts the Secrets Manager stand-in on its own port.
 *
 * @param options - `port` (0 = free), `secrets` to create (name → value)
 */
export async function startSecretsManagerEmulator(
  options: { port?: number; secrets?: Record<string, string> } = {},
) {
  const emulator = new SecretsManagerEmulator();
  for (const [name, value] of Object.entries(options.secrets ?? {})) emulator.put(name, value);
  const running = await listen(emulator.handle, options.port);
  return { endpoint: running.endpoint, emulator, close: running.close };
}
