// The bench's latency profiles: named on the command line, and a stand-in call held as long as the profile says.
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delayed, LATENCY_PROFILES, latencyFromArgs } from '../../../bench/latency.js';

describe('latencyFromArgs', () => {
  it('reads --latency production, nothing without the flag, and refuses an unknown profile', () => {
    expect(latencyFromArgs(['--json'])).toBeUndefined();
    expect(latencyFromArgs(['--latency', 'production'])).toEqual({
      name: 'production',
      profile: LATENCY_PROFILES.production,
    });
    expect(() => latencyFromArgs(['--latency', 'slow'])).toThrow(/zero or production/);
  });
});

describe('delayed', () => {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => res.end(`${req.method} ${req.url} ${body}`));
  });
  let target = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    target = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('holds each call the given time and passes request and answer through unchanged', async () => {
    // Prepare
    const proxy = await delayed(target, 60);

    // Act
    const started = performance.now();
    const answer = await fetch(`${proxy.endpoint}/path?x=1`, { method: 'POST', body: 'hello' });
    const elapsed = performance.now() - started;

    // Assess
    expect(await answer.text()).toBe('POST /path?x=1 hello');
    expect(elapsed).toBeGreaterThanOrEqual(59);
    await proxy.close();
  });

  it('adds no hop at zero', async () => {
    expect((await delayed(target, 0)).endpoint).toBe(target);
  });
});
