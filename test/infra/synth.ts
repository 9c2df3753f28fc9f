import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import exampleContext from '../../infra/aws/example-context.json';
import { deployConfig } from '../../infra/aws/config';
import { APP_CONTEXT, launchpadStacks, type LaunchpadStacks } from '../../infra/aws/launchpad';
import { tempDir } from '../support/temp-dir';

/** A built web app stand-in: the Site construct refuses to synth without index.html. */
export function fakeWebDist(): string {
  const dir = join(tempDir('launchpad-web-'), 'web');
  mkdirSync(dir);
  writeFileSync(join(dir, 'index.html'), '<!doctype html>');
  return dir;
}

/** The stacks as `cdk synth` builds them, minus esbuild bundling (slow, and not what is tested here). */
export function synthStacks(context: Record<string, unknown> = {}, prepare?: (app: App) => void) {
  const app = new App({ context: { ...APP_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
  prepare?.(app);
  const config = deployConfig((key) => context[key] ?? (exampleContext as Record<string, unknown>)[key]);
  const stacks = launchpadStacks(app, { config, webDist: fakeWebDist(), env: { account: '123456789012', region: 'eu-west-1' } });
  return { app, stacks, all: Object.values(stacks) as Stack[] };
}

/** Each stack's template, by the same keys as LaunchpadStacks. */
export function templatesOf(stacks: LaunchpadStacks): Record<keyof LaunchpadStacks, Template> {
  return Object.fromEntries(Object.entries(stacks).map(([key, stack]) => [key, Template.fromStack(stack as Stack)])) as Record<keyof LaunchpadStacks, Template>;
}
