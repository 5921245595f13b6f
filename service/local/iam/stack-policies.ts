/**
 * The IAM policy of each local function's role, read from the template the CDK stack synthesizes: one source, so a
 * grant removed in `infra/` breaks, locally too, the call that needed it. The stack is synthesized in-process with a
 * deployment's settings (the defaults of cdk.json, any client, and Okta Log Streaming so that the conversion
 * functions exist), bundling skipped; each role's statements are resolved to the local stack's resources (tables,
 * queue, secrets) as ARNs in a local account and region. The result is cached on disk, keyed by the sources the
 * synthesis reads, so only the first start after a change to them pays for the synthesis (a few seconds).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_NOTIFY_CONFIGURATION_ID } from '../emulators/notify.js';
import type { LocalFunctionName } from '../function-env.js';
import type { PolicyStatement } from './policy.js';

/** The local stack's account and region, as its ARNs name them. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/** A function's role, as the local IAM checks calls against it. */
export type LocalRole = {
  /** The role's name in the synthesized template (its logical id): AccessDenied messages name it. */
  roleName: string;
  statements: PolicyStatement[];
};

/** What the local stack calls its resources: each resource of the template resolves to one of these. */
export type LocalResourceNames = {
  tables: { templates: string; idempotency: string; abuse: string; messages: string };
  queues: { deadLetters: string; eventFailures: string };
  secrets: { fingerprintKey: string; eventHook: string };
};

/** Local ARNs, as AWS spells them for this account and region. */
export const localArn = {
  table: (name: string) => `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${name}`,
  queue: (name: string) => `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${name}`,
  /** A secret's ARN ends in a dash and six characters Secrets Manager picks: here always `-Local0`. */
  secret: (name: string) => `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${name}-Local0`,
  smsVoice: (resource: string) => `arn:aws:sms-voice:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`,
  /** The principal of a function's calls, as AccessDenied messages name it. */
  assumedRole: (roleName: string, functionName: string) =>
    `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${roleName}/${functionName}`,
};

/** Each local function's construct path in the stack (`OktaPhoneMfa/<path>/…`). */
const FUNCTION_PATHS: Record<LocalFunctionName, string> = {
  'authorize-hook': 'Authorizer',
  'deliver-otp': 'DeliverOtp',
  'record-delivery-event': 'Receipts/RecordDeliveryEvent',
  'record-verification': 'Conversion/RecordVerification',
  'sweep-messages': 'Conversion/SweepMessages',
};

type Template = {
  Resources: Record<string, { Type: string; Properties?: any; Metadata?: Record<string, any> }>;
};

const pathOf = (resource: { Metadata?: Record<string, any> }) =>
  String(resource.Metadata?.['aws:cdk:path'] ?? '');

/**
 * Resolves CloudFormation's intrinsics in a policy to local values: pseudo parameters, the ARNs and names of the
 * stack's tables, queues and secrets; anything else to a value no local resource has (it then grants nothing).
 */
function resolver(template: Template, names: LocalResourceNames) {
  const arns = new Map<string, string>();
  /** The resource of a type under a construct (`/MessagesTable/`), if the stack has it, as the local resource's ARN. */
  const set = (type: string, construct: string, arn: string) => {
    const found = Object.entries(template.Resources).filter(
      ([, r]) => r.Type === type && pathOf(r).includes(`/${construct}/`),
    );
    if (found.length > 1) throw new Error(`Expected one ${type} under ${construct}, found ${found.length}`);
    if (found[0]) arns.set(found[0][0], arn);
  };
  set('AWS::DynamoDB::Table', 'TemplatesTable', localArn.table(names.tables.templates));
  set('AWS::DynamoDB::Table', 'IdempotencyTable', localArn.table(names.tables.idempotency));
  set('AWS::DynamoDB::Table', 'AbuseTable', localArn.table(names.tables.abuse));
  set('AWS::DynamoDB::Table', 'MessagesTable', localArn.table(names.tables.messages));
  set('AWS::SQS::Queue', 'DeadLetterQueue', localArn.queue(names.queues.deadLetters));
  set('AWS::SQS::Queue', 'EventFailures', localArn.queue(names.queues.eventFailures));
  set('AWS::SecretsManager::Secret', 'FingerprintKeySecret', localArn.secret(names.secrets.fingerprintKey));
  set('AWS::SecretsManager::Secret', 'EventHookSecret', localArn.secret(names.secrets.eventHook));
  // The stack's Notify configuration is the stand-in's (notify.ts), which the local routing names.
  set(
    'AWS::SMSVOICE::NotifyConfiguration',
    'NotifySenders',
    localArn.smsVoice(`notify-configuration/${LOCAL_NOTIFY_CONFIGURATION_ID}`),
  );
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': LOCAL_REGION,
    'AWS::AccountId': LOCAL_ACCOUNT,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const unresolved = (id: string) => `arn:local:unresolved:${id}`;
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (!value || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    if ('Ref' in object) {
      const ref = String(object.Ref);
      return pseudo[ref] ?? arns.get(ref) ?? unresolved(ref);
    }
    if ('Fn::GetAtt' in object) {
      const [id, attribute] = object['Fn::GetAtt'] as [string, string];
      return attribute === 'Arn' || attribute === 'NotifyConfigurationArn'
        ? (arns.get(id) ?? unresolved(id))
        : unresolved(`${id}.${attribute}`);
    }
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
      return (resolve(parts) as unknown[]).map(String).join(separator);
    }
    return Object.fromEntries(Object.entries(object).map(([key, child]) => [key, resolve(child)]));
  };
  return resolve;
}

