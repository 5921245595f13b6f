/**
 * The outbox page in a real browser (Debian's chromium driven by playwright-core): after a delivery the message
 * appears by itself, SMS as a bubble and voice as SSML with its voice id, and failures show in the DLQ tab.
 * Saves the README's screenshot to docs/outbox.png (`UPDATE_SCREENSHOT=1 npm run test:integration` refreshes it).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { hookRequest, mint, postHook, startStack } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const committed = new URL('../../../docs/outbox.png', import.meta.url).pathname;
// The README's screenshot is rewritten only on request (or when missing), so a test run leaves the tree clean.
const screenshot =
  process.env.UPDATE_SCREENSHOT === '1' || !existsSync(committed)
    ? committed
    : join(tmpdir(), 'okta-phone-mfa-outbox.png');
// CI installs chromium (.ci/run); elsewhere the test is skipped, loudly, when it is missing.
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
if (!available) console.warn(`outbox page test skipped: ${CHROMIUM} not found (apt-get install -y chromium)`);

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  if (!available) return;
  stack = await startStack();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe.skipIf(!available)('the outbox page', () => {
  it('shows a delivered SMS and voice call newest first, and a failure in the DLQ tab', async () => {
    // Prepare: the page is open before anything is delivered, so the message must appear by itself
    const page = await browser.newPage({ viewport: { width: 1200, height: 820 }, deviceScaleFactor: 1 });
    await page.goto(stack.baseUrl);
    await page.getByText('Nothing delivered yet').waitFor();
    const token = await mint(stack);
    const sms = hookRequest('request-sms-password-reset-es-mx');
    const voice = hookRequest('request-call-mfa-verification-en');
    const failed = hookRequest(undefined, (p) => (p.data.messageProfile.phoneNumber = '+79123456789'));

    // Act
    await postHook(stack, sms, { token });
    await postHook(stack, voice, { token });
    await postHook(stack, failed, { token });

    // Assess
    const messages = page.getByTestId('message');
    await expect.poll(() => messages.count(), { timeout: 5_000 }).toBe(2);
    expect(await messages.nth(0).getAttribute('data-channel')).toBe('VOICE');
    expect(await messages.nth(0).textContent()).toContain('voice JOANNA');
    expect(await messages.nth(0).locator('pre').textContent()).toMatch(/^<speak>/);
    // Codes are hidden until "show codes" is ticked, so screenshots hold none.
    expect(await messages.nth(1).locator('.bubble').textContent()).not.toContain(
      sms.data.messageProfile.otpCode,
    );
    expect(await messages.nth(0).locator('pre').textContent()).toContain(
      '<say-as interpret-as="characters">•</say-as>',
    );
    // Destination numbers are masked as everywhere else: the country code and at most the last 3 digits.
    expect(await messages.nth(1).locator('.meta').textContent()).toContain('to +34 ******678');
    expect(await messages.nth(0).locator('.meta').textContent()).toContain('to +44 *******456');
    expect(await page.getByTestId('outbox').textContent()).not.toMatch(/612345678|7700123456/);
    // The page refreshes the outbox and the DLQ by polling: the DLQ's count may come a refresh later.
    await expect.poll(() => page.locator('#count-dlq').textContent(), { timeout: 5_000 }).toBe('1');
    mkdirSync(new URL('../../../docs/', import.meta.url).pathname, { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: false });
    await page.locator('#show-codes').check();
    await expect
      .poll(() => messages.nth(1).locator('.bubble').textContent())
      .toContain(sms.data.messageProfile.otpCode);

    await page.locator('#tab-dlq').click();
    const record = page.getByTestId('dlq-record');
    await expect.poll(() => record.count()).toBe(1);
    expect(await record.textContent()).toContain('country_not_allowed');
    expect(await record.textContent()).not.toContain(failed.data.messageProfile.otpCode);
  });

  it('turns a fault on and off from the faults panel', async () => {
    const page = await browser.newPage();
    await page.goto(stack.baseUrl);

    await page.getByRole('button', { name: 'Messaging: throttle' }).click();
    await expect.poll(() => stack.faults()).toEqual({ messaging: { mode: 'throttle' } });
    // A missing permission, rehearsed from the page: one action taken away from one function's role.
    await page.getByRole('button', { name: 'IAM: hook loses sms-voice:SendTextMessage' }).click();
    await expect
      .poll(() => stack.faults().iam)
      .toEqual({ function: 'deliver-otp', deny: 'sms-voice:SendTextMessage' });
    await page.getByRole('button', { name: 'Clear all faults' }).click();

    await expect.poll(() => stack.faults()).toEqual({});
  });
});
