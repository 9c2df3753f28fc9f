import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync, type BuildOptions } from 'esbuild';

/**
 * How every Lambda is bundled (infra/aws/constructs/launchpad-function.ts), in one place so the
 * bundle bench and the tests build exactly what the CDK app uploads.
 */

/**
 * Third-party modules that cannot be tree-shaken (Stripe attaches every API resource to its client;
 * nodemailer's mailer carries MIME tables; mailchecker is a list of ~56,000 disposable domains,
 * ~1 MB; tldts carries the Public Suffix List, ~140 KB; yaml, ~115 KB, comes with every function
 * that renders instance files or mails as a tenant) and that only some functions use: shipped
 * once, in the shared `vendor` layer, instead of inside each of those bundles.
 */
export const VENDOR_LAYER_MODULES = ['stripe', 'nodemailer', 'mailchecker', 'tldts', 'yaml'] as const;

/** The runtime ships the AWS SDK v3; pg's optional native binding is never used. */
export const LAMBDA_EXTERNALS = ['@aws-sdk/*', 'pg-native', ...VENDOR_LAYER_MODULES];

/**
 * The esbuild options of a function bundle. `import()` of a layer module must become `require()`:
 * Lambda finds layers through NODE_PATH (/opt/nodejs/node_modules), which ES module resolution ignores.
 */
export const LAMBDA_ESBUILD = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  minify: true,
  target: 'node24',
  external: LAMBDA_EXTERNALS,
  supported: { 'dynamic-import': false },
} as const satisfies BuildOptions;

/** The vendor layer's content: each module bundled and minified into `nodejs/node_modules/<name>/index.js`. */
export function buildVendorLayer(outputDir: string): void {
  for (const module of VENDOR_LAYER_MODULES) {
    const dir = join(outputDir, 'nodejs', 'node_modules', module);
    mkdirSync(dir, { recursive: true });
    buildSync({ stdin: { contents: `module.exports = require('${module}');`, resolveDir: process.cwd() }, bundle: true, platform: 'node', format: 'cjs', minify: true, target: 'node24', outfile: join(dir, 'index.js'), logLevel: 'error' });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: module, main: 'index.js' }));
  }
}
