import { App } from 'aws-cdk-lib';
import { LaunchpadStack } from './launchpad-stack';

// The AWS side of Launchpad. The full deployment (functions, HTTP API, state machines, web
// hosting, alarms) is built up in infra/aws/ issue by issue; what is here deploys for real.
const app = new App();
new LaunchpadStack(app, 'Launchpad', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
