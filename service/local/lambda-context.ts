import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/**
 * A Lambda-like context for running the real handlers outside Lambda (local stack, tests, benchmark).
 * Powertools idempotency needs `getRemainingTimeInMillis`, or in-flight records block their key until expiry.
 *
 * @param functionName - e.g. `deliver-otp`
 * @param timeoutMs - the function timeout the remaining time counts down from
 */
export function lambdaContext(functionName: string, timeoutMs = 5_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
