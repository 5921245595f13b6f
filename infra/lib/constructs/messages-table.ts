import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { MESSAGES_TABLE } from '../../../service/src/domain/message-table.js';

/**
 * The messages table (service/src/domain/message-table.ts, the one schema): what became of each code after End User
 * Messaging took it. `pk`/`sk`, TTL on `expiresAt`, the `byEvent` index (Okta event id → message, for `npm run
 * trace`) and the sparse `pending` index the sweep queries (unsettled messages by send hour, sorted by the code's
 * expiry). On demand, encrypted with DynamoDB's own key like the other tables.
 *
 * Disposable telemetry, kept like the idempotency table and not like the operator data of the templates and abuse
 * tables: every item expires within 7 days; losing the table loses receipts already counted in CloudWatch metrics
 * and logs, and the feedback of codes in flight (End User Messaging sets an unanswered feedback record FAILED after
 * an hour on its own). A point-in-time restore would create a new table the stack does not point at. So no PITR, no
 * deletion protection, and it goes with the stack.
 */
export class MessagesTable extends Construct {
  /** The table. */
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const { indexes } = MESSAGES_TABLE;
    // `Resource`: the logical id stays the construct's own (`MessagesTable…`), as for the stack's other tables.
    this.table = new dynamodb.Table(this, 'Resource', {
      partitionKey: { name: MESSAGES_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: MESSAGES_TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: MESSAGES_TABLE.ttlAttribute,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: indexes.byEvent.name,
      partitionKey: { name: indexes.byEvent.partitionKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: indexes.pending.name,
      partitionKey: { name: indexes.pending.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: indexes.pending.sortKey, type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    Validations.of(this.table).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        "Disposable telemetry: every item expires within 7 days (TTL on expiresAt), what it counted is already in CloudWatch metrics and logs, and End User Messaging sets unanswered feedback FAILED after an hour by itself. A point-in-time restore would be a new table the stack's functions do not read.",
    });
  }

  /** ARN of one index, for grants scoped to it. */
  public indexArn(name: string): string {
    return `${this.table.tableArn}/index/${name}`;
  }
}
