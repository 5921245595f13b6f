/**
 * The abuse guard over HTTP through the local stack, against dynalite: a velocity limit trips with Okta's error
 * object and no send, the refusal shows in `GET /_local/refusals` and on the outbox page, and with the guard's table
 * unreachable (`{"abuse":"unavailable"}`) the code goes out all the same, inside Okta's 3 s, counted.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { abuseCli } from '../../cli/abuse.js';
import type { LocalStack } from '../../local/stack.js';
import { captureIo } from '../helpers/cli-io.js';
import {
  deadLetters,
  getJson,
  hookRequest,
  mint,
  outbox,
  postHook,
  resetStack,
  setFaults,
  startStack,
} from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const browserAvailable = existsSync(CHROMIUM);

let stack: LocalStack;
let token: string;
/** The hook function's log lines, JSON-parsed. */
const lines: Array<Record<string, any>> = [];

beforeAll(async () => {
  stack = await startStack({
    log: (line) => {
      if (!line.startsWith('[deliver-otp] {')) return;
      try {
        lines.push(JSON.parse(line.slice(line.indexOf(' ') + 1)) as Record<string, any>);
      } catch {
        // not one of the function's JSON lines
      }
    },
  });
  token = await mint(stack);
});
afterAll(() => stack?.close());
beforeEach(async () => {
  await resetStack(stack);
  lines.length = 0;
});

/** Sends `count` codes to the fixture's number, each a new Okta event, one after another. */
async function sendCodes(count: number) {
  const answers = [];
  for (let i = 0; i < count; i += 1) answers.push(await postHook(stack, hookRequest(), { token }));
  return answers;
}

const metricsNamed = (name: string) => lines.filter((line) => line._aws && name in line);

describe('a velocity limit over HTTP', () => {
  it("refuses the 6th code to one number in 10 minutes with Okta's error object, sends nothing and lists the refusal", async () => {
    // Prepare
    const delivered = await sendCodes(5);
    const sixth = hookRequest();

    // Act
    const answer = await postHook(stack, sixth, { token });

    // Assess
    expect(delivered.map((a) => a.body.commands?.[0]?.value?.[0]?.status)).toEqual(
      Array(5).fill('SUCCESSFUL'),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      error: {
        errorSummary: 'The one-time passcode was not sent',
        errorCauses: [
          {
            errorSummary: 'The phone number has reached its limit of codes per 10 minutes',
            reason: 'NUMBER_10M',
            location: 'data.messageProfile.phoneNumber',
          },
        ],
      },
    });
    expect(await outbox(stack)).toHaveLength(5);
    expect(await deadLetters(stack)).toEqual([]);
    const { refusals } = await getJson(stack, '/_local/refusals');
    expect(refusals).toEqual([
      {
        eventId: sixth.eventId,
        reason: 'number_10m',
        answer: 'error',
        maskedPhone: '+1 *******123',
        requestType: 'com.okta.user.telephony.mfa-verification',
        channel: 'SMS',
        at: expect.any(String),
      },
    ]);
    expect(JSON.stringify(refusals)).not.toContain('4155550123');
  });

  it('answers a replay of the refused event with the same refusal, without counting it again', async () => {
    // Prepare
    await sendCodes(5);
    const sixth = hookRequest();
    const refused = await postHook(stack, sixth, { token });

    // Act
    const replay = await postHook(stack, sixth, { token });

    // Assess
    expect(replay.body).toEqual(refused.body);
    expect(await outbox(stack)).toHaveLength(5);
  });

  it('empties the refusals list on DELETE', async () => {
    // Prepare
    await sendCodes(6);

    // Act
    await fetch(`${stack.baseUrl}/_local/refusals`, { method: 'DELETE' });

    // Assess
    expect(await getJson(stack, '/_local/refusals')).toEqual({ refusals: [] });
  });
});

