import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { LEGACY_MAX_RESUMES, resumedExecutionName, type ExecutionState, type Workflows } from '../providers/workflows';

/**
 * A tenant that entered PENDING/PROVISIONING (or was resumed) less than this ago is left alone, by
 * the reconciler and by a resume from ops: its StartExecution may still be in flight, its first step not yet run.
 */
export const RECONCILE_GRACE_MS = 30_000;

/** A tenant's current provisioning execution: its name, and where it stands (undefined: it does not exist). */
export interface CurrentExecution {
  name: string;
  state: ExecutionState | undefined;
}

/**
 * The execution responsible for the tenant's provisioning now: the one recorded on the tenant by the
 * last resume, else (the naming rule) `<tenantId>`, or on a tenant resumed before executions were
 * recorded, the last `<tenantId>-r<n>` that exists (the old rule took the first free name).
 */
export async function currentExecution(workflows: Pick<Workflows, 'executionState'>, tenant: Pick<Tenant, 'tenantId' | 'executionName'>): Promise<CurrentExecution> {
  const describe = (name: string) => workflows.executionState('provision-tenant', name);
  if (tenant.executionName) return { name: tenant.executionName, state: await describe(tenant.executionName) };
  let current: CurrentExecution = { name: tenant.tenantId, state: await describe(tenant.tenantId) };
  // A tenant never started has no resumes either; otherwise walk the old rule's names while they exist.
  for (let n = 1; current.state && n <= LEGACY_MAX_RESUMES; n++) {
    const name = resumedExecutionName(tenant.tenantId, n);
    const state = await describe(name);
    if (!state) break;
    current = { name, state };
  }
  return current;
}

/** The tenant changed since it was read (another resume won, or its status moved on): nothing was started. */
export class ResumeRaceError extends Error {
  override name = 'ResumeRaceError';
  constructor(readonly tenantId: string) {
    super(`Tenant ${tenantId} changed while it was being resumed (another resume claimed it, or its status moved on)`);
  }
}

type RunDeps = { tenants: Pick<Deps['tenants'], 'claimExecution'>; workflows: Pick<Workflows, 'resumeProvisioning'>; now: Deps['now'] };

/**
 * Resumes a tenant's provisioning as a new execution `<tenantId>-r<n>`, n claimed on the tenant
 * (TenantStore.claimExecution: a conditional write on the `resumes` and status read in `tenant`), so
 * two resumes racing never both start one (the loser gets ResumeRaceError), and there is no ceiling:
 * the counter only grows. A name the engine already holds (resumes from before the counter, which
 * took names without counting) is skipped by claiming the next. `reconcilerRestarts` is the
 * reconciler's count to record; a resume by ops clears it. Returns the execution's name.
 */
export async function claimAndStartResume({ tenants, workflows, now }: RunDeps, tenant: Pick<Tenant, 'tenantId' | 'status' | 'resumes'>, reconcilerRestarts?: number): Promise<string> {
  let seen = tenant.resumes;
  // The old rule used at most LEGACY_MAX_RESUMES names: past those, every claimed number is new to the engine.
  for (let skipped = 0; skipped <= LEGACY_MAX_RESUMES; skipped++) {
    const resumes = (seen ?? 0) + 1;
    const name = resumedExecutionName(tenant.tenantId, resumes);
    const claimed = await tenants.claimExecution(tenant.tenantId, now().toISOString(), {
      status: tenant.status,
      seen,
      resumes,
      executionName: name,
      ...(reconcilerRestarts === undefined ? {} : { reconcilerRestarts }),
    });
    if (!claimed) throw new ResumeRaceError(tenant.tenantId);
    if ((await workflows.resumeProvisioning(tenant.tenantId, name)) === 'started') return name;
    seen = resumes;
  }
  throw new Error(`Every name from ${resumedExecutionName(tenant.tenantId, (tenant.resumes ?? 0) + 1)} to ${resumedExecutionName(tenant.tenantId, (seen ?? 0))} is taken in the engine: more than the old naming rule could have used`);
}
