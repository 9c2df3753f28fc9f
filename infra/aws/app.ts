import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { deployConfig } from './config';
import { APP_CONTEXT, launchpadStacks } from './launchpad';

const app = new App({ context: APP_CONTEXT });
// `cdk bootstrap` synthesizes the app even for an explicit aws://account/region (the CLI does so
// whenever cdk.json names an app); `npm run bootstrap` passes bootstrapOnly so it needs no settings.
const bootstrapOnly = ['true', true].includes(app.node.tryGetContext('bootstrapOnly'));
// `-c example=true` (npm run synth) fills unset values from example-context.json, to check the
// templates without an account; a deploy takes real values (README "Deploy to AWS").
const example: Record<string, unknown> = app.node.tryGetContext('example') === 'true' || app.node.tryGetContext('example') === true
  ? (JSON.parse(readFileSync('infra/aws/example-context.json', 'utf8')) as Record<string, unknown>)
  : {};
if (!bootstrapOnly) {
  const config = deployConfig((key) => app.node.tryGetContext(key) ?? example[key]);
  launchpadStacks(app, {
    config,
    webDist: app.node.tryGetContext('webDist') ?? 'dist/web',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
}
app.synth();
