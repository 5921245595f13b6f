/**
 * The committed pact files are the pinned contract. A consumer test regenerates its pact file into
 * `contracts/logs/pacts/` and compares it here with `contracts/pacts/`; only `PACT_UPDATE=1` copies it over.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { acceptPactChanges, committedPactsDir, generatedPactsDir } from '../pact-settings.js';

/** A pact file reduced to what the contract says: the library versions that wrote it are left out. */
export function contractOf(pactJson: string): unknown {
  const pact = JSON.parse(pactJson) as { metadata?: Record<string, unknown> };
  // A Pact upgrade changes these on every file without changing the contract; the spec version stays.
  const { pactRust: _rust, 'pact-js': _js, ...metadata } = pact.metadata ?? {};
  return { ...pact, metadata };
}

/**
 * Removes a stale regenerated file before its test writes it again: Pact merges into an existing file, so an
 * interaction deleted from a test would otherwise live on.
 *
 * @param fileName - pact file name, e.g. `okta-okta-phone-mfa.json`
 */
export function startRegenerating(fileName: string): void {
  mkdirSync(generatedPactsDir, { recursive: true });
  rmSync(join(generatedPactsDir, fileName), { force: true });
}

/** The result of comparing a regenerated pact file with the committed one. */
export type PactComparison = {
  /** The contract as committed (undefined when no file is committed yet). */
  committed: unknown;
  /** The contract as the consumer test just wrote it. */
  regenerated: unknown;
  /** True when `PACT_UPDATE=1` copied the regenerated file over the committed one. */
  accepted: boolean;
};

/**
 * Reads the regenerated and committed versions of one pact file. With `PACT_UPDATE=1`, first accepts the
 * regenerated file as the committed one.
 *
 * @param fileName - pact file name, e.g. `okta-okta-phone-mfa.json`
 */
export function comparePactFile(fileName: string): PactComparison {
  const regeneratedPath = join(generatedPactsDir, fileName);
  const committedPath = join(committedPactsDir, fileName);
  if (!existsSync(regeneratedPath)) throw new Error(`The consumer test did not write ${regeneratedPath}`);
  let accepted = false;
  if (acceptPactChanges()) {
    mkdirSync(committedPactsDir, { recursive: true });
    copyFileSync(regeneratedPath, committedPath);
    accepted = true;
  }
  return {
    committed: existsSync(committedPath) ? contractOf(readFileSync(committedPath, 'utf8')) : undefined,
    regenerated: contractOf(readFileSync(regeneratedPath, 'utf8')),
    accepted,
  };
}

/** What a failing comparison tells the reader. */
export const DRIFT_HINT =
  'The regenerated pact differs from contracts/pacts/. If the change is intended, run `npm run pact:update` and commit the pact file with the change for review.';
