/**
 * The local stack's IAM: each local function signs its AWS calls with credentials of its own (`local-<function>`, the
 * access key id in its environment), and each stand-in (DynamoDB in dynalite's thread, End User Messaging, SQS,
 * Secrets Manager) asks {@link authorizeCall} before doing anything: the call's action and resources against the
 * statements CDK synthesizes for that function's role. A call outside them fails with `AccessDeniedException` in the
 * shape and status AWS answers (HTTP 400, `__type`, AWS's message), so the SDK and our error handling see what they
 * would see in AWS. Any other credentials (the operator tools', the harness's: `local`) are not checked.
 *
 * Pure: no HTTP, no worker; dynalite's thread imports it too.
 */
import type { LocalFunctionName } from '../function-env.js';
import {
  accessDeniedMessage,
  evaluate,
  type IamDecision,
  type IamRequest,
  wildcardMatches,
} from './policy.js';
import { type LocalRole, localArn } from './stack-policies.js';

/** The access key id a local function signs with. */
export const functionAccessKey = (name: LocalFunctionName) => `local-${name}`;

/** The `iam` fault: one action taken away from one function's role (`POST /_local/faults`). */
export type IamFault = { function: LocalFunctionName; deny: string };

/** The local functions, for validating the fault. */
export const LOCAL_FUNCTIONS: readonly LocalFunctionName[] = [
  'authorize-hook',
  'deliver-otp',
  'record-delivery-event',
  'record-verification',
  'sweep-messages',
];

/**
 * The access key id in a SigV4 `Authorization` header (`AWS4-HMAC-SHA256 Credential=<key>/<date>/…`), if any.
 *
 * @param authorization - the header
 */
export function accessKeyOf(authorization: string | string[] | undefined): string | undefined {
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  return header ? /Credential=([^/,\s]+)\//.exec(header)?.[1] : undefined;
}

/** What {@link authorizeCall} decided. */
export type CallDecision =
  | { allowed: true; function?: LocalFunctionName }
  | { allowed: false; function: LocalFunctionName; request: IamRequest; message: string };

/**
 * Authorizes one call: every request in it (a batch names several tables) must be allowed.
 *
 * @param roles - each local function's role
 * @param faults - actions taken away (the `iam` fault)
 * @param authorization - the call's `Authorization` header
 * @param requests - the action on each resource the call touches, with condition keys
 */
export function authorizeCall(
  roles: Readonly<Record<LocalFunctionName, LocalRole>>,
  faults: readonly IamFault[],
  authorization: string | string[] | undefined,
  requests: readonly IamRequest[],
): CallDecision {
  const key = accessKeyOf(authorization);
  const name = LOCAL_FUNCTIONS.find((fn) => functionAccessKey(fn) === key);
  if (!name) return { allowed: true };
  const role = roles[name];
  for (const request of requests) {
    const takenAway = faults.some(
      (f) => f.function === name && wildcardMatches(f.deny, request.action, true),
    );
    const decision: IamDecision = takenAway
      ? { allowed: false, because: 'no-allow' }
      : evaluate(role.statements, request);
    if (!decision.allowed) {
      return {
        allowed: false,
        function: name,
        request,
        message: accessDeniedMessage(localArn.assumedRole(role.roleName, name), request, decision),
      };
    }
  }
  return { allowed: true, function: name };
}
