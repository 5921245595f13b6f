/**
 * The local stack refuses what AWS refuses: each function's calls run under the IAM policy the CDK stack
 * synthesizes for its role. Over HTTP: a call outside the role fails with AccessDeniedException as AWS answers it
 * (and Okta, the logs, the metrics and the DLQ see what they would see in AWS), the `iam` fault takes one action
 * away from one function, and the receipt handler's claim conflict (two copies of one receipt side by side) works
 * because its role now has the GetItem the claim reads with.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import {
  deadLetters,
  eventually,
  hookRequest,
  mint,
  postHook,
  resetStack,
  setFaults,
  startStack,
  transactionIdOf,
} from './helpers.js';

let stack: LocalStack;
let token: string;
/** Every log line of the stack, as printed. */
const lines: string[] = [];

beforeAll(async () => {
  stack = await startStack({ log: (line) => lines.push(line) });
  token = await mint(stack);
});
afterAll(() => stack?.close());
beforeEach(async () => {
  await resetStack(stack);
  lines.length = 0;
});

const hookLines = () =>
  lines
    .filter((line) => line.startsWith('[deliver-otp] {'))
    .map((line) => JSON.parse(line.slice(line.indexOf(' ') + 1)) as Record<string, any>);

describe('a call outside the role', () => {
  it("fails as AWS's would: the hook without sms-voice:SendTextMessage answers Okta's error object and dead-letters", async () => {
    // Prepare
    await setFaults(stack, { iam: { function: 'deliver-otp', deny: 'sms-voice:SendTextMessage' } });

    // Act
    const answer = await postHook(stack, hookRequest(), { token });

    // Assess: Okta delivers through its own providers; the record and the log name the refusal
    expect(answer.status).toBe(200);
    expect(answer.body.error.errorCauses[0].reason).toBe('ACCESS_DENIED');
    expect(stack.messaging.outbox()).toEqual([]);
    const [record] = await deadLetters(stack);
    expect(record?.error?.reason).toBe('access_denied');
    const failed = await eventually(
      async () => hookLines().find((line) => line.message === 'OTP delivery failed'),
      "the hook's failure line",
    );
    expect(failed).toMatchObject({ reason: 'access_denied' });
    const denial = lines.find((line) => line.startsWith('[iam]'));
    expect(denial).toMatch(
      /deliver-otp: AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role\/DeliverOtpRole\w+\/deliver-otp is not authorized to perform: sms-voice:SendTextMessage on resource: arn:aws:sms-voice:us-east-1:000000000000:phone-number\/\+1 \*+\d{3} because no identity-based policy allows the sms-voice:SendTextMessage action/,
    );
  });

  it("refuses a DynamoDB call in dynalite's thread as DynamoDB does: the guard without UpdateItem fails open, counted", async () => {
    // Prepare: the hook's UpdateItem is taken away (the guard's counters, idempotency's update, the messages table)
    await setFaults(stack, { iam: { function: 'deliver-otp', deny: 'dynamodb:UpdateItem' } });

    // Act
    const answer = await postHook(stack, hookRequest(), { token });

    // Assess: the code goes out (the guard fails open); the denials are AWS's, by table
    expect(answer.body.commands?.[0]?.value?.[0]?.status).toBe('SUCCESSFUL');
    await eventually(
      async () => hookLines().some((line) => line.message?.startsWith("Abuse guard's table unavailable")),
      "the hook's warning",
    );
    const denied = lines.filter((line) => line.startsWith('[iam] deliver-otp: AccessDeniedException'));
    expect(denied.some((line) => line.includes(':table/okta-phone-mfa-abuse '))).toBe(true);
    expect(denied.every((line) => line.includes('dynamodb:UpdateItem'))).toBe(true);
  });

  it('lifts the fault with DELETE /_local/faults: the same request is allowed again', async () => {
    // Prepare
    await setFaults(stack, { iam: { function: 'deliver-otp', deny: 'sms-voice:*' } });
    await fetch(`${stack.baseUrl}/_local/faults`, { method: 'DELETE' });

    // Act
    const answer = await postHook(stack, hookRequest(), { token });

    // Assess
    expect(answer.body.commands?.[0]?.value?.[0]?.status).toBe('SUCCESSFUL');
    expect(lines.filter((line) => line.startsWith('[iam]'))).toEqual([]);
  });

  it('refuses a malformed iam fault with a 400 that names the shape', async () => {
    for (const iam of [{ function: 'nope', deny: 'dynamodb:GetItem' }, { function: 'deliver-otp' }, 'x']) {
      const answer = await setFaults(stack, { iam });
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { message: string }).message).toContain('"deny":"<service>:<Action>"');
    }
  });
});

describe("the receipt handler's claim", () => {
  it('writes one DLQ record when SNS hands a final failure receipt over twice side by side, with no AccessDenied', async () => {
    // Prepare
    await setFaults(stack, { receipts: { status: 'CARRIER_UNREACHABLE', duplicates: 2 } });

    // Act
    const messageId = transactionIdOf(await postHook(stack, hookRequest(), { token }));

    // Assess: one invocation claims and writes; the other reads the claim (GetItem), fails, and its retry finds the
    // record written
    const records = await eventually(async () => {
      const found = (await deadLetters(stack)).filter((r) => r.messageId === messageId);
      return found.length > 0 ? found : undefined;
    }, 'the DLQ record');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await deadLetters(stack)).filter((r) => r.messageId === messageId)).toHaveLength(1);
    expect(records[0]).toMatchObject({ kind: 'receipt', status: 'carrier_unreachable' });
    expect(lines.filter((line) => line.startsWith('[iam]'))).toEqual([]);
  });
});
