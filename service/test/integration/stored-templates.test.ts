/**
 * A template in the table that does not carry the code (written by hand, past `npm run templates`) is treated as
 * missing, over HTTP through the local stack: the next fallback level is sent, with the code, and the hook counts
 * `TemplateMissingCode`.
 */
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../local/dynalite.js';
import type { LocalStack } from '../../local/stack.js';
import { hookRequest, outbox, postHook, resetStack, startStack } from './helpers.js';

const lines: string[] = [];
let stack: LocalStack;

// No template cache, so the hand-written item is read on the next request.
beforeAll(async () => {
  stack = await startStack({
    log: (line) => lines.push(line),
    env: { hook: { TEMPLATES_MAX_AGE_SECONDS: '0' } },
  });
});
afterAll(() => stack?.close());
beforeEach(async () => {
  await resetStack(stack);
  lines.length = 0;
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 300)); // worker stdout is asynchronous

/** EMF blobs of the hook's log lines that carry the metric. */
const emf = (metric: string) =>
  lines
    .filter((line) => line.startsWith('[deliver-otp] '))
    .map((line) => JSON.parse(line.slice(line.indexOf(' ') + 1)) as Record<string, any>)
    .filter((blob) => blob._aws?.CloudWatchMetrics && metric in blob);

describe('stored templates without the code', () => {
  it('sends the next level with the code and counts TemplateMissingCode by channel', async () => {
    // Prepare
    const db = localDynamoClient(stack.dynamoEndpoint);
    const key = { pk: 'template', sk: 'sms#en-us' };
    await db.send(
      new PutItemCommand({
        TableName: stack.tables.templates,
        Item: marshall({ ...key, value: { body: 'ACME: your code is on its way' } }),
      }),
    );
    const payload = hookRequest('request-sms-mfa-verification');

    try {
      // Act
      const answer = await postHook(stack, payload);
      await settle();

      // Assess
      expect(answer.body?.commands?.[0]?.value?.[0]?.status).toBe('SUCCESSFUL');
      const [sms] = await outbox(stack);
      expect(sms!.MessageBody).toBe(
        `Your verification code is ${payload.data.messageProfile.otpCode}. It expires in 5 minutes. Never share it.`,
      );
      expect(emf('TemplateMissingCode')).toEqual([
        expect.objectContaining({ TemplateMissingCode: 1, channel: 'sms' }),
      ]);
      expect(lines.join('\n')).not.toContain(payload.data.messageProfile.otpCode);
    } finally {
      await db.send(new DeleteItemCommand({ TableName: stack.tables.templates, Key: marshall(key) }));
      db.destroy();
    }
  });
});
