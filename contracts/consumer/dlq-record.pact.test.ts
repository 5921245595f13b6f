/**
 * Principle: a queue message is a contract too. On-call's `dlq` tool reads the redacted records the delivery
 * handler dead-letters, so the tool is the consumer of a message pact and the handler's DLQ writer its provider.
 * The pact pins the record's shape and `version`; the transport (SQS) stays out of it. The real `dlq` tool reads
 * the message here, through its own `peek` and `stats` commands.
 */
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../service/cli/common.js';
import { type DlqSource, dlqCli } from '../../service/cli/dlq.js';
import { REQUEST_TYPES } from '../../service/src/domain/okta-hook-schema.js';
import {
  DLQ_PACT_FILE,
  generatedPactsDir,
  MASKED_PHONE,
  PACTICIPANTS,
  PROVIDER_STATES,
} from '../pact-settings.js';
import { comparePactFile, DRIFT_HINT, startRegenerating } from './pact-drift.js';

const { integer, regex, string } = MatchersV3;

/** The record version the tool understands; a new version is a new contract. */
const SUPPORTED_VERSION = 1;

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The redacted record of one failed delivery, as the `dlq` tool reads it. */
const failedDeliveryRecord = {
  version: SUPPORTED_VERSION,
  eventId: string('bJ8nE3q0Ryu1mP4tL6wXkA-dlq'),
  requestId: string('reqC4ll5Un10ckEsMx0000001'),
  requestType: regex(
    `^(${REQUEST_TYPES.map(escapeRegex).join('|')})$`,
    'com.okta.user.telephony.account-unlock',
  ),
  channel: regex('^(sms|voice)$', 'voice'),
  country: string('MX'),
  phone: regex(MASKED_PHONE.source, '+52 *******678'),
  locale: string('es-mx'),
  error: {
    name: string('ProviderError'),
    reason: regex('^[a-z_]+$', 'provider_error'),
    message: string('End User Messaging failed (InternalServerException): Internal service error'),
  },
  attempts: integer(2),
  elapsedMs: integer(180),
  timestamp: regex('^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$', '2026-11-25T10:00:00.180Z'),
};

/** The `dlq` tool's terminal, captured. */
function capturedIo(): CliIo & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    out: (line) => lines.push(line),
    err: (line) => lines.push(line),
    interactive: false,
    ask: async () => '',
  };
}

/** A queue holding exactly the message under test. */
function queueWith(body: string): DlqSource {
  const messages = [{ messageId: 'msg-1', body, receivedAt: '2026-11-25T10:00:01.000Z' }];
  return {
    depth: async () => ({ visible: messages.length, inFlight: 0 }),
    receive: async (limit) => messages.slice(0, limit),
    delete: async () => 0,
    release: async () => {},
  };
}

const pact = new PactV4({
  consumer: PACTICIPANTS.dlqTool,
  provider: PACTICIPANTS.provider,
  dir: generatedPactsDir,
  logLevel: 'warn',
});

beforeAll(() => startRegenerating(DLQ_PACT_FILE));

describe('the dlq tool reading a dead-lettered delivery', () => {
  it('prints the reason, channel, country, masked phone and eventId of a failed delivery', async () => {
    await pact
      .addAsynchronousInteraction()
      .given(PROVIDER_STATES.providerFailing)
      .expectsToReceive('a redacted record of a failed delivery', (message) => {
        message.withJSONContent(failedDeliveryRecord);
      })
      .executeTest(async (message) => {
        // Prepare
        const body = JSON.stringify(message.contents.content);
        const record = JSON.parse(body) as Record<string, any>;
        const peek = capturedIo();
        const stats = capturedIo();

        // Act
        const peekCode = await dlqCli(['peek', '--limit', '1'], peek, {}, () => queueWith(body));
        const statsCode = await dlqCli(['stats'], stats, {}, () => queueWith(body));

        // Assess
        expect(record.version).toBe(SUPPORTED_VERSION);
        expect([peekCode, statsCode]).toEqual([0, 0]);
        const line = peek.lines[0] ?? '';
        for (const field of [
          record.error.reason,
          record.channel,
          record.country,
          record.phone,
          record.eventId,
          record.timestamp,
        ]) {
          expect(line).toContain(field);
        }
        expect(stats.lines.join('\n')).toContain(`by reason:  ${record.error.reason} 1`);
      });
  });
});

describe('the committed pact', () => {
  // Runs last in this file: the message above has been written by then.
  it('matches the regenerated pact, unless PACT_UPDATE=1 accepts the change', () => {
    const { committed, regenerated, accepted } = comparePactFile(DLQ_PACT_FILE);
    expect(regenerated, DRIFT_HINT).toEqual(committed);
    if (accepted) console.info(`Accepted contracts/pacts/${DLQ_PACT_FILE}`);
  });
});
