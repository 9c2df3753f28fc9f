import { PROVISIONING_STEPS } from '../../shared/provisioning';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { isRunning } from '../providers/workflows';
import { createNotifyOps } from '../steps/notify-ops';
import { claimAndStartResume, currentExecution, RECONCILE_GRACE_MS, ResumeRaceError } from './provisioning-runs';

export { RECONCILE_GRACE_MS };
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { mail } from '../lambda/mail';
import { tables } from '../lambda/tables';
import { workflows } from '../lambda/workflows';

/** The name the signup reconciler had: the same grace. */
export const PENDING_GRACE_MS = RECONCILE_GRACE_MS;
/**
 * How many times the reconciler restarts a tenant's provisioning on its own before it marks the
 * tenant FAILED and alerts ops (a resume by ops gives a fresh budget): an execution that keeps
 * dying needs a person, not a loop.
 */
export const MAX_RECONCILER_RESTARTS = 3;
/** Tenants looked at per status and run (oldest first); the next run takes the rest. */
const BATCH = 100;

type ReconcilerDeps = Pick<Deps, 'logger' | 'now' | 'tenants' | 'workflows' | 'mail' | 'platform'>;

export interface ReconcileResult {
  /** Signups whose own StartExecution was lost, started under `<tenantId>`. */
  started: string[];
  /** Tenants whose execution had stopped, resumed as a new execution. */
  restarted: string[];
  /** Tenants given up on: FAILED with an `ExecutionLost` failure, ops alerted. */
  failed: string[];
}

/** The step an execution that stopped was at: the one still shown running, else the first not done. */
function stoppedAt(tenant: Tenant): string {
  const running = Object.entries(tenant.steps)
    .filter(([, s]) => s.status === 'RUNNING')
    .sort(([, a], [, b]) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''))[0]?.[0];
  return running ?? PROVISIONING_STEPS.find((s) => tenant.steps[s.name]?.status !== 'SUCCEEDED')?.name ?? 'unknown';
}

/**
 * Scheduled: repairs provisionings that stopped moving. A tenant PENDING or PROVISIONING past the
 * grace period whose current execution (currentExecution) is not running is
 * - started under `<tenantId>` when it never had one (the signup's StartExecution was lost), else
 * - restarted as a new execution (the resume naming), up to MAX_RECONCILER_RESTARTS times, unless
 *   a person stopped it (ABORTED: restarting would undo them), else
 * - marked FAILED (step, `ExecutionLost`, the execution and its status) and ops alerted (NotifyOps).
 * A running execution is left alone. Every action is logged with the tenant and execution; a run
 * whose alert could not be sent fails (the job's Errors alarm) after doing the rest.
 */
export function createStartPending(deps: ReconcilerDeps) {
  const { tenants, workflows, logger, now } = deps;
  const notifyOps = createNotifyOps(deps);

  const giveUp = async (tenant: Tenant, execution: string, status: string, restarts: number, result: ReconcileResult) => {
    const at = now().toISOString();
    const step = stoppedAt(tenant);
    const restartedText = restarts > 0 ? `; the reconciler restarted it ${restarts} time${restarts === 1 ? '' : 's'} already` : '';
    const why = status === 'ABORTED' ? 'was stopped (ABORTED), so it was not restarted' : status === 'MISSING' ? 'does not exist' : `ended ${status}`;
    const cause = `Provisioning execution ${execution} ${why} while the tenant was ${tenant.status}${restartedText}. Resume once the cause is found.`;
    if (!(await tenants.failLostExecution(tenant.tenantId, at, tenant, { step, error: 'ExecutionLost', cause, at }))) {
      logger.info('Reconciler left a tenant that changed meanwhile', { tenantId: tenant.tenantId, execution });
      return;
    }
    const record = tenant.steps[step];
    // The status page would show that step running forever.
    if (record?.status === 'RUNNING') await tenants.recordStep(tenant.tenantId, step, { ...record, status: 'FAILED', endedAt: at, error: cause });
    logger.error('Reconciler marked a tenant FAILED: its provisioning execution is gone', { tenantId: tenant.tenantId, execution, executionStatus: status, step, restarts });
    result.failed.push(tenant.tenantId);
    await notifyOps({ tenantId: tenant.tenantId, failure: { Error: 'ExecutionLost', Cause: cause, Step: step }, executionName: execution });
  };

  const reconcile = async (listed: Tenant, before: string, result: ReconcileResult) => {
    // The index is eventually consistent: act on the tenant as it is now.
    const tenant = await tenants.getTenant(listed.tenantId);
    if (!tenant || (tenant.status !== 'PENDING' && tenant.status !== 'PROVISIONING')) return;
    // Resumed (or otherwise written) within the grace period: its execution may not be visible yet.
    if (tenant.updatedAt > before) return;
    const { name, state } = await currentExecution(workflows, tenant);
    if (isRunning(state)) return;
    if (!state && name === tenant.tenantId && tenant.status === 'PENDING') {
      // Named by tenant id: if the signup's start did get through meanwhile, this starts nothing.
      if ((await workflows.startProvisioning({ tenantId: tenant.tenantId })) === 'started') {
        logger.info('Reconciler started provisioning whose StartExecution was lost', { tenantId: tenant.tenantId, execution: name });
        result.started.push(tenant.tenantId);
      }
      return;
    }
    const status = state?.status ?? 'MISSING';
    const restarts = tenant.reconcilerRestarts ?? 0;
    if (status === 'ABORTED' || restarts >= MAX_RECONCILER_RESTARTS) return giveUp(tenant, name, status, restarts, result);
    try {
      const next = await claimAndStartResume(deps, tenant, restarts + 1);
      logger.warn('Reconciler restarted a provisioning whose execution had stopped', { tenantId: tenant.tenantId, execution: name, executionStatus: status, error: state?.error, restartedAs: next, restart: restarts + 1 });
      result.restarted.push(tenant.tenantId);
    } catch (error) {
      if (!(error instanceof ResumeRaceError)) throw error;
      logger.info('Reconciler left a tenant that was resumed or moved on meanwhile', { tenantId: tenant.tenantId, execution: name });
    }
  };

  return async (): Promise<ReconcileResult> => {
    const before = new Date(now().getTime() - RECONCILE_GRACE_MS).toISOString();
    const result: ReconcileResult = { started: [], restarted: [], failed: [] };
    const errors: unknown[] = [];
    for (const status of ['PENDING', 'PROVISIONING'] as const) {
      for (const tenant of await tenants.listByStatus(status, before, BATCH)) {
        try {
          await reconcile(tenant, before, result);
        } catch (error) {
          errors.push(error);
          logger.error('Reconciler could not repair a stuck provisioning', { tenantId: tenant.tenantId, error });
        }
      }
    }
    if (result.started.length + result.restarted.length + result.failed.length > 0) logger.info('Reconciler run', { ...result });
    // Logged one by one above; failing the run as well raises the job's Errors alarm, so a stuck tenant is never only a log line.
    if (errors.length > 0) throw new AggregateError(errors, `Reconciler: ${errors.length} tenant(s) could not be repaired or their alert sent`);
    return result;
  };
}

export const handler = lambdaEntry(createStartPending, () => ({ ...core(), platform: platform(), mail: mail(), tenants: tables().tenants, workflows: workflows() }));
