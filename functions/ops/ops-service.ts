import { instanceHosts } from '../../shared/instance';
import type { TenantStatusView } from '../../shared/provisioning';
import { offboardingRefusal, rolloutRequestSchema, rolloutRunName, tenantRow, type RolloutSummary, type TenantRow } from '../../shared/fleet';
import { mailIssuesOf } from '../../shared/mail-delivery';
import { fieldErrors } from '../../shared/signup';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { isRunning, stateMachineOfExecution, type ExecutionState, type StateMachineName } from '../providers/workflows';
import { claimAndStartResume, currentExecution, RECONCILE_GRACE_MS, ResumeRaceError } from '../reconciler/provisioning-runs';

/** Statuses a resume may start from: the provisioning failed, or stopped without an execution going on. */
const RESUMABLE: ReadonlySet<Tenant['status']> = new Set(['FAILED', 'PENDING', 'PROVISIONING']);

/** How many recent rollout summaries are searched for a run's own (runs are few; the newest come first). */
const SUMMARIES_SEARCHED = 50;

/** An error meant for the operator as it is (no stack): the CLI prints its message and exits 1. */
export class OpsError extends Error {
  override name = 'OpsError';
}

/**
 * The service refused (no such tenant or run, a rule says no, an invalid request), with one message
 * per field as the API's `{errors}` body; `kind` is what the local /ops API answers (404, 409, 400).
 */
export class OpsRefusal extends OpsError {
  override name = 'OpsRefusal';
  constructor(
    readonly kind: 'not-found' | 'conflict' | 'invalid',
    readonly errors: Record<string, string>,
  ) {
    super(Object.values(errors).join('; '));
  }
}

/** An execution's state, by name. */
export interface RunStatus extends ExecutionState {
  name: string;
}

/** A rollout's state, with its summary once SummarizeRollout has kept it. */
export interface RolloutStatus extends RunStatus {
  summary?: RolloutSummary;
}

/**
 * What customer success does to the fleet, on any engine: `npm run ops` against AWS calls it
 * directly (infra/ops/backend.ts), the local /ops API serves it over HTTP (infra/local/ops.ts).
 */
/** Each environment's instance state (absent before it exists). */
export type InstanceStates = NonNullable<TenantStatusView['instances']>;

export interface OpsService {
  listTenants(): Promise<TenantRow[]>;
  /** The tenant and its instances' states (running, sleeping, waking, stopped), as customer success needs them. */
  showTenant(subdomain: string): Promise<{ tenant: Tenant; instances: InstanceStates }>;
  /**
   * Starts provisioning again as a new execution (`<tenantId>-r<n>`, no limit on n) for a FAILED tenant
   * (once its cause is fixed), or a PENDING/PROVISIONING one whose execution stopped; refused (conflict)
   * while the tenant's execution runs. Returns the execution name.
   */
  resume(subdomain: string): Promise<string>;
  /** resume, for a tenant named by id (the /ops page's button). */
  resumeTenant(tenantId: string): Promise<string>;
  /** Starts offboarding; a paying customer only with `force` (cancel in Stripe first). Returns the execution name. */
  offboard(subdomain: string, force: boolean): Promise<string>;
  /** Validates the request (rolloutRequestSchema) and starts a roll-out-fleet run; returns its name. */
  startRollout(request: unknown): Promise<string>;
  rolloutStatus(name: string): Promise<RolloutStatus>;
  /** Any execution started by ops (provisioning, resume, rollout, offboarding), found by its name. */
  executionStatus(name: string): Promise<RunStatus>;
}

/**
 * The ports the service works on: only the tenant reads it makes (so tests pass plain fakes), the
 * fleet summaries, the workflows and the clock.
 */
export interface OpsServiceDeps {
  tenants: Pick<Deps['tenants'], 'listTenants' | 'tenantBySubdomain' | 'getTenant' | 'claimExecution'>;
  fleet: Pick<Deps['fleet'], 'summaries'>;
  instances: Pick<Deps['instances'], 'getMany'>;
  workflows: Deps['workflows'];
  now: Deps['now'];
}

