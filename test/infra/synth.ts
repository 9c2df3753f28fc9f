import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import exampleContext from '../../infra/aws/example-context.json';
import { LaunchpadStack } from '../../infra/aws/launchpad-stack';
import { deployConfig } from '../../infra/aws/config';
import { tempDir } from '../support/temp-dir';

/** A built web app stand-in: the Site construct refuses to synth without index.html. */
export function fakeWebDist(): string {
  const dir = join(tempDir('launchpad-web-'), 'web');
  mkdirSync(dir);
  writeFileSync(join(dir, 'index.html'), '<!doctype html>');
  return dir;
}

/** The stack as `cdk synth` builds it, minus esbuild bundling (slow, and not what is tested here). */
export function synthStack(context: Record<string, unknown> = {}, prepare?: (app: App) => void) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  prepare?.(app);
  const config = deployConfig((key) => context[key] ?? (exampleContext as Record<string, unknown>)[key]);
  const stack = new LaunchpadStack(app, 'Launchpad', { config, webDist: fakeWebDist(), env: { account: '123456789012', region: 'eu-west-1' } });
  return { app, stack };
}
