/**
 * Principle: the committed pact files are reviewed and shared (a broker, a pull request), so they hold no secret.
 * Okta's request necessarily carries an OTP code: the pact keeps only the placeholder `000000` as a matcher's
 * example, never a code from a fixture, and never Okta's rendered message with a real code in it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRequestFixtures } from '../fixtures/index.js';
import {
  committedPactsDir,
  DLQ_PACT_FILE,
  MASKED_PHONE,
  OKTA_PACT_FILE,
  SAMPLE_OTP_CODE,
} from '../pact-settings.js';

const pactFiles = readdirSync(committedPactsDir).filter((file) => file.endsWith('.json'));
const read = (file: string) => readFileSync(join(committedPactsDir, file), 'utf8');

describe('the committed pact files', () => {
  it('include the Okta pact and the DLQ message pact', () => {
    expect(pactFiles).toEqual(expect.arrayContaining([OKTA_PACT_FILE, DLQ_PACT_FILE]));
  });

  it.each(pactFiles)('%s holds no OTP code from any fixture', (file) => {
    const text = read(file);
    for (const { name, payload } of loadRequestFixtures()) {
      const { otpCode, msgTemplate } = payload.data.messageProfile;
      expect(otpCode, `${name}'s otpCode is the placeholder`).not.toBe(SAMPLE_OTP_CODE);
      expect(text.includes(otpCode), `${file} contains the otpCode of ${name}`).toBe(false);
      if (msgTemplate)
        expect(text.includes(msgTemplate), `${file} contains the msgTemplate of ${name}`).toBe(false);
    }
  });

  it('give every Okta request the placeholder code as the example of a matcher', () => {
    const pact = JSON.parse(read(OKTA_PACT_FILE)) as {
      interactions: Array<{ description: string; request: { body: { content: any }; matchingRules?: any } }>;
    };
    expect(pact.interactions.length).toBeGreaterThanOrEqual(10);
    for (const interaction of pact.interactions) {
      const profile = interaction.request.body.content.data.messageProfile;
      expect(profile.otpCode, interaction.description).toBe(SAMPLE_OTP_CODE);
      expect(
        interaction.request.matchingRules?.body?.['$.data.messageProfile.otpCode'],
        interaction.description,
      ).toBeDefined();
    }
  });

  it('show only a masked phone number in the DLQ record', () => {
    const pact = JSON.parse(read(DLQ_PACT_FILE)) as {
      interactions: Array<{ contents: { content: Record<string, unknown> } }>;
    };
    for (const interaction of pact.interactions) {
      const record = interaction.contents.content;
      expect(record.phone).toMatch(MASKED_PHONE);
      expect(record).not.toHaveProperty('otpCode');
      expect(JSON.stringify(record)).not.toMatch(/\d{8,}/);
    }
  });
});
