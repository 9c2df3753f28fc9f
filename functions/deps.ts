import { Logger } from '@aws-lambda-powertools/logger';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { SFNClient } from '@aws-sdk/client-sfn';
import Cloudflare from 'cloudflare';
import { platformFromEnv, type Platform } from './platform';
import type { Compute } from './providers/compute';
import { CloudflareDns, type Dns } from './providers/dns';
import { createDocumentClient } from './providers/dynamodb';
import { EcsCompute, type EcsComputeConfig } from './providers/ecs-compute';
import { TenantTaskRoles, type TenantTaskRolesConfig } from './providers/tenant-task-roles';
import { AdminLinks } from './providers/admin-links';
import { Sessions } from './auth/sessions';
import { SettingsStore } from './providers/settings-store';
import { FleetStore } from './providers/fleet-store';
import { SignInStore } from './providers/sign-in-store';
import { NodemailerSmtp, type Smtp } from './providers/smtp';
import { LazyStripeBilling, type Billing } from './providers/billing';
import { probe, type ProbeResponse } from './providers/instance-probe';
import { SesMail } from './providers/mail';
import { SecretsManagerSecrets, type Secrets } from './providers/secrets';
import { SfnWorkflows } from './providers/sfn-workflows';
import { Storage } from './providers/storage';
import { TenantDatabases, type Databases } from './providers/tenant-databases';
import { TenantStore } from './providers/tenant-store';
import type { Workflows } from './providers/workflows';

/** Everything a handler talks to, passed in so tests and the embedded default can wire their own. */
export interface Deps {
  store: TenantStore;
  workflows: Workflows;
  logger: Logger;
  now: () => Date;
  newId: () => string;
  platform: Platform;
  secrets: Secrets;
  databases: Databases;
  storage: Storage;
  mail: SesMail;
  dns: Dns;
  compute: Compute;
  probe: (url: string) => Promise<ProbeResponse>;
  billing: Billing;
  links: AdminLinks;
  settingsStore: SettingsStore;
  signIns: SignInStore;
  sessions: Sessions;
  smtp: Smtp;
  fleet: FleetStore;
}

export const logger = new Logger({ serviceName: 'launchpad' });

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

/** Secrets fetched once per container, on first use (most functions never need them). */
function memo<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= load().catch((error: unknown) => ((value = undefined), Promise.reject(error))));
}

/**
 * An object whose fields are built on first read: each Lambda builds (and needs configuration
 * for) only the adapters it uses, so the signup function never needs the ECS settings.
 */
function lazy<T extends object>(factories: { [K in keyof T]: () => T[K] }): T {
  const target = {} as T;
  for (const key of Object.keys(factories) as Array<keyof T>) {
    Object.defineProperty(target, key, {
      enumerable: true,
      configurable: true,
      get() {
        const value = factories[key]();
        Object.defineProperty(target, key, { value, enumerable: true });
        return value;
      },
    });
  }
  return target;
}

let lambdaDeps: Deps | undefined;

/** The production wiring, built once per Lambda container from its environment. */
export function awsDeps(): Deps {
  if (lambdaDeps) return lambdaDeps;
  const deps: Deps = lazy<Deps>({
    platform: () => platformFromEnv(),
    secrets: () => new SecretsManagerSecrets(new SecretsManagerClient({})),
    store: () => new TenantStore(createDocumentClient(), required('TABLE_NAME')),
    workflows: () => new SfnWorkflows(new SFNClient({}), required('PROVISION_STATE_MACHINE_ARN'), process.env.UPGRADE_STATE_MACHINE_ARN, process.env.OFFBOARD_STATE_MACHINE_ARN),
    logger: () => logger,
    now: () => () => new Date(),
    newId: () => () => crypto.randomUUID(),
    databases: () =>
      new TenantDatabases(
        memo(async () => {
          const admin = JSON.parse((await deps.secrets.get(deps.platform.database.adminSecretName)) ?? '{}') as { username: string; password: string };
          // RDS requires TLS; the RDS CA bundle is provided to the function via NODE_EXTRA_CA_CERTS.
          return { host: deps.platform.database.host, port: deps.platform.database.port, user: admin.username, password: admin.password, database: 'postgres', ssl: true };
        }),
        deps.secrets,
      ),
    storage: () => new Storage(new S3Client({}), deps.platform.bucket),
    mail: () => new SesMail(new SESClient({})),
    dns: () => {
      const cloudflare = memo(async () => new Cloudflare({ apiToken: await deps.secrets.get(required('CLOUDFLARE_TOKEN_SECRET')) }));
      const zone = { id: required('CLOUDFLARE_ZONE_ID'), name: required('CLOUDFLARE_ZONE_NAME'), target: required('INSTANCE_LB_DNS_NAME') };
      return {
        upsert: async (host: string) => new CloudflareDns(await cloudflare(), zone).upsert(host),
        remove: async (host: string) => new CloudflareDns(await cloudflare(), zone).remove(host),
        has: async (host: string) => new CloudflareDns(await cloudflare(), zone).has(host),
      };
    },
    compute: () => {
      const { tenantRoles, ...ecs } = JSON.parse(required('ECS_CONFIG')) as EcsComputeConfig & { tenantRoles: TenantTaskRolesConfig };
      return new EcsCompute(new ECSClient({}), new ElasticLoadBalancingV2Client({}), new TenantTaskRoles(new IAMClient({}), tenantRoles), ecs);
    },
    probe: () => (url: string) => probe(url),
    billing: () => {
      const keys = memo(async () => JSON.parse((await deps.secrets.get(required('STRIPE_SECRET'))) ?? '{}') as { secretKey: string; webhookSecret: string });
      return new LazyStripeBilling(keys, required('STRIPE_PRICE_ID'));
    },
    links: () => new AdminLinks(deps.secrets),
    settingsStore: () => new SettingsStore(createDocumentClient(), required('TABLE_NAME')),
    signIns: () => new SignInStore(createDocumentClient(), required('TABLE_NAME')),
    sessions: () => new Sessions(deps.secrets),
    // Only the usual submission ports: a tenant cannot point Launchpad at arbitrary services.
    smtp: () => new NodemailerSmtp({ ports: [25, 465, 587, 2525] }),
    fleet: () => new FleetStore(createDocumentClient(), required('TABLE_NAME')),
  });
  lambdaDeps = deps;
  return deps;
}

/** A Lambda entry point for a handler factory: wires it on first use, then reuses it. */
export function lambdaEntry<E, R>(create: (deps: Deps) => (event: E) => Promise<R>): (event: E) => Promise<R> {
  let handler: ((event: E) => Promise<R>) | undefined;
  return (event) => (handler ??= create(awsDeps()))(event);
}
