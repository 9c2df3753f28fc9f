import { instanceUrl, type Environment } from '../../shared/instance';
import type { Plan } from '../../shared/lifecycle';
import type { TenantDatabase } from './tenant-databases';

/** What one spaceOS instance (prod or staging) needs to run. */
export interface ServiceSpec {
  tenantId: string;
  subdomain: string;
  env: Environment;
  /** The instance's host name the tenant router routes on, e.g. acme.spaceos.io. */
  hostname: string;
  /** Storage keys of the rendered config and theme (read at runtime, never baked in). */
  configKey: string;
  themeKey: string;
  database: TenantDatabase;
  /** The spaceOS version (image tag) to run. */
  version: string;
}

/** Port for running instances: ECS Fargate in AWS, a local process on the embedded default. */
export interface Compute {
  /**
   * Describe-before-create: returns the service, creating only what is missing. A new service runs
   * CREATED_WITH tasks, or `desiredCount` (0: created asleep, started by a wake or a hand-over).
   */
  ensureService(spec: ServiceSpec, options?: { desiredCount?: number }): Promise<{ name: string; created: boolean }>;
  /**
   * Sets how many copies of an instance run: 0 puts it to sleep or stops it (the tenant router
   * then answers its host itself), more serves the tenant again.
   */
  scale(service: ScaledService, desiredCount: number): Promise<void>;
  /**
   * Rolls the instance onto another spaceOS version (a fleet rollout, or its rollback). Returns
   * once the rollout is under way; the instance's /health tells when the version is live.
   */
  deploy(service: ScaledService, version: string): Promise<void>;
  /** Removes the instance and its registration (offboarding); 'absent' when it was gone already. */
  removeService(service: ScaledService): Promise<'removed' | 'absent'>;
  /**
   * Which of these services exist (running or scaled to zero), by serviceName. For drift detection:
   * one call for many tenants, since ECS describes up to 10 services per request.
   */
  existingServices(services: readonly ScaledService[]): Promise<Set<string>>;
}

/** Instances per plan: the paid production instance runs twice (capacity and availability). */
export const DESIRED_COUNT = { trial: 1, paid: { prod: 2, stg: 1 } } as const;
/** How many tasks a service runs when ensureService creates it. */
export const CREATED_WITH = 1;
export const desiredCount = (plan: Plan, env: Environment) => (plan === 'paid' ? DESIRED_COUNT.paid[env] : DESIRED_COUNT.trial);

export type ScaledService = Pick<ServiceSpec, 'tenantId' | 'subdomain' | 'env' | 'hostname'>;

/** A tenant's instances in `envs`, as this port addresses them (host names from the deployment's URL template). */
export const servicesOf = (instanceUrlTemplate: string, tenant: { tenantId: string; subdomain: string }, envs: readonly Environment[]): ScaledService[] =>
  envs.map((env) => serviceOf(instanceUrlTemplate, { ...tenant, env }));

/** One instance (an instance record, say) as this port addresses it. */
export const serviceOf = (instanceUrlTemplate: string, instance: { tenantId: string; subdomain: string; env: Environment }): ScaledService => ({
  tenantId: instance.tenantId,
  subdomain: instance.subdomain,
  env: instance.env,
  hostname: new URL(instanceUrl(instanceUrlTemplate, instance.subdomain, instance.env)).hostname,
});

export const serviceName = (spec: Pick<ServiceSpec, 'subdomain' | 'env'>) => `spaceos-${spec.subdomain}-${spec.env}`;
