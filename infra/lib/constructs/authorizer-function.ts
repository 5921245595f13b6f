import { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { handlerEntries } from '../bundling.js';
import type { Settings } from '../settings.js';
import { ServiceFunction } from './service-function.js';

/** Properties of {@link AuthorizerFunction}. */
export interface AuthorizerFunctionProps {
  /** The deploy settings the authorizer reads: Okta's token checks, and the `live` alias' capacity. */
  readonly settings: Pick<
    Settings,
    'oktaIssuer' | 'oktaAudience' | 'requiredScope' | 'allowedClientIds' | 'provisionedConcurrency'
  >;
  /** Memory in MB. */
  readonly memorySize: number;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * The API's TOKEN authorizer (`authorize-hook`): verifies Okta's OAuth 2.0 access token (issuer, audience, scope,
 * client, signature against Okta's JWKS). Its role has the house defaults only (its log group, X-Ray): the stack
 * grants it nothing.
 *
 * A {@link ServiceFunction} itself, not a construct around one: the function keeps the path, and so the logical
 * ids, of a function created directly under the scope with the given id.
 */
export class AuthorizerFunction extends ServiceFunction {
  constructor(scope: Construct, id: string, props: AuthorizerFunctionProps) {
    const { settings } = props;
    super(scope, id, {
      entry: handlerEntries.authorizeHook,
      description: "Verifies Okta's OAuth 2.0 access token for the telephony hook",
      memorySize: props.memorySize,
      timeout: Duration.seconds(5),
      logRetention: props.logRetention,
      alias: { provisionedConcurrency: settings.provisionedConcurrency },
      environment: {
        OKTA_ISSUER: settings.oktaIssuer,
        OKTA_AUDIENCE: settings.oktaAudience,
        REQUIRED_SCOPE: settings.requiredScope,
        // Always set: the client ids, or `*` when the deployment spelled out any client (["*"]).
        ALLOWED_CLIENT_IDS: settings.allowedClientIds.join(','),
        JWT_ALGORITHMS: 'RS256',
        JWKS_TIMEOUT_MS: '1500',
        JWKS_COOLDOWN_MS: '2000',
      },
    });
  }
}
