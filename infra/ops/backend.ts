import { IAMClient } from '@aws-sdk/client-iam';
import { SESClient } from '@aws-sdk/client-ses';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SFNClient } from '@aws-sdk/client-sfn';
import { capacityReport, type CapacityLine } from '../../functions/ops/capacity';
import { AwsAccountQuotas } from '../../functions/providers/account-quotas';
import type { RolloutRequest, TenantRow } from '../../shared/fleet';
import { createOpsService, OpsError, type OpsService, type RolloutStatus } from '../../functions/ops/ops-service';
import { createDocumentClient } from '../../functions/providers/dynamodb';
import { SfnWorkflows } from '../../functions/providers/sfn-workflows';
import { tableStores } from '../../functions/wiring';
import { BaseRecords } from 'cloudflare/resources/dns/records';
import { createClient } from 'cloudflare/tree-shakable';
import { CloudflareDns } from '../../functions/providers/dns';
import { createTenantOnBehalf } from '../../functions/ops/create-on-behalf';
import { OpsRefusal } from '../../functions/ops/ops-service';
import type { OnBehalfCreated, OnBehalfInput } from '../../shared/on-behalf';

// The CLI's error type is the service's: its refusals reach the operator the same way on both backends.
export { OpsError, type RolloutStatus };

/** What the ops CLI does, against the local stack or against AWS. */
export interface OpsBackend {
  describe: string;
  listTenants(): Promise<TenantRow[]>;
  showTenant(subdomain: string): Promise<unknown>;
  startRollout(request: RolloutRequest): Promise<string>;
  rolloutStatus(name: string): Promise<RolloutStatus>;
  resume(subdomain: string): Promise<string>;
  offboard(subdomain: string, force: boolean): Promise<string>;
  /** RUNNING, SUCCEEDED, FAILED... of any execution, with the error if it failed. */
  executionStatus(name: string): Promise<{ status: string; error?: string; cause?: string }>;
  /** Usage and limit of every quota that grows with the fleet. */
  capacity(): Promise<CapacityLine[]>;
  /** A tenant created on a client's behalf (functions/ops/create-on-behalf.ts); refusals are OpsRefusals with field errors. */
  createTenant(request: OnBehalfInput): Promise<OnBehalfCreated>;
}

/** The local /ops API's refusal statuses back as the service's refusals, so the CLI prints each field's error. */
const REFUSAL_OF_STATUS: Readonly<Record<number, OpsRefusal['kind']>> = { 400: 'invalid', 404: 'not-found', 409: 'conflict' };

/** The embedded default, through its /ops/api (the server owns the local engine). */
export class LocalOps implements OpsBackend {
  constructor(private readonly baseUrl: string) {}

  get describe() {
    return `local Launchpad at ${this.baseUrl}`;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
    } catch {
      throw new OpsError(`Launchpad does not answer at ${this.baseUrl}: start it with \`npm start\` (or set LAUNCHPAD_URL)`);
    }
    const answer = (await response.json().catch(() => ({}))) as T & { errors?: Record<string, string> };
    const kind = REFUSAL_OF_STATUS[response.status];
    // The same message as before for every command; a refusal keeps its fields (the create prints one line per flag).
    if (!response.ok) throw answer.errors && kind ? new OpsRefusal(kind, answer.errors) : new OpsError(Object.values(answer.errors ?? {}).join('; ') || `HTTP ${response.status}`);
    return answer;
  }

  listTenants = () => this.call<TenantRow[]>('GET', '/ops/api/tenants');
  showTenant = (subdomain: string) => this.call<unknown>('GET', `/ops/api/tenants/${encodeURIComponent(subdomain)}`);
  startRollout = async (request: RolloutRequest) => (await this.call<{ name: string }>('POST', '/ops/api/rollouts', request)).name;
  rolloutStatus = (name: string) => this.call<RolloutStatus>('GET', `/ops/api/rollouts/${encodeURIComponent(name)}`);
  resume = async (subdomain: string) => (await this.call<{ name: string }>('POST', `/ops/api/tenants/${encodeURIComponent(subdomain)}/resume`)).name;
  offboard = async (subdomain: string, force: boolean) => (await this.call<{ name: string }>('POST', `/ops/api/tenants/${encodeURIComponent(subdomain)}/offboard${force ? '?force=1' : ''}`)).name;
  executionStatus = (name: string) => this.call<{ status: string; error?: string; cause?: string }>('GET', `/ops/api/executions/${encodeURIComponent(name)}`);
  capacity = () => this.call<CapacityLine[]>('GET', '/ops/api/capacity');
  createTenant = (request: OnBehalfInput) => this.call<OnBehalfCreated>('POST', '/ops/api/tenants', request);
}

/**
 * A deployed Launchpad, with the operator's own AWS credentials: the ops service on the table and the
 * state machines named by the stack outputs (LAUNCHPAD_TABLE, LAUNCHPAD_PROVISION_ARN,
 * LAUNCHPAD_ROLLOUT_ARN, LAUNCHPAD_OFFBOARD_ARN). Its refusals are OpsErrors, printed as they are.
 */
