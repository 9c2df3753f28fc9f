import { HAS_INSTANCE, type TenantStatus } from '../../shared/lifecycle';
import type { Deps } from '../deps';
import type { Databases } from '../providers/tenant-databases';

/** A quota above this share of its limit raises the CapacityHeadroom alarm (and is marked in the CLI). */
export const CAPACITY_ALARM_PERCENT = 80;

/** What Launchpad counts in its own table, for every quota that grows with the fleet. */
export interface FleetCounts {
  /** Tenants that have (or are getting) services, databases and secrets: not gone, not just signed up. */
  tenants: number;
  /** Tasks of tenant instances running now (awake instances at their desired count). */
  awakeTasks: number;
  /** Unassigned warm-pool tasks kept running. */
  poolTasks: number;
}

/** Tenant statuses whose tenant holds per-tenant resources (PROVISIONING and FAILED may hold some of them). */
const HOLDING: readonly TenantStatus[] = [...HAS_INSTANCE, 'PROVISIONING', 'FAILED', 'DELETING'];

/** Roles the stacks create (README ceiling table: ~75), the one role all instances share among them: none per tenant. */
const STACK_ROLES = 75;
/** Launchpad's own secrets (README cost table). */
const PLATFORM_SECRETS = 7;
/** Tenant router tasks at their minimum (infra/aws/config.ts routerMinTasks). */
const ROUTER_TASKS = 2;
/** vCPU of one instance or router task (0.25 vCPU / 0.5 GB). */
const TASK_VCPU = 0.25;

/**
 * One quota that grows with tenants: where its limit comes from (Service Quotas code, and AWS's
 * documented default when it cannot be read), and how much of it Launchpad's fleet uses. Usage is
 * computed from the table on both engines (the same numbers the README's ceiling table multiplies
 * out); where the account itself can say (IAM roles, SES mail) the AWS side asks it instead.
 */
export interface QuotaSpec {
  key: 'iam-roles' | 'ecs-services' | 'fargate-vcpu' | 'network-interfaces' | 'cloud-map-instances' | 'route53-records' | 'secrets' | 'ses-daily-sending';
  name: string;
  /** Service Quotas service and quota code; none where Service Quotas has no entry we rely on. */
  serviceQuota?: { serviceCode: string; quotaCode: string; global?: boolean };
  /** AWS's documented default (a new account), the pessimistic value when the real one cannot be read. */
  defaultLimit: number;
  /** How the fleet uses it, from the counts; undefined: only the account can say (SES). */
  used?: (counts: FleetCounts) => number;
}

export const QUOTAS: readonly QuotaSpec[] = [
  { key: 'iam-roles', name: 'IAM roles per account', serviceQuota: { serviceCode: 'iam', quotaCode: 'L-FE177D64', global: true }, defaultLimit: 1000, used: () => STACK_ROLES },
  { key: 'ecs-services', name: 'ECS services per cluster', serviceQuota: { serviceCode: 'ecs', quotaCode: 'L-9EF96962' }, defaultLimit: 5000, used: (c) => 2 * c.tenants },
  { key: 'fargate-vcpu', name: 'Fargate On-Demand vCPU', serviceQuota: { serviceCode: 'fargate', quotaCode: 'L-3032A538' }, defaultLimit: 6, used: (c) => (c.awakeTasks + c.poolTasks + ROUTER_TASKS) * TASK_VCPU },
  { key: 'network-interfaces', name: 'Network interfaces per Region', serviceQuota: { serviceCode: 'vpc', quotaCode: 'L-DF5E4CA3' }, defaultLimit: 5000, used: (c) => c.awakeTasks + c.poolTasks + ROUTER_TASKS },
  // Cloud Map's per-namespace limit is read as documented (2,000): no Service Quotas code is relied on for it.
  { key: 'cloud-map-instances', name: 'Cloud Map instances per namespace', defaultLimit: 2000, used: (c) => c.awakeTasks },
  { key: 'route53-records', name: "Route 53 records in the namespace's zone", serviceQuota: { serviceCode: 'route53', quotaCode: 'L-E209CC9F', global: true }, defaultLimit: 10_000, used: (c) => c.awakeTasks },
  // Per tenant: the database passwords and instance tokens of both environments, and the SMTP password.
  { key: 'secrets', name: 'Secrets Manager secrets per Region (not adjustable)', defaultLimit: 500_000, used: (c) => 5 * c.tenants + PLATFORM_SECRETS },
  { key: 'ses-daily-sending', name: 'SES mails per 24 hours', serviceQuota: { serviceCode: 'ses', quotaCode: 'L-804C8AE8' }, defaultLimit: 200 },
];

