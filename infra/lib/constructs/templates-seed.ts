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
  /** The items to write where absent. */
  readonly items: TemplateItem[];
  /** Retention of the seeding function's log group. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * Writes the default templates and routing config at deploy, on create and on every update that changes them,
 * each item only if its key is absent (`attribute_not_exists(pk)`): an operator's edit is never overwritten.
 * Deleting the stack deletes nothing (the table is retained).
 */
export class TemplatesSeed extends Construct {
  /** The custom-resource function (service/src/handlers/seed-templates.ts). */
  public readonly function: ServiceFunction;

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
    // PutItem only: the seeder can add items but never read, scan or delete.
    props.table.grant(this.function.function, 'dynamodb:PutItem');

    new CustomResource(this, 'Resource', {
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
