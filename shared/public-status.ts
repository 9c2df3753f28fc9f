import type { TenantStatusView } from './provisioning';

/** What the client reads for a failed step, whatever the cause was. */
export const FAILED_STEP_MESSAGE = 'This step did not complete. Our team has been alerted and will finish it for you.';

/**
 * The status view as anyone holding the tenant id may read it: a failed step says so in plain words,
 * while why it failed (a Postgres or AWS message naming hosts, roles, the input) stays with ops, in
 * the tenant's `failure`, the NotifyOps mail and the logs.
 */
export function publicStatusView(view: TenantStatusView): TenantStatusView {
  return {
    ...view,
    steps: view.steps.map(({ error: _cause, ...step }) => (step.status === 'FAILED' ? { ...step, error: FAILED_STEP_MESSAGE } : step)),
  };
}
