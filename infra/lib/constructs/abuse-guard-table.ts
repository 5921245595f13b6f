import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ABUSE_LIMIT_VARIABLES } from '../../../service/src/domain/abuse-settings.js';
import {
  COUNTER_PARTITION_PREFIX,
  LIST_PARTITIONS,
  LOW_CONVERSION_PARTITION,
} from '../../../service/src/domain/abuse-table.js';
import type { AbuseGuardSettings, AbuseLimit } from '../settings.js';

/**
 * The hook's `ABUSE_*` environment from the validated settings. Every variable is always set, defaults included, so
 * the deployed function shows the limits it runs with and a change of default in the code never changes a deployed
 * stack silently.
 *
 * @param settings - the validated `abuseGuard` setting
 * @param tableName - the guard's table
 */
export function abuseGuardEnvironment(
  settings: AbuseGuardSettings,
  tableName: string,
): Record<string, string> {
  return {
    ABUSE_TABLE_NAME: tableName,
    ...Object.fromEntries(
      (Object.keys(ABUSE_LIMIT_VARIABLES) as AbuseLimit[]).map((limit) => [
        ABUSE_LIMIT_VARIABLES[limit],
        String(settings[limit]),
      ]),
    ),
    ABUSE_BLOCKED_ANSWER: settings.blockedAnswer,
    // Empty = refuse no number type (the contract's "empty string = none").
    ABUSE_REFUSED_NUMBER_TYPES: settings.refusedNumberTypes.join(','),
  };
}

/**
 * The abuse guard's table: per-key atomic counters (`pk = count#<kind>#<value>`, `sk = counters`, one attribute per
 * window bucket) that expire through TTL on `expiresAt`, and the operators' allow and deny lists (`pk = list`).
 *
 * The counters are disposable, the lists are not: operators add denied prefixes in an attack and allow-list testers
 * and on-call phones, and losing them with a stack deletion would reopen the attack. So the table is kept like the
 * templates table: point-in-time recovery, deletion protection, retained when the stack goes.
 */
export class AbuseGuardTable extends Construct {
  /** The table. */
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // `Resource`: the logical id stays the construct's own (`AbuseTable…`), as for the stack's other tables.
    this.table = new dynamodb.Table(this, 'Resource', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Grants exactly the guard's calls (service/src/adapters/abuse-store.ts): UpdateItem of the counter items only
   * (`ADD` to the window slots, `ALL_NEW` returns the counts; a refusal's give-back and the removal of past slots the
   * same way), never of an allow or deny entry; and Query of the two list partitions (the operators' lists, the
   * sweep's low-conversion denies), cached in the container. Both by `dynamodb:LeadingKeys`. Nothing else: no GetItem,
   * Scan, batch or delete (the operator's CLI runs with the operator's rights).
   *
   * @param grantee - the delivery function
   */
  public grantGuard(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${COUNTER_PARTITION_PREFIX}*`] },
        },
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...LIST_PARTITIONS] } },
      }),
    );
  }

  /**
   * Grants the sweep the writing of its own low-conversion deny entries only (their partition, by
   * `dynamodb:LeadingKeys`): never an operator's entry, never an allow entry (the guard reads none from there).
   *
   * @param grantee - the sweep
   */
  public grantLowConversionDenies(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [LOW_CONVERSION_PARTITION] } },
      }),
    );
  }
}
