// The bench's stage recorder: calls side by side are one stage, the labels say what each call is for, and the real
// hook's warm delivery waits on at most three sequential stages (a count, not a time: a later change cannot add a
// sequential round trip unnoticed).
import { randomUUID } from 'node:crypto';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture } from '../../../../contracts/fixtures/index.js';
import { formatStages, labelOf, stageRecorder, stagesOf } from '../../../bench/stages.js';
import { localDynamoClient, messagesTableDefinition } from '../../../local/dynalite.js';
import { HookHarness } from '../../helpers/hook-harness.js';

const TABLES = { idempotency: 'idempotency', abuse: 'abuse', messages: 'messages', templates: 'templates' };
const call = (label: string, startMs: number, endMs: number) => ({ label, startMs, endMs });

describe('stagesOf', () => {
  it('puts overlapping calls in one stage and a call after them all in the next', () => {
    const stages = stagesOf([
      call('claim', 0, 4),
      call('guard', 1, 5),
      call('guard', 1, 6),
      call('send', 6, 66),
      call('record', 66, 70),
      call('record', 67, 71),
    ]);
    expect(stages).toEqual([['claim', 'guard', 'guard'], ['send'], ['record', 'record']]);
    expect(formatStages(stages)).toBe('claim+guard×2 → send → record×2');
  });

  it('orders by start, and lets a long call hold later ones in its stage', () => {
    expect(stagesOf([call('b', 10, 12), call('a', 0, 20), call('c', 21, 22)])).toEqual([['a', 'b'], ['c']]);
    expect(stagesOf([])).toEqual([]);
  });
});

describe('labelOf', () => {
  it('names each call by what it is for', () => {
    expect(labelOf('DynamoDB_20120810.PutItem', 'idempotency', TABLES)).toBe('claim');
    expect(labelOf('DynamoDB_20120810.UpdateItem', 'idempotency', TABLES)).toBe('record');
    expect(labelOf('DynamoDB_20120810.UpdateItem', 'abuse', TABLES)).toBe('guard');
    expect(labelOf('DynamoDB_20120810.UpdateItem', 'messages', TABLES)).toBe('record');
    expect(labelOf('DynamoDB_20120810.Query', 'templates', TABLES)).toBe('read');
    expect(labelOf('PinpointSMSVoiceV2.SendTextMessage', undefined, TABLES)).toBe('send');
    expect(labelOf('PinpointSMSVoiceV2.SendNotifyTextMessage', undefined, TABLES)).toBe('send');
    expect(labelOf('secretsmanager.GetSecretValue', undefined, TABLES)).toBe('key');
    expect(labelOf('AmazonSQS.SendMessage', undefined, TABLES)).toBe('dlq');
  });
});

describe('the hook, through the recorder', () => {
  const harness = new HookHarness({ MESSAGES_TABLE_NAME: 'messages' });
  let recorder: ReturnType<typeof stageRecorder>;

  beforeAll(async () => {
    await harness.start();
    await localDynamoClient(harness.db.endpoint).send(
      new CreateTableCommand(messagesTableDefinition('messages')),
    );
    await harness.load();
    recorder = stageRecorder(TABLES);
  });
  afterAll(async () => {
    recorder?.stop();
    await harness.stop();
  });

  const request = () => {
    const p = loadFixture('request-sms-mfa-verification');
    p.eventId = randomUUID();
    p.data.userProfile = {
      ...p.data.userProfile,
      userId: `00u${randomUUID().slice(0, 8)}`,
    } as typeof p.data.userProfile;
    p.data.messageProfile.phoneNumber = `+1415555${String(1000 + Math.floor(Math.random() * 8999))}`;
    p.data.messageProfile.otpExpires = new Date(Date.now() + 300_000).toISOString();
    return p;
  };

  it('answers a warm delivery after at most three sequential stages: claim and guard, send, record', async () => {
    // Prepare: a first delivery warms the caches (templates, routing, key, lists)
    await harness.invoke(request());
    recorder.take();

    // Act
    const answer = await harness.invoke(request());
    const stages = stagesOf(recorder.take());

    // Assess
    expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    expect(formatStages(stages)).toMatch(/^claim\+guard(×\d)? → send → record(×\d)?$/);
    expect(stages.length).toBeLessThanOrEqual(3);
  });

  it("reads what a cold start needs at init, in one stage, and the first delivery makes the warm path's calls only", async () => {
    // Prepare: a cold start (the module loaded anew); its init reads templates, routing, the key and the lists
    recorder.take();
    await harness.load({ MESSAGES_TABLE_NAME: 'messages' });
    const deadline = Date.now() + 2_000;
    let init = recorder.take();
    while (init.length < 5 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      init = [...init, ...recorder.take()];
    }

    // Act
    const answer = await harness.invoke(request());
    const first = recorder.take();

    // Assess: the init's reads side by side (templates and routing, two list partitions, the key: one stage), and
    // none of them again on the first delivery
    expect(formatStages(stagesOf(init))).toBe('read×4+key');
    expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    expect(formatStages(stagesOf(first))).toMatch(/^claim\+guard(×\d)? → send → record(×\d)?$/);
  });

  it('sends nothing and counts nothing on a replay: the claim, and the guard given back', async () => {
    // Prepare
    const first = request();
    await harness.invoke(first);
    recorder.take();

    // Act
    await harness.invoke(first);
    const stages = stagesOf(recorder.take());

    // Assess: the replay's counters, taken beside the claim, are given back; nothing is sent or recorded
    expect(stages.flat()).not.toContain('send');
    expect(stages.flat().filter((label) => label === 'record')).toEqual([]);
    expect(stages.length).toBeLessThanOrEqual(2);
  });
});
