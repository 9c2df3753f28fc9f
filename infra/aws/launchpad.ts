import { ReferenceStrength, type Environment, type Stack } from 'aws-cdk-lib';
import { DEFAULT_CROSS_STACK_REFERENCES } from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import type { DeployConfig } from './config';
import { acknowledgeFindings } from './nag-acknowledgements';
import { ApiStack } from './stacks/api-stack';
import { DataStack } from './stacks/data-stack';
import { OperationsStack } from './stacks/operations-stack';
import { RouterStack } from './stacks/router-stack';
import { SiteStack } from './stacks/site-stack';
import { TenancyStack } from './stacks/tenancy-stack';
import { WorkflowsStack } from './stacks/workflows-stack';

/** The stacks' names (and construct ids): stable, as CloudFormation knows them by these. */
export const STACK_NAMES = {
  data: 'Launchpad-Data',
  tenancy: 'Launchpad-Tenancy',
  site: 'Launchpad-Site',
  router: 'Launchpad-Router',
  workflows: 'Launchpad-Workflows',
  api: 'Launchpad-Api',
  operations: 'Launchpad-Operations',
} as const;

/**
 * App context Launchpad starts from (cdk.json or `-c` may override it): cross-stack references are
 * CloudFormation exports and imports ("strong"), so a deploy can never remove or replace a value,
 * like the table's name, while another stack still imports it.
 */
export const APP_CONTEXT: Record<string, unknown> = { [DEFAULT_CROSS_STACK_REFERENCES]: ReferenceStrength.STRONG };

export interface LaunchpadProps {
  config: DeployConfig;
  /** The built web app (npm run build). */
  webDist: string;
  env?: Environment;
}

export interface LaunchpadStacks {
  data: DataStack;
  tenancy: TenancyStack;
  site: SiteStack;
  router: RouterStack;
  workflows: WorkflowsStack;
  api: ApiStack;
  operations: OperationsStack;
}

/**
 * Launchpad on AWS: everything `npm start` runs locally, as managed services, in one stack per
 * concern (CloudFormation allows 500 resources a stack). Each stack gets what it uses from earlier
 * ones through its props, so CDK exports and imports it; deploy order (`cdk deploy --all`):
 *
 *   Data -> Tenancy -> Site -> Router -> Workflows -> Api -> Operations
 *
 * (Site needs only Data; Workflows needs Site only for the CloudFront name without a site
 * certificate, see SiteStack.)
 */
export function launchpadStacks(scope: Construct, props: LaunchpadProps): LaunchpadStacks {
  const { config } = props;
  const common = (name: string, what: string) => ({ env: props.env, stackName: name, description: `spaceOS Launchpad (self-service signup and provisioning of spaceOS trial instances): ${what}` });

  const data = new DataStack(scope, STACK_NAMES.data, { ...common(STACK_NAMES.data, 'tenant table, tenant assets and access logs'), config });
  const tenancy = new TenancyStack(scope, STACK_NAMES.tenancy, { ...common(STACK_NAMES.tenancy, 'network, cluster, load balancer, database, secrets and mail of tenant instances'), config, data: data.data });
  const site = new SiteStack(scope, STACK_NAMES.site, { ...common(STACK_NAMES.site, 'signup site and HTTP API endpoint'), config, webDist: props.webDist, data: data.data });
  const shared = { config, data: data.data, tenancy: tenancy.tenancy, siteUrl: site.siteUrl };
  const router = new RouterStack(scope, STACK_NAMES.router, { ...common(STACK_NAMES.router, 'tenant router (every instance host)'), ...shared });
  const workflows = new WorkflowsStack(scope, STACK_NAMES.workflows, { ...common(STACK_NAMES.workflows, 'provisioning, rollout and offboarding workflows'), ...shared });
  const api = new ApiStack(scope, STACK_NAMES.api, { ...common(STACK_NAMES.api, 'API routes'), ...shared, httpApi: site.gateway.httpApi, apiDomain: site.gateway.domainName, originSecret: site.site.originSecret, provision: workflows.provision });
  const operations = new OperationsStack(scope, STACK_NAMES.operations, {
    ...common(STACK_NAMES.operations, 'scheduled jobs, alarms and dashboard'),
    ...shared,
    provision: workflows.provision,
    rolloutFleet: workflows.rolloutFleet,
    offboard: workflows.offboard,
    api: api.api,
  });

  const stacks: LaunchpadStacks = { data, tenancy, site, router, workflows, api, operations };
  const functions = [...workflows.workflows.stepFunctions.values(), ...api.api.routeFunctions.values(), ...operations.jobs, operations.mailEvents.fn];
  const all: Stack[] = Object.values(stacks);
  for (const stack of all) {
    acknowledgeFindings(stack, {
      table: data.data.table,
      tenantBucket: data.data.tenantBucket,
      siteBucket: site.site.bucket,
      logGroups: [...functions.map((fn) => fn.logGroup), tenancy.tenancy.taskLogGroup, router.router.logGroup],
      functions,
      cluster: tenancy.tenancy.cluster,
    });
  }
  return stacks;
}
