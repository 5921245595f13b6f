import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../../service/src/powertools/constants.js';
import { bundlingOptions, projectRoot } from '../bundling.js';

/** Properties of {@link ServiceFunction}. */
export interface ServiceFunctionProps {
  /** Absolute path of the handler's TypeScript entry file (see `handlerEntries`). */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** Memory in MB; also buys CPU, which is what JWT verification and SDK signing spend. */
  readonly memorySize: number;
  /** Hard limit of one invocation. */
  readonly timeout: Duration;
  /** Environment variables (the service's config.ts validates them at cold start). */
  readonly environment: Record<string, string>;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Publish a `live` alias (the integration target). Provisioned concurrency, when above 0, goes on it.
   * @default - no alias
   */
  readonly alias?: { provisionedConcurrency: number };
}

/** The X-Ray actions active tracing needs: X-Ray has no resource-level permissions, so they take `Resource: "*"`. */
const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] as const;

/**
 * A Lambda function with the house defaults: Node.js 24 on arm64, bundled by the local esbuild with the shared
 * settings, source maps on, X-Ray active, an explicit log group with retention, and a role that may write only to
 * that log group (no AWS managed policy).
 *
 * The role's X-Ray permission is its only `Resource: "*"`, and it sits alone in the role's own inline policy
 * (`XRayTracing`), where the one cdk-nag acknowledgement of that wildcard is scoped. Every other grant lands in the
 * role's default policy, which acknowledges no `Resource::*`: a wildcard grant added later fails synth.
 */
export class ServiceFunction extends Construct {
  /** The function. */
  public readonly function: NodejsFunction;
  /** The `live` alias, when requested. */
  public readonly alias?: lambda.Alias;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** The function's execution role. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      // Logs outlive the stack: they are the audit trail of what was sent, and expire with their retention.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
      // Inline in the role, not in its default policy: Lambda checks the role for these when it creates a traced
      // function, and the function already waits for its role; and no other statement can merge into this one.
      inlinePolicies: {
        XRayTracing: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({ sid: 'XRayTracing', actions: [...XRAY_ACTIONS], resources: ['*'] }),
          ],
        }),
      },
    });
    Validations.of(this.role.node.defaultChild as iam.CfnRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The role\'s inline XRayTracing policy holds one statement, xray:PutTraceSegments and xray:PutTelemetryRecords on Resource "*": X-Ray does not support resource-level permissions. Scoped to the role resource, so it does not cover the default policy where every other grant goes.',
    });
    // Instead of AWSLambdaBasicExecutionRole (any log group in the account): this function's group only.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      projectRoot,
      depsLockFilePath: `${projectRoot}/package-lock.json`,
      bundling: bundlingOptions,
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // Stack traces point into the TypeScript sources rather than the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    });

    // Active tracing set on the resource: the `tracing` prop would also add X-Ray's Resource "*" statement to the
    // default policy, next to every other grant (the role's inline policy already allows it).
    (this.function.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: lambda.Tracing.ACTIVE };

    if (props.alias) {
      const concurrency = props.alias.provisionedConcurrency;
      this.alias = new lambda.Alias(this, 'Live', {
        aliasName: 'live',
        version: this.function.currentVersion,
        ...(concurrency > 0 ? { provisionedConcurrentExecutions: concurrency } : {}),
      });
    }
  }
}
