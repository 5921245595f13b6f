import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { expect } from 'vitest';
import { OktaPhoneMfaStack } from '../lib/okta-phone-mfa-stack.js';
import { readSettings, type Settings, SettingsError } from '../lib/settings.js';

/** The context defaults shipped in cdk.json. */
export const cdkJsonContext: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
).context;

/**
 * The context `npm run synth` adds on its command line (`-c key=value` in package.json's synth script), as the CDK
 * CLI passes it: strings. It spells out the settings cdk.json leaves to each deployment (`allowedClientIds`).
 */
export const synthCommandContext: Record<string, string> = Object.fromEntries(
  [
    ...String(
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).scripts.synth,
    ).matchAll(/ -c '?([A-Za-z]+)=([^' ]*)'?/g),
  ].map((match) => [match[1], match[2]]),
);

/** The context `npm run synth` reads (cdk.json and the script's own `-c`), with overrides, as a settings reader. */
export const settingsReader = (overrides: Record<string, unknown> = {}) => {
  const context: Record<string, unknown> = { ...cdkJsonContext, ...synthCommandContext, ...overrides };
  return (key: string) => context[key];
};

/** The problems `readSettings` reports for the synth context with overrides; empty when it accepts them. */
export function settingProblems(overrides: Record<string, unknown>): string[] {
  try {
    readSettings(settingsReader(overrides));
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  return [];
}

/** The stack as `npm run synth` builds it, with context overrides; bundling skipped (no esbuild run). */
export function synthStack(
  overrides: Record<string, unknown> = {},
  options: { nag?: boolean } = {},
): { app: App; stack: OktaPhoneMfaStack; template: Template; settings: Settings } {
  const context = { ...cdkJsonContext, ...synthCommandContext, ...overrides };
  const app = new App({
    context: { ...context, 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true },
  });
  const settings = readSettings((key) => app.node.tryGetContext(key));
  const stack = new OktaPhoneMfaStack(app, 'OktaPhoneMfa', {
    settings,
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, template: Template.fromStack(stack), settings };
}

/** Every IAM policy statement in the template: inline role policies and AWS::IAM::Policy documents. */
export function iamStatements(
  template: Template,
): Array<{ Action: unknown; Resource: unknown; Effect: string }> {
  const statements: Array<{ Action: unknown; Resource: unknown; Effect: string }> = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    statements.push(...policy.Properties.PolicyDocument.Statement);
  }
  for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
    for (const inline of role.Properties.Policies ?? []) statements.push(...inline.PolicyDocument.Statement);
  }
  return statements;
}

/** A list from a value that may be one item or an array. */
export function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** What {@link synthStack} returns. */
export type Synth = ReturnType<typeof synthStack>;

/** `{ Ref: <logical id starting with prefix> }`, for vitest matchers. */
export const ref = (logicalIdPrefix: string) => ({
  Ref: expect.stringMatching(new RegExp(`^${logicalIdPrefix}`)),
});

/** The same, for CDK template matchers. */
export const cfnRef = (logicalIdPrefix: string) => ({ Ref: Match.stringLikeRegexp(`^${logicalIdPrefix}`) });

/** The logical id of the one resource of `type` whose CDK path contains `pathPart`. */
export function logicalId(synth: Synth, type: string, pathPart: string): string {
  const found = Object.entries(synth.template.findResources(type)).find(([, r]) =>
    String(r.Metadata?.['aws:cdk:path'] ?? '').includes(pathPart),
  );
  if (!found) throw new Error(`No ${type} under ${pathPart}`);
  return found[0];
}

/** A Lambda function by a part of its CDK path (`/DeliverOtp/`), with its logical id. */
export function functionByPath(synth: Synth, pathPart: string) {
  const id = logicalId(synth, 'AWS::Lambda::Function', pathPart);
  return { id, props: synth.template.findResources('AWS::Lambda::Function')[id]!.Properties };
}

/** One IAM policy statement as the template holds it. */
export type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Sid?: string };

/** The statements of one function's role, inline and attached, by a part of its CDK path (`/DeliverOtp/`). */
export function roleStatements(synth: Synth, pathPart: string): Statement[] {
  const roleId = logicalId(synth, 'AWS::IAM::Role', `${pathPart}Role/`);
  const role = synth.template.findResources('AWS::IAM::Role')[roleId]!;
  const attached = Object.values(synth.template.findResources('AWS::IAM::Policy')).filter((policy) =>
    asList(policy.Properties.Roles).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })),
  );
  return [
    ...(role.Properties.Policies ?? []).flatMap(
      (inline: { PolicyDocument: { Statement: Statement[] } }) => inline.PolicyDocument.Statement,
    ),
    ...attached.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]),
  ];
}

/**
 * What a role may do, as `action → resources` (each resource as its JSON), leaving out the house defaults every
 * function has (X-Ray, its own log group).
 */
export function grantsOf(synth: Synth, pathPart: string): Record<string, string[]> {
  const grants: Record<string, Set<string>> = {};
  for (const statement of roleStatements(synth, pathPart)) {
    for (const action of asList(statement.Action)) {
      if (action.startsWith('xray:') || action.startsWith('logs:')) continue;
      grants[action] ??= new Set();
      for (const resource of asList(statement.Resource)) grants[action].add(JSON.stringify(resource));
    }
  }
  return Object.fromEntries(
    Object.entries(grants).map(([action, resources]) => [action, [...resources].sort()]),
  );
}
