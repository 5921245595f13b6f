import { defineConfig } from 'vitest/config';

// Unit tests: no network but 127.0.0.1 (dynalite and the protocol stand-ins run on free ports).
export default defineConfig({
  test: {
    include: ['service/test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    env: { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
  },
});
