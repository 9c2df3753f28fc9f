import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { UpgradeRequest, UpgradeSummary } from '../../shared/fleet';
import type { Tenant } from '../../shared/tenant';
import { createDocumentClient } from '../../functions/providers/dynamodb';
import { FleetStore } from '../../functions/providers/fleet-store';
import { SfnWorkflows } from '../../functions/providers/sfn-workflows';
import { TenantStore } from '../../functions/providers/tenant-store';

export interface TenantRow {
  tenantId: string;
  subdomain: string;
  companyName: string;
  status: string;
  plan: string;
  appVersion: string | null;
  createdAt: string;
}

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
}

/**
 * A deployed Launchpad, with the operator's own AWS credentials: the table and the state
 * machines named by the stack outputs (LAUNCHPAD_TABLE, LAUNCHPAD_PROVISION_ARN, LAUNCHPAD_UPGRADE_ARN).
 */
export class AwsOps implements OpsBackend {
  private readonly store: TenantStore;
  private readonly fleet: FleetStore;
  private readonly sfn = new SFNClient({});

  constructor(private readonly config: { table: string; provisionArn: string; upgradeArn: string }) {
    const documents = createDocumentClient();
    this.store = new TenantStore(documents, config.table);
    this.fleet = new FleetStore(documents, config.table);
  }

  get describe() {
    return `AWS (table ${this.config.table})`;
  }

  private async tenant(subdomain: string): Promise<Tenant> {
    const id = await this.store.tenantForSubdomain(subdomain);
    const tenant = id ? await this.store.getTenant(id) : undefined;
    if (!tenant) throw new OpsError(`No tenant ${subdomain}`);
    return tenant;
  }

  async listTenants(): Promise<TenantRow[]> {
    return (await this.store.listTenants()).map((t) => ({ tenantId: t.tenantId, subdomain: t.subdomain, companyName: t.companyName, status: t.status, plan: t.plan, appVersion: t.appVersion ?? null, createdAt: t.createdAt }));
  }

  async showTenant(subdomain: string): Promise<unknown> {
    return { tenant: await this.tenant(subdomain) };
  }

  async startUpgrade(request: UpgradeRequest): Promise<string> {
    const name = `upgrade-${request.version.replace(/[^A-Za-z0-9-]/g, '-')}-${Date.now()}`;
    await new SfnWorkflows(this.sfn, this.config.provisionArn, this.config.upgradeArn).startFleetUpgrade(request, name);
    return name;
  }

  async upgradeStatus(name: string): Promise<UpgradeStatus> {
    const arn = this.config.upgradeArn.replace(':stateMachine:', ':execution:') + `:${name}`;
    const execution = await this.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    const summary = (await this.fleet.summaries(50)).find((s) => s.runId === name);
    return { name, status: execution.status ?? 'UNKNOWN', ...(execution.error ? { error: execution.error, cause: execution.cause ?? '' } : {}), ...(summary ? { summary } : {}) };
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

/** AWS when its three settings are in the environment, else the local stack. */
export function opsBackend(env: NodeJS.ProcessEnv = process.env): OpsBackend {
  const { LAUNCHPAD_TABLE: table, LAUNCHPAD_PROVISION_ARN: provisionArn, LAUNCHPAD_UPGRADE_ARN: upgradeArn } = env;
  if (table || provisionArn || upgradeArn) {
    if (!table || !provisionArn || !upgradeArn) throw new OpsError('For AWS set all of LAUNCHPAD_TABLE, LAUNCHPAD_PROVISION_ARN and LAUNCHPAD_UPGRADE_ARN (the stack outputs)');
    return new AwsOps({ table, provisionArn, upgradeArn });
  }
  return new LocalOps(env.LAUNCHPAD_URL ?? `http://localhost:${env.PORT ?? 3000}`);
}
