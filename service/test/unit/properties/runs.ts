/**
 * How many cases each property test tries: a bounded run in `npm test`, a long one with `npm run test:fuzz`
 * (`FUZZ_RUNS`), and a fixed seed when `FUZZ_SEED` is set, to replay a failure fast-check printed.
 */
export const fuzz = {
  numRuns: Number(process.env.FUZZ_RUNS ?? 200),
  ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
};
