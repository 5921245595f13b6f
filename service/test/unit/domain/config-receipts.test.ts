// The settings of issue 15: the hook's optional messages table, and the receipt and verification handlers' own,
// failing at cold start with the variable's name.
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadHookConfig,
  loadReceiptConfig,
  loadVerificationConfig,
} from '../../../src/config.js';

const hookEnv = {
  TEMPLATES_TABLE_NAME: 't',
  IDEMPOTENCY_TABLE_NAME: 'i',
  FINGERPRINT_KEY_SECRET: 's',
  DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/dlq',
  ABUSE_TABLE_NAME: 'a',
};

describe('settings of receipts and conversion', () => {
  it('gives the hook a messages table only when MESSAGES_TABLE_NAME is set', () => {
    expect(loadHookConfig(hookEnv).messagesTableName).toBeUndefined();
    expect(
      loadHookConfig({ ...hookEnv, MESSAGES_TABLE_NAME: ' okta-phone-mfa-messages ' }).messagesTableName,
    ).toBe('okta-phone-mfa-messages');
  });

  it('needs the messages table and the DLQ for the receipt handler', () => {
    expect(
      loadReceiptConfig({ MESSAGES_TABLE_NAME: 'm', DLQ_URL: 'http://127.0.0.1:3000/queue/dlq/' }),
    ).toMatchObject({
      messagesTableName: 'm',
      dlqUrl: 'http://127.0.0.1:3000/queue/dlq',
    });
    expect(() => loadReceiptConfig({ DLQ_URL: 'http://x' })).toThrow(/MESSAGES_TABLE_NAME/);
    expect(() => loadReceiptConfig({ MESSAGES_TABLE_NAME: 'm' })).toThrow(ConfigError);
  });

  it('reads the event hook secret as optional and its header as authorization by default', () => {
    expect(loadVerificationConfig({ MESSAGES_TABLE_NAME: 'm' })).toMatchObject({
      eventHookHeader: 'authorization',
    });
    expect(loadVerificationConfig({ MESSAGES_TABLE_NAME: 'm' }).eventHookSecret).toBeUndefined();
    expect(
      loadVerificationConfig({
        MESSAGES_TABLE_NAME: 'm',
        EVENT_HOOK_SECRET: 'okta/event-hook',
        EVENT_HOOK_HEADER: 'X-Hook-Secret',
      }),
    ).toMatchObject({ eventHookSecret: 'okta/event-hook', eventHookHeader: 'x-hook-secret' });
    expect(() =>
      loadVerificationConfig({ MESSAGES_TABLE_NAME: 'm', EVENT_HOOK_HEADER: 'bad header' }),
    ).toThrow(/EVENT_HOOK_HEADER/);
  });

  it("reads the telephony hook's Okta id as optional, and refuses what is no Okta id", () => {
    expect(loadVerificationConfig({ MESSAGES_TABLE_NAME: 'm' }).telephonyHookId).toBeUndefined();
    expect(
      loadVerificationConfig({ MESSAGES_TABLE_NAME: 'm', OKTA_TELEPHONY_HOOK_ID: 'cal3ughy17pylLxQB357' }),
    ).toMatchObject({ telephonyHookId: 'cal3ughy17pylLxQB357' });
    expect(() =>
      loadVerificationConfig({
        MESSAGES_TABLE_NAME: 'm',
        OKTA_TELEPHONY_HOOK_ID: 'https://example.okta.com/api/v1/inlineHooks/cal3ughy17pylLxQB357',
      }),
    ).toThrow(/OKTA_TELEPHONY_HOOK_ID/);
  });
});