export interface QuotaLimit {
  value: number;
  /** 'Service Quotas' (this account's applied value) or why the documented default is shown. */
  source: string;
}

/** Port to the account's own figures: Service Quotas and the few usages only the account knows. */
export interface AccountQuotas {
  limit(spec: QuotaSpec): Promise<QuotaLimit>;
  /** The account's own count where it has one (IAM roles of every kind, mail sent in 24 h); undefined otherwise. */
  usage(spec: QuotaSpec): Promise<number | undefined>;
}

/** What counting takes: the table's stores and the pool's size; with `databases`, a Postgres line per server. */
export type CapacityDeps = Pick<Deps, 'tenants' | 'instances' | 'now'> & { platform: { pool: { size: number } } } & { databases?: Pick<Databases, 'usage'> };

export interface CapacityLine {
  key: QuotaSpec['key'] | `postgres-connections:${string}`;
  quota: string;
  /** Undefined where nothing here can count it (SES locally). */
  used?: number;
  limit: number;
  limitSource: string;
  /** used / limit in percent, one decimal. */
  percent?: number;
  /** At or above CAPACITY_ALARM_PERCENT. */
  alarm: boolean;
}

/** The fleet's counts from the table: tenants holding resources, awake tasks, the pool. */
export async function fleetCounts({ tenants, instances, platform, now }: CapacityDeps): Promise<FleetCounts> {
  const at = now().toISOString();
  const holding = await Promise.all(HOLDING.map((status) => tenants.listByStatus(status, at)));
  // Every awake instance whose last request is before the far future: all of them.
  const awake = await instances.idleSince('9999-12-31T23:59:59.999Z');
  return {
    tenants: holding.reduce((n, list) => n + list.length, 0),
    awakeTasks: awake.reduce((n, record) => n + record.desiredCount, 0),
    poolTasks: platform.pool.size,
  };
}

/**
 * Usage and limit of every quota that grows with the fleet. Without `account` (the embedded default)
 * the limits are AWS's documented defaults: what a new account gets.
 */
export async function capacityReport(deps: CapacityDeps, account?: AccountQuotas): Promise<CapacityLine[]> {
  const counts = await fleetCounts(deps);
  const quotas = await Promise.all(
    QUOTAS.map(async (spec): Promise<CapacityLine> => {
      const limit = account ? await account.limit(spec) : { value: spec.defaultLimit, source: 'AWS default (nothing to ask locally)' };
      const used = (account ? await account.usage(spec) : undefined) ?? spec.used?.(counts);
      return capacityLine(spec.key, spec.name, used, limit);
    }),
  );
  // Per server: the connection limits of the tenants placed there, against what it offers tenants.
  const servers = (await deps.databases?.usage()) ?? [];
  const postgres = servers.map(({ server, placed }) =>
    capacityLine(`postgres-connections:${server.id}`, `Postgres connections on ${server.id} (roles' limits placed)`, placed, { value: server.capacity, source: 'max_connections less the reserve (configured)' }),
  );
  return [...quotas, ...postgres];
}

function capacityLine(key: CapacityLine['key'], quota: string, used: number | undefined, limit: QuotaLimit): CapacityLine {
  const percent = used === undefined || limit.value <= 0 ? undefined : Math.round((used / limit.value) * 1000) / 10;
  return { key, quota, ...(used === undefined ? {} : { used }), limit: limit.value, limitSource: limit.source, ...(percent === undefined ? {} : { percent }), alarm: percent !== undefined && percent >= CAPACITY_ALARM_PERCENT };
}
