import type { Deps } from '../deps';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';
import { workflows } from '../lambda/workflows';

/** A signup whose StartExecution is older than this is presumed lost, not in flight. */
export const PENDING_GRACE_MS = 30_000;

type StartPendingDeps = Pick<Deps, 'logger' | 'now' | 'tenants' | 'workflows'>;

/**
 * Scheduled: starts provisioning for tenants still PENDING after the grace period (their
 * write succeeded, their StartExecution did not). Safe to run any time: executions are named
 * by tenant id, so a tenant is never provisioned twice.
 */
export function createStartPending({ tenants, workflows, logger, now }: StartPendingDeps) {
  return async (): Promise<{ started: string[] }> => {
    const before = new Date(now().getTime() - PENDING_GRACE_MS).toISOString();
    const started: string[] = [];
    for (const tenant of await tenants.listByStatus('PENDING', before, 50)) {
      try {
        if ((await workflows.startProvisioning({ tenantId: tenant.tenantId })) === 'started') started.push(tenant.tenantId);
      } catch (error) {
        logger.error('Reconciler could not start provisioning', { tenantId: tenant.tenantId, error });
      }
    }
    if (started.length > 0) logger.info('Reconciler started stuck signups', { started });
    return { started };
  };
}

export const handler = lambdaEntry(createStartPending, () => ({ ...core(), tenants: tables().tenants, workflows: workflows() }));
