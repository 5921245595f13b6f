/**
 * Deploy, destroy, deploy again: a resource the stack retains stays behind after `cdk destroy`, so a fixed name on it
 * would make the next deploy fail with "already exists". Every retained resource of the stack has a generated name,
 * or a name that a new deployment makes new (the stack's own id, an id of a resource the deployment creates).
 */
import { describe, expect, it } from 'vitest';
import { synthStack } from './helpers.js';

/** The properties that name a resource, by type. */
const NAME_PROPERTIES: Record<string, string[]> = {
  'AWS::Logs::LogGroup': ['LogGroupName'],
  'AWS::DynamoDB::Table': ['TableName'],
  'AWS::SQS::Queue': ['QueueName'],
  'AWS::SNS::Topic': ['TopicName'],
  'AWS::IAM::Role': ['RoleName'],
  'AWS::SecretsManager::Secret': ['Name'],
  'AWS::KMS::Alias': ['AliasName'],
  'AWS::Lambda::Function': ['FunctionName'],
  'AWS::ApiGateway::RestApi': [],
};

describe('deploy, destroy, deploy again', () => {
  it('names no retained resource with a fixed name: each is generated, or made new by each deployment', () => {
    // Prepare: every optional part deployed.
    const { template } = synthStack({
      oktaEventHook: true,
      oktaEventSourceName: 'aws.partner/okta.com/acme/otp',
    });
    const resources = template.toJSON().Resources as Record<
      string,
      {
        Type: string;
        DeletionPolicy?: string;
        UpdateReplacePolicy?: string;
        Properties?: Record<string, unknown>;
      }
    >;
    const retained = Object.entries(resources).filter(([, r]) => r.DeletionPolicy === 'Retain');
    const createdHere = new Set(
      Object.entries(resources)
        .filter(([, r]) => r.DeletionPolicy !== 'Retain')
        .map(([id]) => id),
    );
    /** A name a new deployment makes new: it reads the stack id, or an id of a resource it creates. */
    const newEachDeployment = (name: unknown) => {
      const text = JSON.stringify(name);
      if (text.includes('"AWS::StackId"')) return true;
      return [...text.matchAll(/"(?:Ref":|Fn::GetAtt":\[)"([A-Za-z0-9]+)"/g)].some((m) =>
        createdHere.has(m[1]!),
      );
    };

    // Assess
    expect(retained.length).toBeGreaterThan(5);
    const fixed = retained.flatMap(([id, r]) =>
      (NAME_PROPERTIES[r.Type] ?? Object.keys(r.Properties ?? {}).filter((key) => /Name$/.test(key)))
        .filter((key) => r.Properties?.[key] !== undefined && !newEachDeployment(r.Properties[key]))
        .map((key) => `${id}.${key} = ${JSON.stringify(r.Properties?.[key])}`),
    );
    expect(fixed).toEqual([]);
  });
});
