import { defineConfig } from 'vitest/config';

// Integration tests: each file starts the local stack on a free 127.0.0.1 port and goes over HTTP. Files run one
// after another: each stack runs two function workers, and the deadline assertions need the CPU.
export default defineConfig({
  test: {
    include: ['service/test/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    env: { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
  },
});
