import { fieldErrors } from '../../shared/signup';
import { onBehalfSchema, type OnBehalf, type OnBehalfCreated } from '../../shared/on-behalf';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { shadowedByZone } from '../tenant/zone';
import { newTenant, statusUrlOf } from '../api/signup';
import { OpsRefusal } from './ops-service';

/** Only what the create writes and checks: the AWS CLI runs it with the operator's credentials, the local /ops API on the embedded default. */
export type OnBehalfDeps = Pick<Deps, 'newId' | 'now'> & {
  signups: Pick<Deps['signups'], 'createSignup'>;
  workflows: Pick<Deps['workflows'], 'startProvisioning'>;
  dns: Pick<Deps['dns'], 'hasOwnRecord'>;
  /** Narrower than the Lambda logger: the CLI passes its own console lines. */
  logger: { info(message: string, extra: Record<string, unknown>): void; error(message: string, extra: Record<string, unknown>): void };
};

const TAKEN = {
  subdomain: 'This address is already taken; choose another subdomain',
  adminEmail: 'This email already holds a tenant; use another address',
} as const;

/**
 * Unlike a self-signup it carries no `verifyBy`: ops vouch for the address, so the tenant is its
 * admin's from the start and the trial clock and welcome mail follow ACTIVE with no verification mail.
 */
function tenantOnBehalf(input: OnBehalf, tenantId: string, now: string): Tenant {
  const { verifyBy: _noVerification, ...tenant } = newTenant(input, tenantId, now);
  return { ...tenant, plan: input.plan, ...(input.plan === 'paid' ? { billing: 'invoiced' as const } : {}), createdBy: 'ops' };
}

/**
 * Creates a tenant on a client's behalf (enterprise, invoiced clients who will not sign up
 * themselves): the signup's validation and uniqueness claims (the same store transaction), then
 * the same provisioning. No signup limits, CAPTCHA or disposable-domain refusal: ops are trusted.
 * Refusals are OpsRefusals with one message per field (`invalid` for bad input, `conflict` for a
 * name or email already held, nothing claimed then).
 */
export async function createTenantOnBehalf(deps: OnBehalfDeps, request: unknown): Promise<OnBehalfCreated> {
  const parsed = onBehalfSchema.safeParse(request);
  if (!parsed.success) throw new OpsRefusal('invalid', fieldErrors(parsed.error));
  const input = parsed.data;
  if (await shadowedByZone(deps.dns, input.subdomain)) throw new OpsRefusal('conflict', { subdomain: TAKEN.subdomain });
  const tenant = tenantOnBehalf(input, deps.newId(), deps.now().toISOString());
  const result = await deps.signups.createSignup(tenant);
  if (result.kind === 'taken') throw new OpsRefusal('conflict', Object.fromEntries(result.fields.map((f) => [f, TAKEN[f]])));
  if (result.kind !== 'created') throw new Error(`Unexpected signup result ${result.kind} without an idempotency key`);
  deps.logger.info('Tenant created on a client\'s behalf', { tenantId: tenant.tenantId, subdomain: tenant.subdomain, plan: tenant.plan });
  try {
    await deps.workflows.startProvisioning({ tenantId: tenant.tenantId });
  } catch (error) {
    // As for a signup: the tenant stays PENDING and the reconciler starts it under the same name.
    deps.logger.error('Provisioning did not start; the reconciler will retry', { tenantId: tenant.tenantId, error });
  }
  return { tenantId: tenant.tenantId, subdomain: tenant.subdomain, execution: tenant.tenantId, statusUrl: statusUrlOf(tenant.tenantId) };
}
