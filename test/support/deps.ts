import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Deps } from '../../functions/deps';
import { MANY_SIGNUPS } from './signup-limits';
import { wireDeps } from '../../infra/wire-deps';
import { DEFAULT_SLEEP, POOL_KEY_SECRET_NAME, type Platform } from '../../functions/platform';
import { CloudMapDiscovery } from '../../functions/providers/discovery';
import { EcsPool } from '../../functions/providers/instance-pool';
import { STSClient } from '@aws-sdk/client-sts';
import type { Dns } from '../../functions/providers/dns';
import { EcsCompute } from '../../functions/providers/ecs-compute';
import { InstanceSessions, TenantInstanceAccess } from '../../functions/providers/tenant-task-roles';
import { SesMail } from '../../functions/providers/mail';
import { SecretsManagerSecrets, type Secrets } from '../../functions/providers/secrets';
import { StripeBilling } from '../../functions/providers/billing';
import Stripe from 'stripe';
import { SfnWorkflows } from '../../functions/providers/sfn-workflows';
import { Storage } from '../../functions/providers/storage';
import { startResumed, type StateMachineName, type Workflows } from '../../functions/providers/workflows';

export const TABLE_NAME = 'launchpad-test';
export const TEST_WEBHOOK_SECRET = 'whsec_test_secret';

/** Secrets kept in memory: a test double of the secrets port (not of an AWS service). */
export class MemorySecrets implements Secrets {
  private readonly values = new Map<string, string>();
  async get(name: string) {
    return this.values.get(name);
  }
  async put(name: string, value: string) {
    this.values.set(name, value);
  }
  async delete(name: string) {
    this.values.delete(name);
  }
}
export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:provision-tenant';
const region = 'us-east-1';

export const testPlatform: Platform = {
  instanceUrlTemplate: 'https://{host}.spaceos.io',
  mailDomain: 'clients.spaceos.io',
  launchpadSender: 'launchpad@spaceos.io',
  opsEmail: 'cs@spaceos.io',
  siteUrl: 'https://spaceos.io',
  bucket: 'tenants-bucket',
  database: { host: 'db.internal', port: 5432, adminSecretName: 'admin' },
  resumeHow: 'resume {tenantId}',
  appVersion: '1.2.3',
  oauthClients: { google: 'google-client-id.apps.googleusercontent.com' },
  sleep: DEFAULT_SLEEP,
  pool: { size: 0, drainMs: 20_000, keySecretName: POOL_KEY_SECRET_NAME, deferRefillWhileProvisioning: false },
  // Tests sign up many tenants from one address; the limits themselves are tested with their own numbers.
  signupLimits: MANY_SIGNUPS,
};

export const ECS_CONFIG = {
  cluster: 'spaceos',
  image: 'registry/spaceos:1.2.3',
  cpuArchitecture: 'ARM64' as const,
  namespaceId: 'ns-tenants',
  subnets: ['subnet-a', 'subnet-b'],
  securityGroups: ['sg-1'],
  executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
  bucket: 'tenants-bucket',
  logGroup: '/spaceos/tenants',
  region,
  secretArnPrefix: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:',
  instanceCredentialsUrl: 'https://api.spaceos.io/api/instance-credentials',
};

/** The shared role every instance runs as (infra/aws/constructs/tenancy.ts), per tenant by session tags. */
export const INSTANCE_ROLE_ARN = 'arn:aws:iam::123456789012:role/launchpad/tenants/launchpad-tenant-instance';

export const POOL_CONFIG = {
  cluster: 'spaceos',
  taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/spaceos-pool:3',
  subnets: ['subnet-a', 'subnet-b'],
  securityGroups: ['sg-1'],
  containerPort: 8080,
};

/** A zone with no records of its own (every subdomain free as far as DNS goes); tests of the zone check use LocalDns or CloudflareDns. */
const emptyZone: Dns = { hasOwnRecord: async () => false, ensureWildcard: () => Promise.reject(new Error('DNS setup not expected in this test')) };

/** The production wiring on real SDK clients, for request-level tests with aws-sdk-client-mock. */
export function sdkDeps(overrides: Partial<Deps> = {}): Deps {
  let n = 0;
  const secrets = new SecretsManagerSecrets(new SecretsManagerClient({ region }));
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region }));
  return {
    ...wireDeps({
      documents,
      tableName: TABLE_NAME,
      databaseAdmin: () => Promise.reject(new Error('no database in this test')),
      keySecrets: new MemorySecrets(),
      workflows: new SfnWorkflows(new SFNClient({ region }), STATE_MACHINE_ARN),
      platform: testPlatform,
      secrets,
      storage: new Storage(new S3Client({ region }), testPlatform.bucket),
      mail: new SesMail(new SESClient({ region })),
      dns: emptyZone,
      compute: new EcsCompute(new ECSClient({ region }), new ServiceDiscoveryClient({ region }), new TenantInstanceAccess(new SecretsManagerClient({ region }), new IAMClient({ region })), ECS_CONFIG),
      discovery: new CloudMapDiscovery(new ServiceDiscoveryClient({ region }), { namespaceName: 'instances.launchpad.internal', containerPort: 8080 }),
      pool: new EcsPool(new ECSClient({ region }), new InstanceSessions(new STSClient({ region }), INSTANCE_ROLE_ARN), POOL_CONFIG),
      billing: new StripeBilling(new Stripe('sk_test_unused'), { priceId: 'price_test', webhookSecret: TEST_WEBHOOK_SECRET }),
    }),
    now: () => new Date('2026-11-26T10:00:00.000Z'),
    newId: () => `tenant-${++n}`,
    probe: () => Promise.reject(new Error('no instance in this test')),
    ...overrides,
  };
}

/** Workflows that record what was started, for tests that are not about the engine. */
export class RecordingWorkflows implements Workflows {
  started: string[] = [];
  failuresLeft = 0;
  async startProvisioning({ tenantId }: { tenantId: string }) {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('Step Functions unavailable');
    }
    if (this.started.includes(tenantId)) return 'already-started' as const;
    this.started.push(tenantId);
    return 'started' as const;
  }
  async startFleetRollout(_request: unknown, name: string) {
    this.started.push(name);
    return 'started' as const;
  }
  async startOffboarding(tenantId: string, name = `offboard-${tenantId}`) {
    if (this.started.includes(name)) return 'already-started' as const;
    this.started.push(name);
    return 'started' as const;
  }
  resumeProvisioning(tenantId: string, name: string) {
    return startResumed(tenantId, name, async (resumed) => {
      if (this.started.includes(resumed)) return 'already-started' as const;
      this.started.push(resumed);
      return 'started' as const;
    });
  }
  /** Nothing runs here: what was started stays RUNNING. */
  async executionState(_stateMachine: StateMachineName, name: string) {
    return this.started.includes(name) ? { status: 'RUNNING' } : undefined;
  }
}