describe('refusals that do not lock people out, over HTTP', () => {
  it('leaves the 24-hour count at what was sent when a user keeps asking past the 10-minute limit', async () => {
    // Prepare: 8 codes asked for in a row: 5 sent, 3 refused
    const answers = await sendCodes(8);
    const io = captureIo();

    // Act
    const code = await abuseCli(['status', '+14155550123', '--endpoint', stack.baseUrl, '--json'], io, {});

    // Assess: the refused 3 gave their counts back
    expect(code).toBe(0);
    expect(answers.filter((a) => a.body.error).map((a) => a.body.error.errorCauses[0].reason)).toEqual(
      Array(3).fill('NUMBER_10M'),
    );
    const report = JSON.parse(io.stdout.join(''));
    const counts = Object.fromEntries(
      report.counters.map((c: { window: string; count: number }) => [c.window, c.count]),
    );
    expect(counts).toMatchObject({ '10 min': 5, '24 h': 5 });
  });

  it('counts IPv6 client addresses by their /64: the 21st enrolment from one /64 is refused', async () => {
    // Prepare: 21 enrolments to numbers of different prefixes, each from another address of one /64
    const requests = Array.from({ length: 21 }, (_, i) =>
      hookRequest('request-sms-pre-enrollment-no-plus', (p) => {
        p.data.messageProfile.phoneNumber = `+1${String(2125550000 + i * 1000 + 100)}`;
        p.data.userProfile = { ...p.data.userProfile, userId: `00uV6${i}` };
        p.data.context.request.ipAddress = `2001:db8:77:1:${(i + 1).toString(16)}::1`;
      }),
    );

    // Act
    const answers = [];
    for (const request of requests) answers.push(await postHook(stack, request, { token }));

    // Assess
    expect(answers.slice(0, 20).every((a) => a.body.commands?.[0]?.value?.[0]?.status === 'SUCCESSFUL')).toBe(
      true,
    );
    expect(answers[20]?.body.error.errorCauses[0].reason).toBe('IP_1H');
  });
});

describe('the guard table unreachable', () => {
  it('delivers anyway inside the deadline and counts AbuseGuardUnavailable', async () => {
    // Prepare: the number is already at its limit, then the table goes away.
    await sendCodes(5);
    expect((await setFaults(stack, { abuse: 'unavailable' })).status).toBe(200);
    lines.length = 0;

    // Act
    const answer = await postHook(stack, hookRequest(), { token });

    // Assess
    expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    expect(answer.elapsedMs).toBeLessThan(3_000);
    expect(await outbox(stack)).toHaveLength(6);
    await expect.poll(() => metricsNamed('AbuseGuardUnavailable').length).toBe(1);
    expect(
      lines.find((l) => l.message === "Abuse guard's table unavailable; delivering without the guard"),
    ).toMatchObject({ level: 'WARN' });
    expect(await getJson(stack, '/_local/faults')).toEqual({ abuse: 'unavailable' });
  });

  it('guards again once the fault is cleared', async () => {
    // Prepare
    await setFaults(stack, { abuse: 'unavailable' });
    await sendCodes(6);
    await setFaults(stack, { abuse: null });

    // Act: the 6 sent while the table was away were not counted.
    const answers = await sendCodes(6);

    // Assess
    expect(answers.at(-1)?.body.error.errorCauses[0].reason).toBe('NUMBER_10M');
    expect(await outbox(stack)).toHaveLength(11);
  });

  it('refuses an abuse fault other than "unavailable"', async () => {
    const answer = await setFaults(stack, { abuse: 'slow' });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { message: string }).message).toBe(
      'abuse must be "unavailable" (or null to clear it)',
    );
  });
});

describe.skipIf(!browserAvailable)('the outbox page', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows each refused request, its masked number and why, in the Refused tab', async () => {
    // Prepare
    const page = await browser.newPage();
    await page.goto(stack.baseUrl);

    // Act
    await sendCodes(6);
    await page.locator('#tab-refused').click();

    // Assess
    const refusals = page.getByTestId('refusal');
    await expect.poll(() => refusals.count(), { timeout: 5_000 }).toBe(1);
    const text = await refusals.first().textContent();
    expect(text).toContain('NUMBER_10M');
    expect(text).toContain('to +1 *******123');
    expect(text).toContain('the number reached its limit per 10 minutes');
    expect(await page.locator('#count-refused').textContent()).toBe('1');
    expect(await page.getByTestId('refused').textContent()).not.toContain('4155550123');
    await page.close();
  });
});
