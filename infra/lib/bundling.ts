/**
 * The one definition of how the Lambda handlers are bundled. The deploy (`NodejsFunction`) and the benchmark
 * (`esbuild.build`) both read it, so a benchmarked bundle is byte-for-byte the bundle that ships.
 */
import { fileURLToPath } from 'node:url';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** Absolute paths of the Lambda entry files, by function. */
export const handlerEntries = {
  authorizeHook: fileURLToPath(new URL('../../service/src/handlers/authorize-hook.ts', import.meta.url)),
  deliverOtp: fileURLToPath(new URL('../../service/src/handlers/deliver-otp.ts', import.meta.url)),
  seedTemplates: fileURLToPath(new URL('../../service/src/handlers/seed-templates.ts', import.meta.url)),
  recordDeliveryEvent: fileURLToPath(
    new URL('../../service/src/handlers/record-delivery-event.ts', import.meta.url),
  ),
  recordVerification: fileURLToPath(
    new URL('../../service/src/handlers/record-verification.ts', import.meta.url),
  ),
  sweepMessages: fileURLToPath(new URL('../../service/src/handlers/sweep-messages.ts', import.meta.url)),
} as const;

/** The repository root: where `package-lock.json` pins the bundled dependency versions. */
export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Lambda's Node.js major version; esbuild targets the same. */
export const NODE_TARGET = 'node24';

/**
 * The bundle settings as plain esbuild options (pass your own `entryPoints` and `outfile`/`outdir`), e.g.
 * `await build({ ...esbuildOptions, entryPoints: [handlerEntries.deliverOtp], outfile: 'deliver-otp.cjs' })`.
 *
 * - The AWS SDK is bundled, not taken from the runtime, so the versions in `package-lock.json` are the ones
 *   that run and a runtime SDK update cannot change behaviour under us.
 * - `module` before `main` picks the SDK's ES module builds, which tree-shake to a smaller bundle: a smaller
 *   bundle is a shorter cold start, and cold starts spend Okta's 3-second budget.
 * - Source maps without embedded sources keep stack traces readable and the zip small.
 */
export const esbuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  target: NODE_TARGET,
  format: 'cjs',
  platform: 'node',
  mainFields: ['module', 'main'],
  external: [],
} satisfies BuildOptions;

/**
 * The same settings as `NodejsFunction` bundling options. Local esbuild only: Docker is never needed to
 * synthesize or deploy.
 */
export const bundlingOptions: BundlingOptions = {
  minify: esbuildOptions.minify,
  sourceMap: esbuildOptions.sourcemap,
  sourcesContent: esbuildOptions.sourcesContent,
  target: esbuildOptions.target,
  format: OutputFormat.CJS,
  mainFields: [...esbuildOptions.mainFields],
  externalModules: [],
  forceDockerBundling: false,
};
