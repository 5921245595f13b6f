// npm run okta:connect against the local stack, over HTTP: the local Okta gets everything made, the stack trusts the
// new server (as a deploy with the printed settings would), Okta's execute proves the token path without sending,
// a second run changes nothing, `okta send` goes through the hook it made, a stack that trusts something else is
// explained claim by claim, the event hook is verified through the real handler, and disconnect undoes it all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OktaManagement } from '../../cli/okta/management.js';
import { proveThroughOkta } from '../../cli/okta/proof.js';
import { oktaConnectCli } from '../../cli/okta-connect.js';
import { main as oktaCli } from '../../local/okta-cli.js';
import type { LocalStack } from '../../local/stack.js';
import { captureIo } from '../helpers/cli-io.js';
import { outbox, startStack } from './helpers.js';

let stack: LocalStack;
let env: Record<string, string>;

beforeAll(async () => {
  stack = await startStack({ sweepIntervalMs: 0 });
  env = { OKTA_API_TOKEN: stack.okta.apiToken };
});
afterAll(() => stack?.close());

const connectArgs = () => [
  'connect',
  '--org',
  stack.baseUrl,
  '--hook-url',
  stack.hookUrl,
  '--events',
  'event-hook',
];

describe('npm run okta:connect on the local stack', () => {
  it('connects in one command, and Okta proves the token path without sending anything', async () => {
    // Act
    const io = captureIo();
    const code = await oktaConnectCli(connectArgs(), io, env);

    // Assess
    const printed = io.stdout.join('\n');
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    expect(printed).toMatch(/\+ inline hook "okta-phone-mfa" \(cal\w+\): created/);
    expect(printed).toMatch(/\+ event hook "okta-phone-mfa events" \(who\w+\): created.*verified/);
    expect(printed).toContain('Applied to the local stack');
    expect(printed).toMatch(
      /Okta called the hook with a token the authorizer accepted .* and got SUCCESSFUL\. Nothing was sent/,
    );
    expect(await outbox(stack)).toEqual([]);
    const hooks = stack.okta.org.listEventHooks();
    expect(hooks).toMatchObject([{ name: 'okta-phone-mfa events', verificationStatus: 'VERIFIED' }]);
    // The stack now trusts the new server's tokens for the new app only.
    const [app] = stack.okta.org.listApps('okta-phone-mfa hook');
    expect(stack.settings()).toMatchObject({ allowedClientIds: [app?.id], requiredScope: 'phone-mfa.send' });
  });

  it('changes nothing on a second run', async () => {
    const io = captureIo();
    expect(await oktaConnectCli(connectArgs(), io, env)).toBe(0);
    const steps = io.stdout.filter((line) => /^[+~=-] /.test(line));
    expect(steps).toHaveLength(8);
    expect(steps.every((line) => line.startsWith('= ') && line.endsWith('left as is'))).toBe(true);
  });

  it("sends a code through the hook it made: Okta's token, Okta's call", async () => {
    const lines: string[] = [];
    const code = await oktaCli(
      ['send', '--url', stack.baseUrl, '--phone', '+14155550100', '--channel', 'sms'],
      (text) => lines.push(text),
    );
    expect(code).toBe(0);
    expect(lines.join('')).toMatch(/^Okta \(local\) → inline hook "okta-phone-mfa" → POST /);
    expect(await outbox(stack)).toHaveLength(1);
  });

  it('explains a refusal claim by claim when the stack trusts another scope', async () => {
    // Prepare: the stack "deployed" with another scope
    const connected = stack.settings();
    await stack.applySettings({ requiredScope: 'phone-mfa.other' });

    // Act: Okta calls the hook with the token connect set up for
    const okta = new OktaManagement(stack.baseUrl, { kind: 'api-token', token: stack.okta.apiToken });
    const [hook] = stack.okta.org.listInlineHooks('com.okta.telephony.provider');
    const proof = await proveThroughOkta(okta, String(hook?.id), connected, stack.settings());

    // Assess
    expect(proof.ok).toBe(false);
    expect(proof.lines.join('\n')).toMatch(
      /refused Okta's token \(HTTP 401\)[\s\S]*scope \(scp\): the stack requires phone-mfa\.other, Okta's token carries phone-mfa\.send/,
    );
    await stack.applySettings(connected);
  });

  it('disconnects: everything it made is gone, and the stack trusts its default server again', async () => {
    const io = captureIo();
    expect(await oktaConnectCli(['disconnect', '--org', stack.baseUrl], io, env)).toBe(0);
    expect(io.stdout.join('\n')).toContain('trusts its default authorization server again');
    const org = stack.okta.org;
    expect(org.listInlineHooks()).toEqual([]);
    expect(org.listEventHooks()).toEqual([]);
    expect(org.listApps()).toEqual([]);
    expect(org.listServers().map((s) => s.name)).toEqual(['default']);
    expect(stack.settings().oktaIssuer).toBe(stack.issuer);
  });
});
