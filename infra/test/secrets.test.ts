/**
 * The fingerprint key in Secrets Manager.
 * Each test reads the synthesized CloudFormation, not the CDK objects: that template is what reaches AWS.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { asList, functionByPath, logicalId, ref, type Synth, synthStack } from './helpers.js';

let defaults: Synth;

beforeAll(() => {
  defaults = synthStack();
});

describe('secrets: the fingerprint key', () => {
  /** Every IAM statement with the logical id of the policy that holds it. */
  function statementsByPolicy(synth: Synth) {
    return Object.entries(synth.template.findResources('AWS::IAM::Policy')).flatMap(([id, policy]) =>
      (
        policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>
      ).map((statement) => ({
        policyId: id,
        actions: asList(statement.Action),
        resource: JSON.stringify(statement.Resource),
      })),
    );
  }

  it('generates a 64-character key at deploy and encrypts it with a rotating customer-managed key', () => {
    // Prepare
    const secret = Object.values(defaults.template.findResources('AWS::SecretsManager::Secret'));

    // Assess
    expect(secret).toHaveLength(1);
    expect(secret[0]!.Properties).toMatchObject({
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
      KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^FingerprintSecretKey/), 'Arn'] },
    });
    expect(secret[0]!.Properties.SecretString).toBeUndefined();
    defaults.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      Description: Match.stringLikeRegexp('fingerprint key'),
    });
  });

  it('lets only the hook function read it, and decrypt it only through Secrets Manager', () => {
    // Prepare
    const hookPolicy = logicalId(defaults, 'AWS::IAM::Policy', '/DeliverOtp/Role/');
    const hookRole = logicalId(defaults, 'AWS::IAM::Role', '/DeliverOtp/Role');
    const onSecret = statementsByPolicy(defaults).filter((s) => s.resource.includes('FingerprintKeySecret'));
    const keyPolicy = Object.entries(defaults.template.findResources('AWS::KMS::Key')).find(([id]) =>
      id.startsWith('FingerprintSecretKey'),
    )![1].Properties.KeyPolicy.Statement as Array<Record<string, any>>;
    // Beyond the account's own statements (which delegate to IAM), the roles the key policy names.
    const toRoles = keyPolicy.filter((s) => s.Principal?.AWS?.['Fn::GetAtt']);

    // Assess
    expect(onSecret.map((s) => s.policyId)).toEqual([hookPolicy]);
    // GetSecretValue alone: the hook never describes the secret.
    expect(onSecret.flatMap((s) => s.actions).sort()).toEqual(['secretsmanager:GetSecretValue']);
    defaults.template.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
    expect(toRoles).toEqual([
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Principal: { AWS: { 'Fn::GetAtt': [hookRole, 'Arn'] } },
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
      }),
    ]);
    const keyInIam = statementsByPolicy(defaults).filter((s) => s.resource.includes('FingerprintSecretKey'));
    expect(keyInIam).toEqual([]);
  });

  it('names the secret to the hook as FINGERPRINT_KEY_SECRET, and to no other function', () => {
    // Prepare
    const functions = Object.entries(defaults.template.findResources('AWS::Lambda::Function'));

    // Assess
    const holders = functions
      .filter(([, fn]) => JSON.stringify(fn.Properties.Environment ?? {}).includes('FingerprintKeySecret'))
      .map(([id]) => id);
    expect(holders).toEqual([functionByPath(defaults, '/DeliverOtp/').id]);
    expect(
      functionByPath(defaults, '/DeliverOtp/').props.Environment.Variables.FINGERPRINT_KEY_SECRET,
    ).toEqual(ref('FingerprintKeySecret'));
    expect(defaults.template.findOutputs('FingerprintKeySecretArn')).toHaveProperty(
      'FingerprintKeySecretArn',
    );
  });
});