export class AwsOps implements OpsBackend {
  private readonly ops: OpsService;
  private readonly stores: ReturnType<typeof tableStores>;

  constructor(private readonly config: { table: string; provisionArn: string; rolloutArn: string; offboardArn: string }) {
    this.stores = tableStores(createDocumentClient(), config.table);
    const { tenants, fleet, instances } = this.stores;
    const workflows = new SfnWorkflows(new SFNClient({}), config.provisionArn, config.rolloutArn, config.offboardArn);
    this.ops = createOpsService({ tenants, fleet, instances, workflows, now: () => new Date() });
  }

  /** The account's own limits; the pool's size as the deployment sets it (POOL_SIZE, default 2). */
  capacity = () =>
    capacityReport(
      { tenants: this.stores.tenants, instances: this.stores.instances, now: () => new Date(), platform: { pool: { size: Number(process.env.POOL_SIZE ?? 2) } } },
      new AwsAccountQuotas({ quotas: new ServiceQuotasClient({}), globalQuotas: new ServiceQuotasClient({ region: 'us-east-1' }), iam: new IAMClient({}), ses: new SESClient({}) }),
    );

  get describe() {
    return `AWS (table ${this.config.table})`;
  }

  listTenants = () => this.ops.listTenants();
  showTenant = (subdomain: string) => this.ops.showTenant(subdomain);
  startRollout = (request: RolloutRequest) => this.ops.startRollout(request);
  rolloutStatus = (name: string) => this.ops.rolloutStatus(name);
  resume = (subdomain: string) => this.ops.resume(subdomain);
  offboard = (subdomain: string, force: boolean) => this.ops.offboard(subdomain, force);
  executionStatus = (name: string) => this.ops.executionStatus(name);

  /**
   * Straight to the table and the provisioning state machine, with the zone check on Cloudflare
   * (the variables `wildcard-dns` reads): a name the zone holds would never reach its instance.
   */
  createTenant = (request: OnBehalfInput) => {
    const env = (name: string) => process.env[name] || (() => { throw new OpsError(`${name} is not set: creating a tenant on AWS checks the subdomain against the Cloudflare zone (CLOUDFLARE_API_TOKEN, LAUNCHPAD_CLOUDFLARE_ZONE_ID, LAUNCHPAD_DOMAIN)`); })();
    const zone = { id: env('LAUNCHPAD_CLOUDFLARE_ZONE_ID'), name: env('LAUNCHPAD_DOMAIN'), target: process.env.LAUNCHPAD_INSTANCE_LB ?? '' };
    const dns = new CloudflareDns(createClient({ apiToken: env('CLOUDFLARE_API_TOKEN'), resources: [BaseRecords] }), zone);
    const workflows = new SfnWorkflows(new SFNClient({}), this.config.provisionArn, this.config.rolloutArn, this.config.offboardArn);
    // The CLI prints its own lines; only a provisioning that did not start (the reconciler retries it) is worth one more.
    const logger = { info: () => undefined, error: (message: string) => console.error(message) };
    return createTenantOnBehalf({ signups: this.stores.signups, workflows, dns, logger, newId: () => crypto.randomUUID(), now: () => new Date() }, request);
  };
}

/** LAUNCHPAD_ROLLOUT_ARN, else its old name LAUNCHPAD_UPGRADE_ARN (still read, with a line saying so). */
function rolloutArnOf(env: NodeJS.ProcessEnv, warn: (line: string) => void): string | undefined {
  if (env.LAUNCHPAD_ROLLOUT_ARN || !env.LAUNCHPAD_UPGRADE_ARN) return env.LAUNCHPAD_ROLLOUT_ARN;
  warn('LAUNCHPAD_UPGRADE_ARN is deprecated: set LAUNCHPAD_ROLLOUT_ARN (stack output RolloutStateMachine) instead');
  return env.LAUNCHPAD_UPGRADE_ARN;
}

/** AWS when its four settings are in the environment, else the local stack. */
export function opsBackend(env: NodeJS.ProcessEnv = process.env, warn: (line: string) => void = console.error): OpsBackend {
  const { LAUNCHPAD_TABLE: table, LAUNCHPAD_PROVISION_ARN: provisionArn, LAUNCHPAD_OFFBOARD_ARN: offboardArn } = env;
  const rolloutArn = rolloutArnOf(env, warn);
  if (table || provisionArn || rolloutArn || offboardArn) {
    if (!table || !provisionArn || !rolloutArn || !offboardArn) throw new OpsError('For AWS set all of LAUNCHPAD_TABLE, LAUNCHPAD_PROVISION_ARN, LAUNCHPAD_ROLLOUT_ARN and LAUNCHPAD_OFFBOARD_ARN (the stack outputs)');
    return new AwsOps({ table, provisionArn, rolloutArn, offboardArn });
  }
  return new LocalOps(env.LAUNCHPAD_URL ?? `http://localhost:${env.PORT ?? 3000}`);
}
