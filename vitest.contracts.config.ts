import { defineConfig } from 'vitest/config';

// Contract tests (Pact). `npm run test:contracts` runs contracts/consumer first (it regenerates the pact files and
// compares them with contracts/pacts/), then contracts/provider (verifies the committed pacts against the local
// stack). Files run one after another: the provider side starts the whole stack.
export default defineConfig({
  test: {
    include: ['contracts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    env: {
      PACT_DO_NOT_TRACK: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    },
  },
});
