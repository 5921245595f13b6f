/**
 * `npm run bench -- --stages`: every AWS call of the hook's paths, as sequential stages (stages.ts), with the real
 * handler and the stand-ins in this process: a cold first delivery (its init, then its request), a warm delivery, a
 * replay, a guard refusal and a failover. Counts, not times: what each path waits on in AWS is its number of stages
 * times the round trip of each.
 */
import { randomUUID } from 'node:crypto';
import { loadFixture } from '../../contracts/fixtures/index.js';
import { createTables, localDynamoClient, seedTemplates, startDynalite } from '../local/dynalite.js';
import {
  generateSecretValue,
  startMessagingEmulator,
  startSecretsManagerEmulator,
  startSqsEmulator,
} from '../local/emulators/index.js';
import { lambdaContext } from '../local/lambda-context.js';
import { defaultTemplateItems } from '../src/adapters/template-seed.js';
import { type AwsCall, formatStages, stageRecorder, stagesOf } from './stages.js';

/** One path: its stages written out and counted. */
export type StagePath = { path: string; stages: string; count: number };

type Handler = (event: unknown, context: unknown) => Promise<{ body: string }>;

/** Waits until `recorder` has seen at least `n` calls (the init's reads), or a second. */
async function settle(take: () => AwsCall[], n: number): Promise<AwsCall[]> {
  let calls = take();
  for (let i = 0; i < 100 && calls.length < n; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    calls = [...calls, ...take()];
  }
  return calls;
}

/** Measures the paths; the stand-ins are stopped before it returns. */
export async function measureStagePaths(): Promise<StagePath[]> {
  const db = await startDynalite();
  const client = localDynamoClient(db.endpoint);
  const tables = { templates: 'templates', idempotency: 'idempotency', abuse: 'abuse', messages: 'messages' };
  await createTables(client, {
    templatesTable: tables.templates,
    idempotencyTable: tables.idempotency,
    abuseTable: tables.abuse,
    messagesTable: tables.messages,
  });
  await seedTemplates(client, tables.templates, defaultTemplateItems());
  const messaging = await startMessagingEmulator();
  const sqs = await startSqsEmulator();
  const secret = 'okta-phone-mfa/fingerprint-key';
  const secretsManager = await startSecretsManagerEmulator({ secrets: { [secret]: generateSecretValue() } });
  Object.assign(process.env, {
    TEMPLATES_TABLE_NAME: tables.templates,
    IDEMPOTENCY_TABLE_NAME: tables.idempotency,
    ABUSE_TABLE_NAME: tables.abuse,
    MESSAGES_TABLE_NAME: tables.messages,
    DLQ_URL: sqs.queueUrl,
    DYNAMODB_ENDPOINT: db.endpoint,
    SMS_VOICE_ENDPOINT: messaging.endpoint,
    SQS_ENDPOINT: sqs.endpoint,
    SECRETS_MANAGER_ENDPOINT: secretsManager.endpoint,
    FINGERPRINT_KEY_SECRET: secret,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
  });
  const recorder = stageRecorder(tables);
  const paths: StagePath[] = [];
  const add = (path: string, calls: AwsCall[]) => {
    const stages = stagesOf(calls);
    paths.push({ path, stages: formatStages(stages), count: stages.length });
  };
  let n = 0;
  const fresh = (phone?: string) => {
    const p = loadFixture('request-sms-mfa-verification');
    n += 1;
    p.eventId = randomUUID();
    p.data.userProfile = { ...p.data.userProfile, userId: `00ustage${n}` } as typeof p.data.userProfile;
    p.data.messageProfile.phoneNumber = phone ?? `+1415555${String(1000 + n).padStart(4, '0')}`;
    p.data.messageProfile.otpExpires = new Date(Date.now() + 300_000).toISOString();
    return p;
  };
  try {
    recorder.take();
    const { handler } = (await import(`../src/handlers/deliver-otp.js?stages=${Date.now()}`)) as {
      handler: Handler;
    };
    add('cold start: init', await settle(() => recorder.take(), 5));
    const invoke = async (payload: unknown) => {
      recorder.take();
      const answer = await handler({ body: JSON.stringify(payload) }, lambdaContext('deliver-otp'));
      return { answer, calls: recorder.take() };
    };
    add('cold start: first delivery', (await invoke(fresh())).calls);
    add('warm delivery', (await invoke(fresh())).calls);
    const once = fresh();
    await invoke(once);
    add('replay', (await invoke(once)).calls);
    const busy = `+1415555${String(8000 + n).padStart(4, '0')}`;
    for (let i = 0; i < 5; i += 1) await invoke(fresh(busy));
    add('guard refusal (6th code to a number in 10 min)', (await invoke(fresh(busy))).calls);
    messaging.emulator.setFault({ mode: 'identity-inactive', identity: '+12065550100' });
    add('failover (first identity inactive)', (await invoke(fresh())).calls);
    messaging.emulator.setFault(undefined);
    return paths;
  } finally {
    recorder.stop();
    await Promise.all([messaging.close(), sqs.close(), secretsManager.close(), db.close()]);
  }
}
