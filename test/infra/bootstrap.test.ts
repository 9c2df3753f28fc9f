import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir';

/** The CDK app as the CLI runs it (cdk.json's "app"), with the context the CLI hands it, and no settings. */
function runApp(context: Record<string, unknown>) {
  const outdir = tempDir('launchpad-app-');
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'infra/aws/app.ts'], {
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'eu-west-1' },
    encoding: 'utf8',
  });
  return { ...run, outdir };
}

describe('bootstrapping a fresh account', () => {
  it('`npm run bootstrap` synthesizes an empty app without any deployment settings', () => {
    const run = runApp({ bootstrapOnly: 'true' });
    expect(run.stderr).not.toMatch(/incomplete/);
    expect(run.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(run.outdir, 'manifest.json'), 'utf8')) as { artifacts?: Record<string, { type: string }> };
    expect(Object.values(manifest.artifacts ?? {}).filter((a) => a.type === 'aws:cloudformation:stack')).toEqual([]);
  }, 60_000);

  it('a deploy without settings still stops at once, naming each missing one', () => {
    const run = runApp({});
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/deployment settings are incomplete[\s\S]*domain: missing \(pass -c domain=\.\.\.\)/);
  }, 60_000);
});
