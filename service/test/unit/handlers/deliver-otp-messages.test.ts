// The hook with a messages table (MESSAGES_TABLE_NAME): each sent message is remembered (message item and the
// user's latest pointer, two conditional UpdateItems, no code), sends ask for message feedback, the write runs beside the
// idempotency update (proved with a DynamoDB that is slow for the messages table only), and a failed write leaves
// the delivery and Okta's answer as they were.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadFixture } from '../../../../contracts/fixtures/index.js';
import { localDynamoClient } from '../../../local/dynalite.js';
import { HookHarness } from '../../helpers/hook-harness.js';
import { OutputCapture } from '../../helpers/output-capture.js';
import { allItems, createMessagesTable } from '../adapters/messages-table-setup.js';

const MESSAGES = 'messages-hook';
const harness = new HookHarness();
const output = new OutputCapture();

/** One DynamoDB call as the proxy saw it. */
type Call = { target: string; table: string; startAt: number; endAt: number };

/**
 * A DynamoDB endpoint in front of dynalite that delays the calls for one table, and times every call: what the
 * test reads the call order from.
 */
async function slowProxy(upstream: string, slowTable: string, delayMs: number) {
  const calls: Call[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const target =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '';
    const text = body.toString('utf8');
    const table =
      /"TableName":"([^"]+)"/.exec(text)?.[1] ?? /"RequestItems":\{"([^"]+)"/.exec(text)?.[1] ?? '';
    const call: Call = { target, table, startAt: performance.now(), endAt: 0 };
    calls.push(call);
    if (table === slowTable) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)),
    ) as Record<string, string>;
    const answer = await fetch(upstream, { method: 'POST', headers, body });
    const payload = Buffer.from(await answer.arrayBuffer());
    call.endAt = performance.now();
    res.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/x-amz-json-1.0',
    });
    res.end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function payload(edit?: (p: ReturnType<typeof loadFixture>) => void) {
  const p = loadFixture('request-sms-mfa-verification');
  p.eventId = randomUUID();
  p.data.messageProfile.otpExpires = new Date(Date.now() + 300_000).toISOString();
  edit?.(p);
  return p;
}

const metric = (name: string) => output.metrics().filter((m) => m.name === name);

beforeAll(async () => {
  await harness.start();
  await createMessagesTable(localDynamoClient(harness.db.endpoint), MESSAGES);
  output.start();
});
afterAll(async () => {
  output.stop();
  await harness.stop();
});
beforeEach(async () => {
  await harness.reset();
  output.clear();
});

