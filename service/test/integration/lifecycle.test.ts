/**
 * `npm start` as a platform engineer meets it: a ready banner, a clean stop on SIGINT/SIGTERM within 2 s with no
 * process left behind, a one-line error for a busy port, and a clear refusal of a second stack on the same
 * `--persist` directory, whose data survives a restart.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { hookRequest } from './helpers.js';

const root = new URL('../../../', import.meta.url).pathname;
const running: ChildProcess[] = [];
const dirs: string[] = [];

type Started = {
  child: ChildProcess;
  output: () => string;
  errors: () => string;
  exited: Promise<number | null>;
};

function start(args: string[], env: Record<string, string> = {}, viaNpm = false): Started {
  const command = viaNpm ? 'npm' : process.execPath;
  const argv = viaNpm
    ? ['start', '--silent', '--', ...args]
    : [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'service/local/start.ts'), ...args];
  const child = spawn(command, argv, {
    cwd: root,
    env: { ...process.env, ...env },
    detached: true, // its own process group, to find every descendant
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, errors: () => err, exited };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('timed out waiting');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const healthy = (port: number) => async () =>
  fetch(`http://127.0.0.1:${port}/_local/health`)
    .then((r) => r.ok)
    .catch(() => false);

/** Live (non-zombie) processes of a process group, from /proc. */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) members.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

afterEach(() => {
  for (const child of running.splice(0)) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'prints the ready banner, then stops every process within 2 s on %s',
    async (signal) => {
      // Prepare
      const port = await freePort();
      const stack = start([], { PORT: String(port) }, true);
      await until(healthy(port));
      await until(() => stack.output().includes('Ctrl+C'));
      expect(stack.output()).toContain(`http://127.0.0.1:${port}`);
      expect(stack.output()).toContain(`http://127.0.0.1:${port}/oauth2/default`);
      expect(stack.output()).toMatch(/client id\s+0oa\w+/);
      expect(stack.output()).toMatch(/client secret\s+\S+/);
      expect(stack.output()).toContain('npm run okta -- send');
      const pgid = stack.child.pid!;
      expect(groupMembers(pgid).length).toBeGreaterThan(0);

      // Act
      const started = Date.now();
      process.kill(-pgid, signal); // as a terminal's Ctrl+C signals the foreground group
      await until(() => groupMembers(pgid).length === 0, 5_000);

      // Assess
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(await fetch(`http://127.0.0.1:${port}/_local/health`).catch(() => 'refused')).toBe('refused');
    },
    60_000,
  );

  it('stops within 2 s when only the stack process itself is signalled', async () => {
    const port = await freePort();
    const stack = start(['--port', String(port)]);
    await until(healthy(port));

    const started = Date.now();
    stack.child.kill('SIGTERM');
    await until(() => groupMembers(stack.child.pid!).length === 0, 5_000);

    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('fails with one line naming the port and how to change it when the port is taken', async () => {
    // Prepare
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;

    // Act
    const stack = start([], { PORT: String(port) });
    const code = await stack.exited;
    blocker.close();

    // Assess
    expect(code).toBe(1);
    const lines = stack
      .errors()
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('npm warn'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(String(port));
    expect(lines[0]).toMatch(/PORT=\d+/);
    expect(lines[0]).toContain('--port');
  });
});

describe('--persist', () => {
  it('refuses a second stack on the same directory clearly, and keeps the data across a restart', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'okta-phone-mfa-persist-'));
    dirs.push(dir);
    const [portA, portB] = [await freePort(), await freePort()];
    const first = start(['--persist', dir, '--port', String(portA)]);
    await until(healthy(portA));
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: `http://127.0.0.1:${portA}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    await db.send(
      new PutCommand({
        TableName: 'okta-phone-mfa-templates',
        Item: { pk: 'template', sk: 'sms#en', value: { body: 'Persisted template: {{otp}}' } },
      }),
    );
    db.destroy();

    // Act: a second stack on the same directory
    const second = start(['--persist', dir, '--port', String(portB)]);
    const code = await second.exited;

    // Assess
    expect(code).toBe(1);
    const message = second.errors().trim();
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain(dir);
    expect(message).toContain('in use');
    expect(message).not.toMatch(/\n\s+at /);

    // Act: restart on the same data
    first.child.kill('SIGTERM');
    await first.exited;
    const again = start(['--persist', dir, '--port', String(portA)]);
    await until(healthy(portA));
    const { token } = (await (
      await fetch(`http://127.0.0.1:${portA}/_local/mint`, { method: 'POST' })
    ).json()) as {
      token: string;
    };
    await fetch(`http://127.0.0.1:${portA}/hook`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(hookRequest(undefined, (p) => (p.data.messageProfile.locale = 'en'))),
    });
    const { messages } = (await (await fetch(`http://127.0.0.1:${portA}/_local/outbox`)).json()) as any;

    // Assess: the edited template survived (the table was not re-seeded)
    expect(messages[0].MessageBody).toMatch(/^Persisted template: \d+$/);
    again.child.kill('SIGTERM');
    await again.exited;
  }, 90_000);
});
