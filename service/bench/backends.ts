/**
 * The benchmark's backends in their own process, as DynamoDB, End User Messaging, SQS and Secrets Manager are in AWS:
 * dynalite with the three tables (seeded, plus `--extra N` synthetic templates) and the zero-latency stand-ins (Secrets
 * Manager holding the fingerprint key). Prints one JSON line with the endpoints, then serves until stdin closes.
 */
import { createTables, localDynamoClient, seedTemplates, startDynalite } from '../local/dynalite.js';
import {
  generateSecretValue,
  startMessagingEmulator,
  startSecretsManagerEmulator,
  startSqsEmulator,
} from '../local/emulators/index.js';
import { defaultTemplateItems, type TemplateItem } from '../src/adapters/template-seed.js';
import { delayed, LATENCY_PROFILES, latencyFromArgs } from './latency.js';

const extraIndex = process.argv.indexOf('--extra');
const extraItems = extraIndex > 0 ? Number(process.argv[extraIndex + 1]) : 0;

const db = await startDynalite();
const client = localDynamoClient(db.endpoint);
await createTables(client, {
  templatesTable: 'templates',
  idempotencyTable: 'idempotency',
  abuseTable: 'abuse',
});
const extra: TemplateItem[] = Array.from({ length: extraItems }, (_, i) => ({
  pk: 'template',
  sk: `sms#x-${String(i).padStart(5, '0')}`,
  value: { body: `Synthetic template ${i}, long enough to look like a real one: {{otp}} ({{minutes}} min).` },
}));
await seedTemplates(client, 'templates', [...defaultTemplateItems(), ...extra]);
const messaging = await startMessagingEmulator();
const sqs = await startSqsEmulator();
const fingerprintKeySecret = 'okta-phone-mfa/fingerprint-key';
const secretsManager = await startSecretsManagerEmulator({
  secrets: { [fingerprintKeySecret]: generateSecretValue() },
});
// `--latency production`: each backend behind a proxy that holds every call as long as the service would.
const profile = latencyFromArgs(process.argv)?.profile ?? LATENCY_PROFILES.zero;
const endpoints = {
  dynamodb: (await delayed(db.endpoint, profile.dynamodb)).endpoint,
  messaging: (await delayed(messaging.endpoint, profile.messaging)).endpoint,
  sqs: (await delayed(sqs.endpoint, profile.sqs)).endpoint,
  queueUrl: sqs.queueUrl,
  secretsManager: (await delayed(secretsManager.endpoint, profile.secretsManager)).endpoint,
  fingerprintKeySecret,
};
process.stdout.write(`${JSON.stringify(endpoints)}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
