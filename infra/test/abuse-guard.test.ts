/**
 * The abuse guard's table (`AbuseGuardTable`), the hook's exact rights on it and the `ABUSE_*` environment the
 * hook reads its limits from (the shared contract of issue 14).
 * Each test reads the synthesized CloudFormation, not the CDK objects: that template is what reaches AWS.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { asList, functionByPath, iamStatements, logicalId, ref, type Synth, synthStack } from './helpers.js';

let defaults: Synth;
let tableId: string;

beforeAll(() => {
  defaults = synthStack();
  tableId = logicalId(defaults, 'AWS::DynamoDB::Table', '/AbuseTable/');
});

/** Every DynamoDB action any statement allows on the guard's table. */
function actionsOnAbuseTable(synth: Synth, id: string): string[] {
  return iamStatements(synth.template)
    .filter((s) => JSON.stringify(s.Resource).includes(`"${id}"`))
    .flatMap((s) => asList(s.Action as string | string[]))
    .sort();
}

describe('abuse guard: table, grants, environment', () => {
  it('keeps counters and lists in an on-demand pk/sk table with TTL on expiresAt, PITR, deletion protection and RETAIN', () => {
    // Prepare
    const table = defaults.template.findResources('AWS::DynamoDB::Table')[tableId]!;

    // Assess
    expect(tableId).toMatch(/^AbuseTable[0-9A-F]{8}$/);
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(table.Properties.GlobalSecondaryIndexes).toBeUndefined();
  });

  it("lets the hook only UpdateItem (counters) and Query (lists) on the guard's table, and no other role touch it", () => {
    // Prepare
    const statements = iamStatements(defaults.template).filter((s) =>
      JSON.stringify(s.Resource).includes(`"${tableId}"`),
    );
    const hookPolicy = logicalId(defaults, 'AWS::IAM::Policy', '/DeliverOtp/Role/DefaultPolicy/');
    const policies = defaults.template.findResources('AWS::IAM::Policy');

    // Assess
    expect(actionsOnAbuseTable(defaults, tableId)).toEqual(['dynamodb:Query', 'dynamodb:UpdateItem']);
    for (const statement of statements) {
      expect(JSON.stringify(policies[hookPolicy]!.Properties.PolicyDocument.Statement)).toContain(
        JSON.stringify(statement),
      );
      // The table ARN itself, no index wildcard: the table has no index.
      expect(JSON.stringify(statement.Resource)).not.toContain('/index/');
    }
  });

  it('gives the hook the table and every limit, the answer and the refused number types, defaults included', () => {
    // Prepare
    const env = functionByPath(defaults, '/DeliverOtp/').props.Environment.Variables;

    // Assess
    expect(env).toMatchObject({
      ABUSE_TABLE_NAME: ref('AbuseTable'),
      ABUSE_NUMBER_PER_10_MINUTES: '5',
      ABUSE_NUMBER_PER_24_HOURS: '15',
      ABUSE_USER_PER_HOUR: '10',
      ABUSE_IP_PER_HOUR: '20',
      ABUSE_PREFIX_PER_HOUR: '20',
      ABUSE_BLOCKED_ANSWER: 'error',
      ABUSE_REFUSED_NUMBER_TYPES: 'PREMIUM_RATE,SHARED_COST',
    });
  });

  it('passes changed limits, a limit turned off, pretend-sent and no refused type through as set', () => {
    // Act
    const synth = synthStack({
      abuseGuard: { ipPerHour: 200, prefixPerHour: 0, blockedAnswer: 'pretend-sent', refusedNumberTypes: [] },
    });

    // Assess
    expect(functionByPath(synth, '/DeliverOtp/').props.Environment.Variables).toMatchObject({
      ABUSE_NUMBER_PER_10_MINUTES: '5',
      ABUSE_IP_PER_HOUR: '200',
      ABUSE_PREFIX_PER_HOUR: '0',
      ABUSE_BLOCKED_ANSWER: 'pretend-sent',
      ABUSE_REFUSED_NUMBER_TYPES: '',
    });
  });

  it("outputs the table's name for npm run abuse -- --table", () => {
    defaults.template.hasOutput('AbuseTableName', { Value: { Ref: tableId } });
  });
});