/**
 * Each local function's role and statements, from a synthesized template.
 *
 * @param template - the stack's CloudFormation template (with `aws:cdk:path` metadata)
 * @param names - the local stack's resource names
 */
export function rolesFromTemplate(
  template: Template,
  names: LocalResourceNames,
): Record<LocalFunctionName, LocalRole> {
  const resolve = resolver(template, names);
  const resources = Object.entries(template.Resources);
  const roles = {} as Record<LocalFunctionName, LocalRole>;
  for (const [name, path] of Object.entries(FUNCTION_PATHS) as Array<[LocalFunctionName, string]>) {
    const fn = resources.find(
      ([, r]) => r.Type === 'AWS::Lambda::Function' && pathOf(r).includes(`/${path}/`),
    );
    const roleId = fn?.[1].Properties?.Role?.['Fn::GetAtt']?.[0] as string | undefined;
    if (!roleId) throw new Error(`The synthesized stack has no function at ${path} with a role`);
    const statements: PolicyStatement[] = [];
    for (const [, r] of resources) {
      if (r.Type !== 'AWS::IAM::Policy') continue;
      const attached = (r.Properties?.Roles ?? []).some(
        (role: unknown) => (role as { Ref?: string }).Ref === roleId,
      );
      if (attached) statements.push(...(resolve(r.Properties.PolicyDocument.Statement) as PolicyStatement[]));
    }
    for (const inline of template.Resources[roleId]?.Properties?.Policies ?? []) {
      statements.push(...(resolve(inline.PolicyDocument.Statement) as PolicyStatement[]));
    }
    roles[name] = { roleName: roleId, statements };
  }
  return roles;
}

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

/** Every file under a folder with one of the endings, sorted. */
function filesUnder(folder: string, endings: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      if (entry === 'node_modules' || entry === 'test' || entry.startsWith('.')) continue;
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (endings.some((ending) => entry.endsWith(ending))) out.push(full);
    }
  };
  walk(folder);
  return out.sort();
}

/** What the synthesis reads: the infra, the operations layer, the service code it imports, the settings. */
function sourcesDigest(names: LocalResourceNames): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(names));
  const files = [
    ...filesUnder(join(root, 'infra', 'lib'), ['.ts']),
    ...filesUnder(join(root, 'infra', 'bin'), ['.ts']),
    ...filesUnder(join(root, 'dashboards'), ['.ts']),
    ...filesUnder(join(root, 'service', 'src'), ['.ts']),
    ...filesUnder(join(root, 'service', 'templates'), ['.json']),
    join(root, 'cdk.json'),
    join(root, 'package.json'),
    // A CDK upgrade can change what a grant synthesizes to.
    join(root, 'package-lock.json'),
    join(here, 'stack-policies.ts'),
    join(here, '..', 'emulators', 'notify.ts'),
  ];
  for (const file of files) {
    hash.update(file.slice(root.length));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Synthesizes the stack in-process, as `npm run synth` would with a deployment's settings (bundling skipped). */
async function synthesize(): Promise<Template> {
  const [{ App }, { OktaPhoneMfaStack }, { readSettings }] = await Promise.all([
    import('aws-cdk-lib'),
    import('../../../infra/lib/okta-phone-mfa-stack.js'),
    import('../../../infra/lib/settings.js'),
  ]);
  const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
  const app = new App({
    context: {
      ...cdkJson,
      // As every local stack runs: any client of its issuer, and the conversion functions fed by Okta Log Streaming
      // (`POST /_local/okta-events` delivers Okta's events as EventBridge does) and by the event hook route
      // (`/okta-events`, with its header secret).
      allowedClientIds: '*',
      oktaEventSourceName: 'aws.partner/okta.com/local/okta-phone-mfa',
      oktaEventHook: true,
      // AWS-managed senders: the stand-in's Notify configuration is the stack's (its routes name it).
      notify: { tier: 'ADVANCED', route: 'none' },
      // Line types at enrolment: the role has the grant; the local hook looks up only where CARRIER_LOOKUP is set.
      carrierLookup: 'enrolment',
      'aws:cdk:bundling-stacks': [],
      'aws:cdk:enable-path-metadata': true,
    },
    outdir: join(root, 'node_modules', '.cache', 'okta-phone-mfa', 'cdk.out'),
  });
  const settings = readSettings((key) => app.node.tryGetContext(key));
  const stack = new OktaPhoneMfaStack(app, 'OktaPhoneMfa', {
    settings,
    env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION },
  });
  return app.synth().getStackArtifact(stack.artifactId).template as Template;
}

/**
 * Each local function's role, from the synthesized stack (cached on disk by the digest of its sources).
 *
 * @param names - the local stack's resource names
 */
export async function localRoles(names: LocalResourceNames): Promise<Record<LocalFunctionName, LocalRole>> {
  const cacheDir = join(root, 'node_modules', '.cache', 'okta-phone-mfa');
  const cacheFile = join(cacheDir, `local-iam-${sourcesDigest(names)}.json`);
  try {
    return JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<LocalFunctionName, LocalRole>;
  } catch {
    // Not cached yet for these sources.
  }
  const roles = rolesFromTemplate(await synthesize(), names);
  mkdirSync(cacheDir, { recursive: true });
  // Written whole, then renamed: a second stack starting beside this one never reads half a file.
  const partial = `${cacheFile}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(roles));
  renameSync(partial, cacheFile);
  return roles;
}
