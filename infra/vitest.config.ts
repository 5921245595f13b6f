import { defineConfig } from 'vitest/config';

// Infra assertion tests: synthesize the stack in-process with bundling skipped (no esbuild, no network).
export default defineConfig({
  test: {
    include: ['infra/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // A synth in beforeAll takes seconds, more on a busy 2-core machine.
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
