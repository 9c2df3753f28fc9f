import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { API_ROUTES } from '../functions/api/routes';
import { SCHEDULED_JOBS } from '../functions/scheduled/jobs';
import { buildVendorLayer, LAMBDA_ESBUILD, VENDOR_LAYER_MODULES } from '../infra/aws/lambda-bundling';
import { STEP_NAMES, stepFile } from '../shared/step-catalogue';
import { percentile } from './stats';

const RUNS = 5;
const MAX_BUNDLE_KB = 250;
const MAX_API_LOAD_MS = 60;

function wallTime(code: string, cwd: string): number {
  const t0 = performance.now();
  const run = spawnSync(process.execPath, ['-e', code], { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, AWS_REGION: 'eu-west-1' } });
  if (run.status !== 0) throw new Error(`node -e failed: ${run.stderr.toString()}`);
  return performance.now() - t0;
}

/**
 * How much longer `node -e <code>` takes than bare `node`, median of RUNS pairs: each load is
 * paired with a bare start right before it, so a busy machine inflates both alike.
 */
function loadTime(code: string, cwd: string): { loadMs: number; baselineMs: number } {
  const pairs = Array.from({ length: RUNS }, () => {
    const bare = wallTime('0', cwd);
    return { bare, load: wallTime(code, cwd) - bare };
  });
  return { loadMs: percentile(pairs.map((p) => p.load), 50), baselineMs: percentile(pairs.map((p) => p.bare), 50) };
}

async function bundle(entryPoint: string, outfile: string): Promise<number> {
  await build({ ...LAMBDA_ESBUILD, external: [...LAMBDA_ESBUILD.external], entryPoints: [entryPoint], outfile, logLevel: 'error' });
  return statSync(outfile).size / 1024;
}

/**
 * Every Lambda bundle as the CDK app builds it (esbuild, CJS, minified, the AWS SDK and the vendor
 * layer's modules external, as the runtime and the layer provide them), its size, and for the API
 * functions how long loading one takes in a fresh Node process above bare `node`: the part of a
 * cold start our code decides. Loading includes the SDK clients and layer modules a bundle requires.
 */
export async function lambdaBundlesBench(): Promise<{ maxKb: number; maxApiLoadMs: number }> {
  // Inside the repo so externals resolve from node_modules, as they do from the runtime and the layer.
  const dir = join('node_modules', '.cache', 'launchpad-bench-bundles');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    const entries = [...new Set([...API_ROUTES.map((r) => `api/${r.entry}`), ...STEP_NAMES.map((s) => `steps/${stepFile(s)}`), ...SCHEDULED_JOBS.map((j) => j.entry)])];
    const rows: Array<{ entry: string; kb: number; loadMs?: number; baselineMs?: number }> = [];
    for (const entry of entries) {
      const file = `${entry.replace('/', '-')}.cjs`;
      const kb = await bundle(`functions/${entry}.ts`, join(dir, file));
      rows.push({ entry, kb, ...(entry.startsWith('api/') ? loadTime(`require('./${file}')`, dir) : {}) });
    }
    console.log(`\nLambda bundles (${rows.length} functions; esbuild as in infra/aws/lambda-bundling.ts; load = require() in a fresh node, median of ${RUNS} pairs, each minus a bare node start just before it)`);
    for (const { entry, kb, loadMs } of [...rows].sort((a, b) => b.kb - a.kb)) {
      console.log(`  ${entry.padEnd(36)} ${kb.toFixed(0).padStart(5)} KB${kb > MAX_BUNDLE_KB ? ' (over)' : '       '}${loadMs === undefined ? '' : `   load ${loadMs.toFixed(0).padStart(4)} ms${loadMs > MAX_API_LOAD_MS ? ' (over)' : ''}`}`);
    }
    const maxKb = Math.max(...rows.map((r) => r.kb));
    const loads = rows.flatMap((r) => (r.loadMs === undefined ? [] : [r.loadMs]));
    const maxApiLoadMs = Math.max(...loads);
    const baselines = rows.flatMap((r) => (r.baselineMs === undefined ? [] : [r.baselineMs]));
    const vendorKb = vendorLayerKb(dir);
    // What every function reading the table loads before any of our code: the SDK's own floor.
    const sdkFloor = loadTime("require('@aws-sdk/client-dynamodb');require('@aws-sdk/lib-dynamodb')", dir).loadMs;
    const signup = rows.find((r) => r.entry === 'api/signup')?.loadMs ?? NaN;
    console.log(`  largest bundle ${maxKb.toFixed(0)} KB (target <= ${MAX_BUNDLE_KB} KB); API load p50 ${percentile(loads, 50).toFixed(0)} ms, max ${maxApiLoadMs.toFixed(0)} ms above node (target <= ${MAX_API_LOAD_MS} ms; bare node itself ${percentile(baselines, 50).toFixed(0)} ms)`);
    console.log(`  of which the AWS SDK's DynamoDB client alone (require of client-dynamodb + lib-dynamodb): ${sdkFloor.toFixed(0)} ms; api/signup above that: ${(signup - sdkFloor).toFixed(0)} ms`);
    console.log(`  vendor layer (${VENDOR_LAYER_MODULES.join(', ')}, minified, uploaded once): ${vendorKb.toFixed(0)} KB`);
    return { maxKb, maxApiLoadMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The layer as the CDK app builds it (buildVendorLayer): the size of its modules. */
function vendorLayerKb(dir: string): number {
  const layer = join(dir, 'vendor-layer');
  buildVendorLayer(layer);
  return VENDOR_LAYER_MODULES.reduce((kb, module) => kb + statSync(join(layer, 'nodejs', 'node_modules', module, 'index.js')).size / 1024, 0);
}
