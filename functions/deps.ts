import { Logger } from '@aws-lambda-powertools/logger';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
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

let lambdaDeps: Deps | undefined;

/** The production wiring, built once per Lambda container from its environment. */
export function awsDeps(): Deps {
  if (lambdaDeps) return lambdaDeps;
  const platform = platformFromEnv();
  const secrets = new SecretsManagerSecrets(new SecretsManagerClient({}));
  const secretJson = async <T>(name: string) => JSON.parse((await secrets.get(name)) ?? '{}') as T;
  const cloudflare = memo(async () => new Cloudflare({ apiToken: await secrets.get(required('CLOUDFLARE_TOKEN_SECRET')) }));
  const dns: Dns = {
    upsert: async (host) =>
      new CloudflareDns(await cloudflare(), { id: required('CLOUDFLARE_ZONE_ID'), name: required('CLOUDFLARE_ZONE_NAME'), target: required('INSTANCE_LB_DNS_NAME') }).upsert(host),
  };
  const adminConfig = memo(async () => {
    const admin = await secretJson<{ username: string; password: string }>(platform.database.adminSecretName);
    // RDS requires TLS; the RDS CA bundle is provided to the function via NODE_EXTRA_CA_CERTS.
    return { host: platform.database.host, port: platform.database.port, user: admin.username, password: admin.password, database: 'postgres', ssl: true };
  });
  lambdaDeps = {
    store: new TenantStore(createDocumentClient(), required('TABLE_NAME')),
    workflows: new SfnWorkflows(new SFNClient({}), required('PROVISION_STATE_MACHINE_ARN')),
    logger,
    now: () => new Date(),
    newId: () => crypto.randomUUID(),
    platform,
    secrets,
    databases: new TenantDatabases(adminConfig, secrets),
    storage: new Storage(new S3Client({}), platform.bucket),
    mail: new SesMail(new SESClient({})),
    dns,
    compute: new EcsCompute(new ECSClient({}), new ElasticLoadBalancingV2Client({}), JSON.parse(required('ECS_CONFIG')) as EcsComputeConfig),
    probe: (url) => probe(url),
  };
  return lambdaDeps;
}

/** A Lambda entry point for a handler factory: wires it on first use, then reuses it. */
export function lambdaEntry<E, R>(create: (deps: Deps) => (event: E) => Promise<R>): (event: E) => Promise<R> {
  let handler: ((event: E) => Promise<R>) | undefined;
  return (event) => (handler ??= create(awsDeps()))(event);
}
