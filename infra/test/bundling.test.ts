/**
 * The bundle the deploy ships and the bundle the benchmark measures come from one set of options; this pins them
 * and proves the options produce a CommonJS bundle Lambda's nodejs24.x runtime can load.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { bundlingOptions, esbuildOptions, handlerEntries } from '../lib/bundling.js';

const outdir = mkdtempSync(join(tmpdir(), 'okta-phone-mfa-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('bundling options', () => {
  it('minify with source maps for node24 as CommonJS, bundle the AWS SDK, and never use Docker', () => {
    expect(bundlingOptions).toMatchObject({
      minify: true,
      sourceMap: true,
      target: 'node24',
      format: OutputFormat.CJS,
      externalModules: [],
      forceDockerBundling: false,
    });
  });

  it('say the same thing as plain esbuild options, for the benchmark', () => {
    expect(esbuildOptions).toMatchObject({
      bundle: true,
      minify: bundlingOptions.minify,
      sourcemap: bundlingOptions.sourceMap,
      sourcesContent: bundlingOptions.sourcesContent,
      target: bundlingOptions.target,
      format: 'cjs',
      platform: 'node',
      external: [],
    });
    expect([...esbuildOptions.mainFields]).toEqual(bundlingOptions.mainFields);
  });

  it('name handler entries that exist', () => {
    for (const entry of Object.values(handlerEntries)) expect(existsSync(entry), entry).toBe(true);
  });

  it('build both Okta-facing handlers into bundles that load and export a handler', async () => {
    // Prepare: the handlers read their config at load, as on a cold start.
    Object.assign(process.env, {
      OKTA_ISSUER: 'https://example.okta.com/oauth2/default',
      OKTA_AUDIENCE: 'api://okta-phone-mfa',
      TEMPLATES_TABLE_NAME: 'templates',
      IDEMPOTENCY_TABLE_NAME: 'idempotency',
      ABUSE_TABLE_NAME: 'abuse',
      DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq',
      FINGERPRINT_KEY_SECRET: 'okta-phone-mfa/fingerprint-key',
      AWS_REGION: 'us-east-1',
      // The inits start their reads (JWKS, tables, key) as they load: nowhere but a closed local port.
      OKTA_JWKS_URI: 'http://127.0.0.1:9/keys',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
      SECRETS_MANAGER_ENDPOINT: 'http://127.0.0.1:9',
      SMS_VOICE_ENDPOINT: 'http://127.0.0.1:9',
      SQS_ENDPOINT: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'bundling-test',
      AWS_SECRET_ACCESS_KEY: 'bundling-test',
    });
    const require = createRequire(import.meta.url);

    for (const name of ['authorizeHook', 'deliverOtp'] as const) {
      // Act
      const result = await build({
        ...esbuildOptions,
        entryPoints: [handlerEntries[name]],
        outfile: join(outdir, `${name}.cjs`),
        logLevel: 'silent',
        metafile: true,
      });

      // Assess
      const bundled = Object.keys(result.metafile.inputs);
      expect(
        bundled.some(
          (input) => input.includes('node_modules/@aws-sdk/') || input.includes('node_modules/jose/'),
        ),
      ).toBe(true);
      const module = require(join(outdir, `${name}.cjs`));
      expect(typeof module.handler).toBe('function');
      expect(existsSync(join(outdir, `${name}.cjs.map`))).toBe(true);
      // The authorizer never parses a phone number: libphonenumber (121 KB of its 187 KB once) stays out of it.
      if (name === 'authorizeHook') {
        const [output] = Object.values(result.metafile.outputs).filter((o) => o.entryPoint);
        const shipped = Object.entries(output!.inputs).filter(([, input]) => input.bytesInOutput > 0);
        expect(shipped.map(([path]) => path).filter((path) => path.includes('/libphonenumber-js/'))).toEqual(
          [],
        );
        expect(output!.bytes).toBeLessThan(100_000);
      }
    }
  });
});
