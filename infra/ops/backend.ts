import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { offboardingRefusal, tenantRow, upgradeRunName, type TenantRow, type UpgradeRequest, type UpgradeSummary } from '../../shared/fleet';
import { startOffboardingByOps } from '../../functions/providers/workflows';
import type { Tenant } from '../../shared/tenant';
import { createDocumentClient } from '../../functions/providers/dynamodb';
import { FleetStore } from '../../functions/providers/fleet-store';
import { SfnWorkflows } from '../../functions/providers/sfn-workflows';
import { TenantStore } from '../../functions/providers/tenant-store';

export interface UpgradeStatus {
  name: string;
  status: string;
  error?: string;
  cause?: string;
  summary?: UpgradeSummary;
}

/** What the ops CLI does, against the local stack or against AWS. */
export interface OpsBackend {
  describe: string;
  listTenants(): Promise<TenantRow[]>;
  showTenant(subdomain: string): Promise<unknown>;
  startUpgrade(request: UpgradeRequest): Promise<string>;
  upgradeStatus(name: string): Promise<UpgradeStatus>;
  resume(subdomain: string): Promise<string>;
  offboard(subdomain: string, force: boolean): Promise<string>;
  /** RUNNING, SUCCEEDED, FAILED... of any execution, with the error if it failed. */
  executionStatus(name: string): Promise<{ status: string; error?: string; cause?: string }>;
}

export class OpsError extends Error {
  override name = 'OpsError';
}

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
    if (!response.ok) throw new OpsError(Object.values(answer.errors ?? {}).join('; ') || `HTTP ${response.status}`);
    return answer;
  }

  listTenants = () => this.call<TenantRow[]>('GET', '/ops/api/tenants');
  showTenant = (subdomain: string) => this.call<unknown>('GET', `/ops/api/tenants/${encodeURIComponent(subdomain)}`);
  startUpgrade = async (request: UpgradeRequest) => (await this.call<{ name: string }>('POST', '/ops/api/upgrades', request)).name;
  upgradeStatus = (name: string) => this.call<UpgradeStatus>('GET', `/ops/api/upgrades/${encodeURIComponent(name)}`);
  resume = async (subdomain: string) => (await this.call<{ name: string }>('POST', `/ops/api/tenants/${encodeURIComponent(subdomain)}/resume`)).name;
  offboard = async (subdomain: string, force: boolean) => (await this.call<{ name: string }>('POST', `/ops/api/tenants/${encodeURIComponent(subdomain)}/offboard${force ? '?force=1' : ''}`)).name;
  executionStatus = (name: string) => this.call<{ status: string; error?: string; cause?: string }>('GET', `/ops/api/executions/${encodeURIComponent(name)}`);
}

/**
 * A deployed Launchpad, with the operator's own AWS credentials: the table and the state
 * machines named by the stack outputs (LAUNCHPAD_TABLE, LAUNCHPAD_PROVISION_ARN, LAUNCHPAD_UPGRADE_ARN,
 * LAUNCHPAD_OFFBOARD_ARN).
 */
export class AwsOps implements OpsBackend {
  private readonly store: TenantStore;
  private readonly fleet: FleetStore;
  private readonly sfn = new SFNClient({});
  private readonly workflows: SfnWorkflows;

  constructor(private readonly config: { table: string; provisionArn: string; upgradeArn: string; offboardArn: string }) {
    const documents = createDocumentClient();
    this.store = new TenantStore(documents, config.table);
    this.fleet = new FleetStore(documents, config.table);
    this.workflows = new SfnWorkflows(this.sfn, config.provisionArn, config.upgradeArn, config.offboardArn);
  }

  get describe() {
    return `AWS (table ${this.config.table})`;
  }

  private async tenant(subdomain: string): Promise<Tenant> {
    const tenant = await this.store.tenantBySubdomain(subdomain);
    if (!tenant) throw new OpsError(`No tenant ${subdomain}`);
    return tenant;
  }

  async listTenants(): Promise<TenantRow[]> {
    return (await this.store.listTenants()).map(tenantRow);
  }

  async showTenant(subdomain: string): Promise<unknown> {
    return { tenant: await this.tenant(subdomain) };
  }

  async startUpgrade(request: UpgradeRequest): Promise<string> {
    const name = upgradeRunName(request.version, new Date());
    await this.workflows.startFleetUpgrade(request, name);
    return name;
  }

  private async describeExecution(stateMachineArn: string, name: string) {
    const execution = await this.sfn.send(new DescribeExecutionCommand({ executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}` }));
    return { status: execution.status ?? 'UNKNOWN', ...(execution.error ? { error: execution.error, cause: execution.cause ?? '' } : {}) };
  }

  async upgradeStatus(name: string): Promise<UpgradeStatus> {
    const summary = (await this.fleet.summaries(50)).find((s) => s.runId === name);
    return { name, ...(await this.describeExecution(this.config.upgradeArn, name)), ...(summary ? { summary } : {}) };
  }

  executionStatus(name: string) {
    const machine = name.startsWith('offboard-') ? this.config.offboardArn : name.startsWith('upgrade-') ? this.config.upgradeArn : this.config.provisionArn;
    return this.describeExecution(machine, name);
  }

  async offboard(subdomain: string, force: boolean): Promise<string> {
    const tenant = await this.tenant(subdomain);
    const refusal = offboardingRefusal(tenant, force);
    if (refusal) throw new OpsError(refusal);
    return startOffboardingByOps(this.workflows, tenant.tenantId, new Date());
  }

  async resume(subdomain: string): Promise<string> {
    const tenant = await this.tenant(subdomain);
    if (tenant.status !== 'FAILED') throw new OpsError(`${subdomain} is ${tenant.status}; only FAILED tenants are resumed`);
    // Execution names are unique forever: a resume is a new one, <tenantId>-r<time>.
    const name = `${tenant.tenantId}-r${Math.floor(Date.now() / 1000)}`;
    await this.sfn.send(new StartExecutionCommand({ stateMachineArn: this.config.provisionArn, name, input: JSON.stringify({ tenantId: tenant.tenantId }) }));
    return name;
  }
}

/** AWS when its four settings are in the environment, else the local stack. */
export function opsBackend(env: NodeJS.ProcessEnv = process.env): OpsBackend {
  const { LAUNCHPAD_TABLE: table, LAUNCHPAD_PROVISION_ARN: provisionArn, LAUNCHPAD_UPGRADE_ARN: upgradeArn, LAUNCHPAD_OFFBOARD_ARN: offboardArn } = env;
  if (table || provisionArn || upgradeArn || offboardArn) {
    if (!table || !provisionArn || !upgradeArn || !offboardArn) throw new OpsError('For AWS set all of LAUNCHPAD_TABLE, LAUNCHPAD_PROVISION_ARN, LAUNCHPAD_UPGRADE_ARN and LAUNCHPAD_OFFBOARD_ARN (the stack outputs)');
    return new AwsOps({ table, provisionArn, upgradeArn, offboardArn });
  }
  return new LocalOps(env.LAUNCHPAD_URL ?? `http://localhost:${env.PORT ?? 3000}`);
}