describe('deliver-otp with a messages table', () => {
  it('remembers the sent message and the user pointer, with no code and a masked number, and asks for feedback', async () => {
    // Prepare
    await harness.load({ MESSAGES_TABLE_NAME: MESSAGES });
    const request = payload();
    const code = request.data.messageProfile.otpCode;
    const before = Date.now();

    // Act
    const answer = await harness.invoke(request);

    // Assess
    expect(answer.statusCode).toBe(200);
    const messageId = answer.body.commands[0].value[0].transactionId;
    expect(harness.sent()[0]?.MessageFeedbackEnabled).toBe(true);
    const items = await allItems(localDynamoClient(harness.db.endpoint), MESSAGES);
    const message = items.find((i) => i.pk === `message#${messageId}`);
    const phone = String(request.data.messageProfile.phoneNumber).replace(/\D/g, '');
    expect(message).toMatchObject({
      sk: 'message',
      messageId,
      eventId: request.eventId,
      requestType: request.requestType,
      channel: 'sms',
      phone: expect.stringMatching(/^\+\d{1,3} \*+\d{0,3}$/),
      prefix: `+${phone.slice(0, -3)}`,
      userId: request.data.userProfile?.userId,
      sweepBucket: expect.stringMatching(/^pending#\d{4}-\d{2}-\d{2}T\d{2}$/),
    });
    expect(message?.sentAt).toBeGreaterThanOrEqual(before);
    expect(message?.codeExpiresAt).toBeGreaterThan(message!.sentAt / 1000 + 200);
    expect(message?.expiresAt).toBeGreaterThan(message!.codeExpiresAt + 6 * 86_400);
    const pointer = items.find((i) => i.pk === `user#${request.data.userProfile?.userId}#sms`);
    expect(pointer).toMatchObject({ sk: 'latest', messageId, codeExpiresAt: message?.codeExpiresAt });
    // The pointer outlives the code, so a late Okta event finds it (the re-credit window).
    expect(pointer?.expiresAt).toBeGreaterThan(message!.codeExpiresAt + 3600);
    const stored = JSON.stringify(items);
    expect(stored).not.toContain(code);
    expect(stored).not.toContain(phone);
  });

  it("keeps Okta's 2026 fields on the message and counts resends by an isResend dimension; without them, as before", async () => {
    // Prepare
    await harness.load({ MESSAGES_TABLE_NAME: MESSAGES });
    const resend = loadFixture('request-sms-mfa-verification-resend');
    resend.eventId = randomUUID();
    resend.data.messageProfile.otpExpires = new Date(Date.now() + 300_000).toISOString();

    // Act
    const answer = await harness.invoke(resend);
    const blobs = output.json().filter((blob) => 'OtpDelivered' in blob && blob.channel);
    output.clear();
    const plain = await harness.invoke(payload());

    // Assess
    const items = await allItems(localDynamoClient(harness.db.endpoint), MESSAGES);
    const message = (r: typeof answer) =>
      items.find((i) => i.pk === `message#${r.body.commands[0].value[0].transactionId}`);
    expect(message(answer)).toMatchObject({ isResend: true, appClientId: '0oa8sMcu3FbWq2ZrX1d7' });
    expect(message(plain)).not.toHaveProperty('isResend');
    expect(message(plain)).not.toHaveProperty('appClientId');
    // One blob (Logs Insights sums it once), two dimension sets: by channel, and by isResend.
    expect(blobs).toHaveLength(1);
    expect(blobs[0]?._aws.CloudWatchMetrics[0].Dimensions).toEqual([
      ['service', 'channel'],
      ['service', 'isResend'],
    ]);
    expect(blobs[0]?.isResend).toBe('true');
    const plainBlob = output.json().find((blob) => 'OtpDelivered' in blob && blob.channel);
    expect(plainBlob?._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'channel']]);
    expect(
      output.logs().find((l) => l.message === 'OTP delivered' && l.isResend === undefined),
    ).toBeDefined();
  });

  it('keeps no prefix and nothing to sweep, and asks for no feedback, where nothing marks codes used (CONVERSION=false)', async () => {
    // Prepare
    await harness.load({ MESSAGES_TABLE_NAME: MESSAGES, CONVERSION: 'false' });
    const request = payload();

    // Act
    const answer = await harness.invoke(request);

    // Assess: receipts still find the message; no digits beyond the masked number's are kept
    const messageId = answer.body.commands[0].value[0].transactionId;
    expect(harness.sent()[0]?.MessageFeedbackEnabled).toBeUndefined();
    const items = await allItems(localDynamoClient(harness.db.endpoint), MESSAGES);
    const message = items.find((i) => i.pk === `message#${messageId}`);
    expect(message).toMatchObject({ messageId, channel: 'sms', phone: expect.stringMatching(/\*/) });
    expect(message).not.toHaveProperty('prefix');
    expect(message).not.toHaveProperty('sweepBucket');
  });

  it('keys the latest-message pointer by the channel Okta asked for when a landline Okta asked to text is called', async () => {
    // Prepare: the voice fallback calls a London fixed line; Okta will log SMS_FACTOR when the user types the code
    await harness.load({ MESSAGES_TABLE_NAME: MESSAGES, VOICE_FALLBACK: 'true' });
    const request = payload();
    request.data.messageProfile.phoneNumber = '+442079460123';

    // Act
    const answer = await harness.invoke(request);

    // Assess
    const messageId = answer.body.commands[0].value[0].transactionId;
    const items = await allItems(localDynamoClient(harness.db.endpoint), MESSAGES);
    expect(items.find((i) => i.pk === `message#${messageId}`)).toMatchObject({
      channel: 'voice',
      requestedChannel: 'sms',
    });
    const userId = request.data.userProfile?.userId;
    expect(items.find((i) => i.pk === `user#${userId}#sms`)).toMatchObject({ messageId });
    expect(items.find((i) => i.pk === `user#${userId}#voice`)).toBeUndefined();
  });

  it('runs the write beside the idempotency update: a slow messages table adds no sequential round trip', async () => {
    // Prepare: every messages-table call takes 250 ms more (inside its 400 ms per-call bound); the idempotency table is as fast as ever.
    const proxy = await slowProxy(harness.db.endpoint, MESSAGES, 250);
    try {
      await harness.load({ MESSAGES_TABLE_NAME: MESSAGES, DYNAMODB_ENDPOINT: proxy.endpoint });
      await harness.invoke(payload()); // warm: templates read, clients connected
      proxy.calls.length = 0;

      // Act
      const answer = await harness.invoke(payload());
      const answeredAt = performance.now();

      // Assess
      expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
      const write = proxy.calls.find((c) => c.target === 'UpdateItem' && c.table === MESSAGES);
      const completion = proxy.calls.find((c) => c.target === 'UpdateItem' && c.table === 'idempotency');
      expect(write && completion).toBeTruthy();
      // The idempotency update starts while the messages write is still under way, not after it.
      expect(completion!.startAt).toBeLessThan(write!.endAt);
      expect(write!.startAt).toBeLessThan(completion!.endAt);
      // The update was done before the slow write was; the answer followed the write's end with no call after it.
      expect(completion!.endAt).toBeLessThan(write!.endAt);
      expect(answeredAt - write!.endAt).toBeLessThan(50);
      expect(proxy.calls.filter((c) => c.startAt > write!.endAt)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('answers SUCCESSFUL when the write fails, with MessageStateWriteFailed and a warning', async () => {
    // Prepare: a table that does not exist.
    await harness.load({ MESSAGES_TABLE_NAME: 'no-such-messages-table' });

    // Act
    const answer = await harness.invoke(payload());

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    expect(harness.sent()).toHaveLength(1);
    expect(metric('MessageStateWriteFailed')).toHaveLength(1);
    expect(output.logs().find((l) => l.message.startsWith('Sent message not remembered'))?.level).toBe(
      'WARN',
    );
  });

  it('sends without feedback and writes nothing when MESSAGES_TABLE_NAME is unset', async () => {
    // Prepare
    await harness.load();
    const before = (await allItems(localDynamoClient(harness.db.endpoint), MESSAGES)).length;

    // Act
    await harness.invoke(payload());

    // Assess
    expect(harness.sent()[0]?.MessageFeedbackEnabled).toBeUndefined();
    expect(await allItems(localDynamoClient(harness.db.endpoint), MESSAGES)).toHaveLength(before);
  });

  it('writes nothing for a replay', async () => {
    // Prepare
    await harness.load({ MESSAGES_TABLE_NAME: MESSAGES });
    const request = payload();
    await harness.invoke(request);
    const before = (await allItems(localDynamoClient(harness.db.endpoint), MESSAGES)).length;

    // Act
    await harness.invoke(request);

    // Assess
    expect(harness.sent()).toHaveLength(1);
    expect(await allItems(localDynamoClient(harness.db.endpoint), MESSAGES)).toHaveLength(before);
  });
});
