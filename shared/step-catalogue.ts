/**
 * The step catalogue: every Task state of every state machine, with its facts in one place.
 * Read by the local runner and the CDK app (which file, which adapters, which IAM grants, which
 * network), the ASL generator (`npm run asl`: Resource, Retry, Catch, TimeoutSeconds of each Task),
 * the status page (label, weight), the AWS model in bench/ and the tests. Pure data: the page
 * imports it too.
 *
 * Adding a step: one file in functions/steps/ (exporting `create<Name>` and `handler`), one entry
 * here, and the state's place in the flow of its statemachines/*.asl.json; then `npm run asl`.
 */

/** The adapters a handler can be given (the keys of `Deps` in functions/deps.ts; a type check there holds the two together). */
export type AdapterName =
  | 'tenants'
  | 'signups'
  | 'stripeEvents'
  | 'customers'
  | 'settingsStore'
  | 'signIns'
  | 'rateLimits'
  | 'mailStore'
  | 'fleet'
  | 'instances'
  | 'poolInstances'
  | 'pool'
  | 'discovery'
  | 'workflows'
  | 'platform'
  | 'secrets'
  | 'databases'
  | 'storage'
  | 'mail'
  | 'dns'
  | 'compute'
  | 'probe'
  | 'billing'
  | 'links'
  | 'sessions'
  | 'smtp';

/**
 * What a step's function may do on AWS beyond reading and writing the table (which every step
 * does). The CDK app turns each name into policy statements (infra/aws/step-grants.ts).
 */
export type GrantName =
  /** the Postgres admin secret, the RDS CA, and the private subnets where the database is */
  | 'database:admin'
  | 'tenantSecrets:write'
  | 'tenantSecrets:delete'
  | 'smtpSecret:read'
  | 'seed:read'
  | 'tenantFiles:write'
  /** move tenants/<id>/ to archive/<id>/ */
  | 'tenantFiles:archive'
  | 'archive:write'
  | 'ses:checkIdentity'
  | 'mail:send'
  | 'adminLinkKey:read'
  | 'ecs:createService'
  | 'ecs:deployVersion'
  | 'ecs:removeServices'
  /** the pool key, the tenant's own task role assumed for its credentials, the pool tasks' port (in the VPC) */
  | 'pool:assign'
  /** start the tenant's own service, find its tasks (Cloud Map), stop the pool task (in the VPC, to probe them) */
  | 'pool:handOver';

export type WorkflowName = 'provision-tenant' | 'roll-out-fleet' | 'offboard-tenant';

/** How a Task's failures are retried: the errors Step Functions retries and how often. */
export interface RetryPolicy {
  errors: readonly string[];
  maxAttempts: number;
  intervalSeconds: number;
  maxDelaySeconds?: number;
}

/** Where a caught failure goes and under which path of the state it lands. */
export interface CatchRule {
  next: string;
  resultPath: string;
}

/** Modelled latency on AWS, with where the figures come from (bench/aws-model.ts). */
export interface AwsLatency {
  p50: number;
  p95: number;
  basis: string;
}

export interface StepFacts {
  workflow: WorkflowName;
  /** Shown to the signing-up client (provisioning steps only). */
  label?: string;
  needs: readonly AdapterName[];
  grants: readonly GrantName[];
  /** Overrides the workflow's default. */
  timeoutSeconds?: number;
  /** Overrides the workflow's default catch; null: this Task catches nothing (a failure path, or a branch whose Parallel catches). */
  catch?: CatchRule | null;
  aws?: AwsLatency;
}

const LAMBDA_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'] as const;

/** Defaults per state machine: the error class retried (TransientError, see functions/steps/errors.ts), timeouts, the catch. */
export const WORKFLOWS: Readonly<Record<WorkflowName, { retry: RetryPolicy; timeoutSeconds?: number; catch?: CatchRule }>> = {
  'provision-tenant': {
    // A Task timing out (a stuck Lambda) is worth another try too.
    retry: { errors: [...LAMBDA_ERRORS, 'States.Timeout', 'TransientError'], maxAttempts: 5, intervalSeconds: 2, maxDelaySeconds: 30 },
    timeoutSeconds: 120,
    catch: { next: 'MarkFailed', resultPath: '$.failure' },
  },
  // Per tenant a failed rollout is rolled back rather than retried for long.
  'roll-out-fleet': { retry: { errors: ['TransientError', ...LAMBDA_ERRORS], maxAttempts: 3, intervalSeconds: 2 } },
  'offboard-tenant': {
    retry: { errors: ['TransientError', ...LAMBDA_ERRORS], maxAttempts: 5, intervalSeconds: 2 },
    timeoutSeconds: 300,
    catch: { next: 'NotifyOffboardingFailed', resultPath: '$.failure' },
  },
};