export function createOpsService({ tenants, fleet, instances, workflows, now }: OpsServiceDeps): OpsService {
  const bySubdomain = async (subdomain: string): Promise<Tenant> => {
    const tenant = await tenants.tenantBySubdomain(subdomain);
    if (!tenant) throw new OpsRefusal('not-found', { subdomain: `No tenant ${subdomain}` });
    return tenant;
  };

  const resume = async (tenant: Tenant): Promise<string> => {
    // A provisioning that failed, or stopped halfway (its execution gone); anything else is done, or gone on purpose.
    if (!RESUMABLE.has(tenant.status)) {
      throw new OpsRefusal('conflict', { status: `${tenant.subdomain} is ${tenant.status}; only FAILED tenants are resumed, or PENDING/PROVISIONING ones whose execution stopped` });
    }
    // Two executions on one tenant race each other's create-if-absent steps: the loser's MarkFailed would fail a tenant the other is finishing.
    if (tenant.status !== 'FAILED' && now().getTime() - Date.parse(tenant.updatedAt) < RECONCILE_GRACE_MS) {
      throw new OpsRefusal('conflict', { status: `${tenant.subdomain} was ${tenant.status === 'PENDING' ? 'signed up' : 'changed'} moments ago and its execution may still be starting: look again in ${Math.ceil(RECONCILE_GRACE_MS / 1000)} s` });
    }
    const current = await currentExecution(workflows, tenant);
    if (isRunning(current.state)) {
      throw new OpsRefusal('conflict', { status: `${tenant.subdomain} is ${tenant.status} and its execution ${current.name} is running: wait for it to end, or stop it first` });
    }
    try {
      return await claimAndStartResume({ tenants, workflows, now }, tenant);
    } catch (error) {
      if (error instanceof ResumeRaceError) throw new OpsRefusal('conflict', { status: `${tenant.subdomain} was resumed (or moved on) by someone else just now: look at it again before resuming` });
      throw error;
    }
  };

  const run = async (stateMachine: StateMachineName, name: string, missing: string): Promise<RunStatus> => {
    const state = await workflows.executionState(stateMachine, name);
    if (!state) throw new OpsRefusal('not-found', { name: `${missing} ${name}` });
    return { name, ...state };
  };

  return {
    async listTenants() {
      // With what is wrong with its mail, if anything: a bouncing admin address is customer success's to chase.
      return (await tenants.listTenants()).map((t) => ({ ...tenantRow(t), ...mailIssuesOf(t) }));
    },

    async showTenant(subdomain) {
      const tenant = await bySubdomain(subdomain);
      const records = await instances.getMany(instanceHosts(tenant.subdomain));
      return { tenant, instances: Object.fromEntries(records.map((r) => [r.env, r.state])) };
    },

    async resume(subdomain) {
      return resume(await bySubdomain(subdomain));
    },

    async resumeTenant(tenantId) {
      const tenant = await tenants.getTenant(tenantId);
      if (!tenant) throw new OpsRefusal('not-found', { tenantId: `No tenant ${tenantId}` });
      return resume(tenant);
    },

    async offboard(subdomain, force) {
      const tenant = await bySubdomain(subdomain);
      const refusal = offboardingRefusal(tenant, force);
      if (refusal) throw new OpsRefusal('conflict', { status: refusal });
      // Under the name the retention sweep would use, so the sweep does not start it again; when that
      // one ran already (a failed offboarding, say), as a repeat run of its own.
      const name = `offboard-${tenant.tenantId}`;
      if ((await workflows.startOffboarding(tenant.tenantId, name)) === 'started') return name;
      const repeat = `${name}-${now().getTime()}`;
      await workflows.startOffboarding(tenant.tenantId, repeat);
      return repeat;
    },

    async startRollout(request) {
      const parsed = rolloutRequestSchema.safeParse(request);
      if (!parsed.success) throw new OpsRefusal('invalid', fieldErrors(parsed.error));
      const name = rolloutRunName(parsed.data.version, now());
      await workflows.startFleetRollout(parsed.data, name);
      return name;
    },

    async rolloutStatus(name) {
      const status = await run('roll-out-fleet', name, 'No rollout');
      const summary = (await fleet.summaries(SUMMARIES_SEARCHED)).find((s) => s.runId === name);
      return { ...status, ...(summary ? { summary } : {}) };
    },

    executionStatus(name) {
      return run(stateMachineOfExecution(name), name, 'No execution');
    },
  };
}
