import { defineConfig } from 'vitest/config';

// The load tool's own tests: pure functions and a token server on 127.0.0.1. The load run itself is
// `npm run load:smoke`.
export default defineConfig({
  test: {
    include: ['load/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    pool: 'forks',
  },
});
