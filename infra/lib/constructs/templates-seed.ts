import { CustomResource, Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { TemplateItem } from '../../../service/src/adapters/template-seed.js';
import { handlerEntries } from '../bundling.js';
import { ServiceFunction } from './service-function.js';

/** Properties of {@link TemplatesSeed}. */
export interface TemplatesSeedProps {
  /** The templates and config table. */
  readonly table: dynamodb.ITable;
  /**
   * The items to write where absent: the default templates and the routing (`pk=config`) from the deploy settings.
   * Routing seeded here is a starting point: the table is its only source once written.
   */
  readonly items: TemplateItem[];
  /** Retention of the seeding function's log group. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * Writes the default templates and routing config at deploy, on create and on every update that changes them,
 * each item only if its key is absent (`attribute_not_exists(pk)`): an operator's edit is never overwritten.
 * Deleting the stack deletes nothing (the table is retained).
 *
 * Routing has one source, the table: the hook carries no deploy-time copy of it (one would route by other rules
 * than the table's in a DynamoDB outage, after any `npm run templates` edit). A kept routing item that differs from
 * the deploy settings is named in the seeder's log and in the `RoutingDiffers` attribute.
 */
export class TemplatesSeed extends Construct {
  /** The custom-resource function (service/src/handlers/seed-templates.ts). */
  public readonly function: ServiceFunction;
  /** The custom resource: attributes `Written`, `Kept` and `RoutingDiffers` (comma-separated config keys). */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: TemplatesSeedProps) {
    super(scope, id);
    this.function = new ServiceFunction(this, 'Seeder', {
      entry: handlerEntries.seedTemplates,
      description: 'Writes default OTP templates and routing config where absent (custom resource)',
      memorySize: 256,
      timeout: Duration.minutes(2),
      environment: {},
      logRetention: props.logRetention,
    });
    // PutItem only: the seeder can add items but never read, scan or delete. A kept item comes back with the
    // failed condition (ReturnValuesOnConditionCheckFailure), which PutItem itself allows.
    props.table.grant(this.function.function, 'dynamodb:PutItem');

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.function.function.functionArn,
      resourceType: 'Custom::TemplatesSeed',
      properties: {
        TableName: props.table.tableName,
        // One string: CloudFormation would turn numbers and booleans inside nested properties into strings.
        ItemsJson: JSON.stringify(props.items),
      },
    });
  }
}
