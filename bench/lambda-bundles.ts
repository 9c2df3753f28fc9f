import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_EXTERNALS } from '../infra/aws/constructs/launchpad-function';
import { percentile } from './stats';

/** A few functions of each kind: public API routes (cold starts users feel), the webhook, a step, a job. */
const ENTRIES = ['api/signup', 'api/magic-link', 'api/tenant-status', 'api/stripe-webhook', 'steps/deploy-services', 'reconciler/render-pending'];
const RUNS = 5;

/** Wall time of `node -e <code>` in ms, median of RUNS. */
function nodeTime(code: string, cwd: string): number {
  const times = Array.from({ length: RUNS }, () => {
    const t0 = performance.now();
    const run = spawnSync(process.execPath, ['-e', code], { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, AWS_REGION: 'eu-west-1' } });
    if (run.status !== 0) throw new Error(`node -e failed: ${run.stderr.toString()}`);
    return performance.now() - t0;
  });
  return percentile(times, 50);
}

/**
 * Lambda bundles as the CDK app builds them (esbuild, CJS, minified, the AWS SDK external as the
 * runtime provides it), their size and how long loading one takes in a fresh Node process: the
 * part of a cold start our code decides. Loading includes the SDK clients a bundle requires.
 */
export async function lambdaBundlesBench(): Promise<void> {
  // Inside the repo so the external SDK resolves from node_modules, as it does from the runtime.
  const dir = join('node_modules', '.cache', 'launchpad-bench-bundles');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const baseline = nodeTime('0', dir);
  console.log(`\nLambda bundles (esbuild as in launchpad-function.ts; load = require() in a fresh node, median of ${RUNS}, minus ${baseline.toFixed(0)} ms for node itself)`);
  for (const entry of ENTRIES) {
    const outfile = join(dir, `${entry.replace('/', '-')}.cjs`);
    await build({
      entryPoints: [`functions/${entry}.ts`],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      minify: true,
      target: 'node20',
      external: LAMBDA_EXTERNALS,
      outfile,
      logLevel: 'error',
    });
    const load = nodeTime(`require('./${outfile.split('/').at(-1)}')`, dir) - baseline;
    console.log(`  ${entry.padEnd(28)} ${(statSync(outfile).size / 1024).toFixed(0).padStart(6)} KB   load ${load.toFixed(0).padStart(5)} ms`);
  }
  rmSync(dir, { recursive: true, force: true });
}
