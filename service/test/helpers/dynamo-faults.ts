/**
 * Faults on a real DynamoDB client talking to dynalite, for the writes that span steps: a call that fails before it
 * reaches the table (the function stops, DynamoDB refuses), and a call that lands but whose answer is lost (a timeout
 * after the write, a reset), which the SDK's retry strategy then retries as it would in AWS.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Which calls a fault applies to: the command's name and its input. */
export type CallMatcher = (commandName: string, input: Record<string, any>) => boolean;

/** Every UpdateItem whose key's `pk` starts with `prefix`. */
export const updateOf =
  (pkPrefix: string): CallMatcher =>
  (commandName, input) =>
    commandName === 'UpdateItemCommand' &&
    String(input.Key?.pk?.S ?? input.Key?.pk ?? '').startsWith(pkPrefix);

/** A transient error as Node's HTTP handler throws it after a write may have landed: the SDK classifies it TRANSIENT. */
const lostAnswer = () =>
  Object.assign(new Error('socket hang up after the request was written'), {
    name: 'TimeoutError',
    code: 'ECONNRESET',
    $metadata: {},
  });

/** What an installed fault saw. */
export type Fault = {
  /** How many matching calls it failed. */
  readonly fired: number;
  /** Matching calls seen, failed or not (retries included). */
  readonly calls: number;
  remove(): void;
};

/** The fault's view of what it did, and how to take it away. */
function faultOf(client: DynamoDBClient, name: string, state: { fired: number; calls: number }): Fault {
  return {
    get fired() {
      return state.fired;
    },
    get calls() {
      return state.calls;
    },
    remove: () => client.middlewareStack.remove(name),
  };
}

/**
 * Fails the first `times` matching calls before they are sent (nothing lands): an error the SDK does not retry,
 * as when DynamoDB refuses the call or the invocation stops there.
 */
export function failBeforeSend(client: DynamoDBClient, match: CallMatcher, times = 1): Fault {
  const state = { fired: 0, calls: 0 };
  const name = `failBeforeSend${Math.random()}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (match(String(context.commandName), args.input as Record<string, any>)) {
        state.calls += 1;
        if (state.fired < times) {
          state.fired += 1;
          throw Object.assign(new Error('injected: the call never reached the table'), {
            name: 'InjectedFault',
            $metadata: {},
          });
        }
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  return faultOf(client, name, state);
}

/**
 * Lets the first `times` matching attempts land on the table, then loses their answer: inside the retry loop, so
 * the client's retry strategy decides whether to send the call again (an event function's client does).
 */
export function loseAnswerAfterLanding(client: DynamoDBClient, match: CallMatcher, times = 1): Fault {
  const state = { fired: 0, calls: 0 };
  const name = `loseAnswer${Math.random()}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const matched = match(
        String(context.commandName),
        (args as { input?: Record<string, any> }).input ?? {},
      );
      if (matched) state.calls += 1;
      const result = await next(args);
      if (matched && state.fired < times) {
        state.fired += 1;
        throw lostAnswer();
      }
      return result;
    },
    // After the retry middleware (finalizeRequest, high priority): each attempt passes through here.
    { step: 'finalizeRequest', priority: 'low', name },
  );
  return faultOf(client, name, state);
}