const NO_CATCH = null;
const rollBack: CatchRule = { next: 'RollBackVersion', resultPath: '$.error' };
const rollBackFailed: CatchRule = { next: 'RollBackFailed', resultPath: '$.rollbackError' };
const sendAsTenant = ['mail:send', 'smtpSecret:read', 'tenantFiles:write'] as const;

/**
 * Every Task, in the order of its workflow (provision-tenant's order is the status page's).
 * AWS latencies: p50/p95 in seconds from AWS documentation and published measurements; the p95
 * of a Lambda step includes a cold start.
 */
export const STEP_CATALOGUE = {
  // provision-tenant
  MarkProvisioning: {
    workflow: 'provision-tenant',
    label: 'Reserving your workspace',
    needs: ['tenants'],
    grants: [],
    aws: { p50: 0.15, p95: 1.2, basis: 'warm Lambda invoke + 3 DynamoDB writes; p95 includes a cold start (~1 s)' },
  },
  CreateDatabases: {
    workflow: 'provision-tenant',
    label: 'Creating your databases',
    needs: ['tenants', 'databases'],
    grants: ['database:admin', 'tenantSecrets:write'],
    catch: NO_CATCH,
    aws: { p50: 2.5, p95: 6, basis: 'Secrets Manager put + CREATE ROLE/DATABASE x2 on RDS + seed; cold start with pg' },
  },
  PrepareStorage: {
    workflow: 'provision-tenant',
    label: 'Preparing file storage',
    needs: ['tenants', 'storage'],
    grants: ['seed:read', 'tenantFiles:write'],
    catch: NO_CATCH,
    aws: { p50: 0.4, p95: 1.5, basis: 'S3 List + CopyObject of a few seed assets' },
  },
  ConfigureMail: {
    workflow: 'provision-tenant',
    label: 'Setting up email',
    needs: ['tenants', 'mail', 'platform'],
    grants: ['ses:checkIdentity'],
    catch: NO_CATCH,
    aws: { p50: 0.2, p95: 1.2, basis: 'SES GetIdentityVerificationAttributes' },
  },
  RenderConfig: {
    workflow: 'provision-tenant',
    label: 'Applying your brand and settings',
    needs: ['tenants', 'storage', 'platform'],
    grants: ['tenantFiles:write'],
    catch: NO_CATCH,
    aws: { p50: 0.4, p95: 1.5, basis: '5 S3 PutObject' },
  },
  ClaimPoolInstance: {
    workflow: 'provision-tenant',
    label: 'Reserving a ready instance',
    needs: ['tenants', 'poolInstances', 'pool', 'platform'],
    grants: [],
    catch: NO_CATCH,
    aws: { p50: 0.3, p95: 1.5, basis: 'one DynamoDB Query of the ready index + one TransactWriteItems (claim and tenant record)' },
  },
  DeployServices: {
    workflow: 'provision-tenant',
    label: 'Starting your instance and its staging copy',
    needs: ['tenants', 'fleet', 'compute', 'instances', 'poolInstances', 'pool', 'secrets', 'databases', 'platform'],
    // database:admin: a warm path that falls back to the cold one creates staging's database first.
    grants: ['ecs:createService', 'pool:assign', 'database:admin', 'tenantSecrets:write'],
    aws: { p50: 2, p95: 5, basis: 'ECS DescribeServices, RegisterTaskDefinition, CreateService, UpdateService; the instance token secret; Cloud Map CreateService' },
  },
  WaitUntilHealthy: {
    workflow: 'provision-tenant',
    label: 'Waiting for your instance to answer',
    needs: ['tenants', 'probe', 'platform'],
    grants: [],
    timeoutSeconds: 30,
    aws: { p50: 60, p95: 75, basis: 'Fargate task start (image pull, ENI) ~45-60 s + Cloud Map registration + the router\'s health probe; polled every 5 s' },
  },
  SmokeTest: {
    workflow: 'provision-tenant',
    label: 'Checking everything works',
    needs: ['tenants', 'probe', 'platform'],
    grants: [],
    aws: { p50: 0.5, p95: 2, basis: '3 HTTPS requests through Cloudflare, the ALB and the tenant router' },
  },
  MarkActive: {
    workflow: 'provision-tenant',
    label: 'Starting your trial',
    needs: ['tenants', 'platform'],
    grants: [],
    aws: { p50: 0.15, p95: 1, basis: 'one conditional DynamoDB update' },
  },
  SendWelcomeEmail: {
    workflow: 'provision-tenant',
    label: 'Sending your welcome email',
    needs: ['tenants', 'signIns', 'mail', 'secrets', 'smtp', 'storage', 'settingsStore', 'platform', 'links', 'mailStore'],
    grants: [...sendAsTenant, 'adminLinkKey:read'],
    // After ACTIVE: a mail that cannot be sent is retried on its own (the step records it); whatever else escapes ends here, not in MarkFailed.
    catch: { next: 'WelcomeMailPending', resultPath: '$.welcomeMailError' },
    aws: { p50: 0.3, p95: 1.2, basis: 'SES SendEmail' },
  },
  HandOverFromPool: {
    workflow: 'provision-tenant',
    needs: ['tenants', 'instances', 'poolInstances', 'pool', 'compute', 'discovery', 'databases', 'platform'],
    // Creates staging's database and the tenant's own services (asleep) on its first poll: off the signup's critical path.
    grants: ['database:admin', 'tenantSecrets:write', 'ecs:createService', 'pool:handOver'],
    // After ACTIVE: a failure here is not the client's; the pool keeper finishes an unfinished hand-over.
    catch: { next: 'HandOverUnfinished', resultPath: '$.handOverError' },
    // The cold path, as the model's other figures (DeployServices, WaitUntilHealthy) are: nothing to hand over.
    aws: {
      p50: 0.15,
      p95: 1,
      basis: "a cold-path signup: the tenant read and the step recorded, nothing to hand over (after a pool hit it waits for the tenant's own Fargate task, ~60-75 s as WaitUntilHealthy, plus the drain; after ACTIVE, off the time to live)",
    },
  },
  MarkFailed: { workflow: 'provision-tenant', needs: ['tenants'], grants: [], catch: NO_CATCH },
  NotifyOps: { workflow: 'provision-tenant', needs: ['tenants', 'mail', 'platform'], grants: ['mail:send'], catch: NO_CATCH },

  // roll-out-fleet
  PlanRollout: { workflow: 'roll-out-fleet', needs: ['tenants', 'fleet'], grants: [] },
  DeployVersion: { workflow: 'roll-out-fleet', needs: ['compute', 'platform'], grants: ['ecs:deployVersion'], catch: rollBack },
  CheckVersion: { workflow: 'roll-out-fleet', needs: ['probe', 'platform'], grants: [], catch: rollBack },
  SmokeTestVersion: { workflow: 'roll-out-fleet', needs: ['tenants', 'probe', 'platform'], grants: [], catch: rollBack },
  RollBackVersion: { workflow: 'roll-out-fleet', needs: ['tenants', 'compute', 'platform'], grants: ['ecs:deployVersion'], catch: rollBackFailed },
  CheckRollBack: { workflow: 'roll-out-fleet', needs: ['probe', 'platform'], grants: [], catch: rollBackFailed },
  AssessWave: { workflow: 'roll-out-fleet', needs: ['fleet'], grants: [] },
  SummarizeRollout: { workflow: 'roll-out-fleet', needs: ['tenants', 'fleet', 'mail', 'platform'], grants: ['mail:send'] },

  // offboard-tenant
  MarkOffboarding: { workflow: 'offboard-tenant', needs: ['tenants'], grants: [] },
  RemoveServices: { workflow: 'offboard-tenant', needs: ['tenants', 'compute', 'instances', 'platform'], grants: ['ecs:removeServices'] },
  ArchiveDatabases: { workflow: 'offboard-tenant', needs: ['tenants', 'databases', 'storage'], grants: ['database:admin', 'archive:write'] },
  DropDatabases: { workflow: 'offboard-tenant', needs: ['tenants', 'databases'], grants: ['database:admin'] },
  ArchiveStorage: { workflow: 'offboard-tenant', needs: ['tenants', 'storage'], grants: ['tenantFiles:archive'] },
  RemoveSecrets: { workflow: 'offboard-tenant', needs: ['tenants', 'secrets'], grants: ['tenantSecrets:delete'] },
  MarkDeleted: { workflow: 'offboard-tenant', needs: ['tenants'], grants: [] },
  NotifyOffboardingFailed: { workflow: 'offboard-tenant', needs: ['tenants', 'mail', 'platform'], grants: ['mail:send'], catch: NO_CATCH },
} as const satisfies Record<string, StepFacts>;

export type StepName = keyof typeof STEP_CATALOGUE;
export type NeedsOf<N extends StepName> = (typeof STEP_CATALOGUE)[N]['needs'][number];
/** Steps whose catalogue entry lists `adapter` (e.g. the ones that may record progress need 'tenants'). */
export type StepsNeeding<A extends AdapterName> = { [N in StepName]: A extends NeedsOf<N> ? N : never }[StepName];

export const STEP_NAMES = Object.keys(STEP_CATALOGUE) as StepName[];

export const stepFacts = (name: string): StepFacts | undefined => (STEP_CATALOGUE as Record<string, StepFacts>)[name];

/** The handler file of a Task, under functions/steps/: MarkProvisioning -> mark-provisioning. */
export const stepFile = (name: string) => name.replace(/[A-Z]/g, (c, i: number) => `${i ? '-' : ''}${c.toLowerCase()}`);

/** The steps of one workflow, in catalogue order. */
export const stepsOf = (workflow: WorkflowName): StepName[] => STEP_NAMES.filter((name) => STEP_CATALOGUE[name].workflow === workflow);
