import * as z from 'zod/mini';
import type { InstanceRecord } from './instance-state';
import { planSchema, tenantStatusSchema } from './lifecycle';
import { welcomeMailNotice, welcomeMailSchema } from './mail-delivery';
import { pooledInstanceSchema } from './pool';
import { PROVISIONING_STEPS, stepRecordSchema, type TenantStatusView } from './provisioning';
import { migrateStoredSettings, smtpHealthSchema, tenantSettingsSchema } from './settings';

/** A tenant as the domain knows it (the store adds its keys around it). */
export const tenantSchema = z.object({
  tenantId: z.string(),
  subdomain: z.string(),
  companyName: z.string(),
  adminName: z.string(),
  adminEmail: z.string(),
  primaryColor: z.string(),
  plan: planSchema,
  status: tenantStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  trialEndsAt: z.optional(z.string()),
  steps: z.record(z.string(), stepRecordSchema),
  urls: z.object({ app: z.optional(z.string()), staging: z.optional(z.string()) }),
  version: z.number(),
  settings: z.optional(z.pipe(z.transform(migrateStoredSettings), tenantSettingsSchema)),
  /** Bumped by every accepted settings change; a PUT based on an older one is refused (409). */
  settingsVersion: z.optional(z.number()),
  smtpHealth: z.optional(smtpHealthSchema),
  /** Where and why provisioning last failed (for ops; the client sees a plain message). */
  failure: z.optional(z.object({ step: z.string(), error: z.string(), cause: z.string(), at: z.string() })),
  welcomeEmailSentAt: z.optional(z.string()),
  /** The welcome mail's delivery: claimed, sent, retried on its own, or given up (shared/mail-delivery.ts). */
  welcomeMail: z.optional(welcomeMailSchema),
  /** SES reported a hard bounce of the admin's address (functions/mail-events/): no more mail goes to it. */
  adminEmailBounce: z.optional(z.object({ at: z.string(), bounceType: z.string(), bounceSubType: z.string() })),
  /** Complaints (marked as spam) about mail sent for this tenant, as SES reported them. */
  complaintCount: z.optional(z.number()),
  lastComplaintAt: z.optional(z.string()),
  /**
   * Set on a self-signup: until the admin opens the verification mail's link (`emailVerifiedAt`) the
   * signup is not the admin's (no trial clock, no welcome mail, no instance link), and it is removed
   * when this passes (functions/tenant/email-verification.ts). Absent on tenants from before
   * verification existed (and on tenants created for a client by customer success): nothing to confirm.
   */
  verifyBy: z.optional(z.string()),
  /** When the admin opened the verification mail's link. */
  emailVerifiedAt: z.optional(z.string()),
  /** Who created the tenant when it was not a self-signup: `ops`, customer service on a client's behalf (functions/ops/create-on-behalf.ts). */
  createdBy: z.optional(z.literal('ops')),
  /**
   * How a paid tenant pays when not through Stripe: `invoiced`, billed by invoice outside Stripe
   * Checkout. Such a tenant has no trial to expire, no Upgrade to offer, and Stripe events leave it alone.
   */
  billing: z.optional(z.literal('invoiced')),
  // Billing (Stripe): the customer and the one subscription kept (functions/billing/stripe-events.ts).
  stripeCustomerId: z.optional(z.string()),
  stripeSubscriptionId: z.optional(z.string()),
  /** No longer written (billing state is read from Stripe, not ordered by event time); items from before still carry it. */
  billingEventAt: z.optional(z.number()),
  paidSince: z.optional(z.string()),
  trialReminderSentAt: z.optional(z.string()),
  offboardingRequestedAt: z.optional(z.string()),
  // Offboarding: when it finished, and when the subdomain and email become free again.
  deletedAt: z.optional(z.string()),
  claimsReleaseAt: z.optional(z.string()),
  claimsReleasedAt: z.optional(z.string()),
  /** What the drift check last found missing for this running tenant (absent: nothing). */
  drift: z.optional(z.object({ missing: z.array(z.string()), since: z.string(), checkedAt: z.string() })),
  /** How this tenant's last fleet rollout ended for it (the run's summary is built from these). The attribute keeps its stored name `lastUpgrade` (renaming it would need a data migration). */
  lastUpgrade: z.optional(z.object({ runId: z.string(), version: z.optional(z.string()), outcome: z.enum(['upgraded', 'rolled-back', 'failed']), error: z.optional(z.string()), at: z.string() })),
  /** The spaceOS version (image tag) both instances run; set at launch and by fleet rollouts. */
  appVersion: z.optional(z.string()),
  /** The warm-pool instance serving this tenant's production host until its own service takes over (shared/pool.ts). */
  pooledInstance: z.optional(pooledInstanceSchema),
  /**
   * The provisioning execution last started for this tenant by a resume (ops or the reconciler), claimed
   * together with `resumes`. Absent: the tenant's own first one, `<tenantId>` (or, on tenants resumed
   * before it was recorded, the last `<tenantId>-r<n>` that exists).
   */
  executionName: z.optional(z.string()),
  /** How many resumes were claimed: the last is `<tenantId>-r<resumes>`. A conditional write claims the next, so no two resumes share a number. */
  resumes: z.optional(z.number()),
  /**
   * The Postgres server holding the tenant's databases (shared/database-servers.ts), chosen once by
   * CreateDatabases; absent on tenants from before placement: `db-1`. `databaseConnections` is what
   * the placement counted on that server; `databaseReleasedAt` when offboarding gave it back.
   */
  databaseServer: z.optional(z.string()),
  databaseConnections: z.optional(z.number()),
  databaseReleasedAt: z.optional(z.string()),
  /** Restarts by the reconciler of an execution that stopped while the tenant was PENDING/PROVISIONING, since ops last resumed it (bounded). */
  reconcilerRestarts: z.optional(z.number()),
});
export type Tenant = z.infer<typeof tenantSchema>;

/** Whether the tenant is its admin's: nothing to confirm (`verifyBy` unset), or confirmed. */
export const isEmailVerified = (tenant: Pick<Tenant, 'verifyBy' | 'emailVerifiedAt'>) => !tenant.verifyBy || Boolean(tenant.emailVerifiedAt);

/**
 * What the public status endpoint may show. Deliberately leaves out the admin's name and email:
 * anyone holding the (unguessable) tenant id can read it.
 */
export function statusView(tenant: Tenant, instances: readonly Pick<InstanceRecord, 'env' | 'state'>[] = []): TenantStatusView {
  return {
    tenantId: tenant.tenantId,
    subdomain: tenant.subdomain,
    companyName: tenant.companyName,
    status: tenant.status,
    plan: tenant.plan,
    steps: PROVISIONING_STEPS.map(({ name }) => ({ name, status: 'PENDING' as const, ...tenant.steps[name] })),
    // The instance links are the admin's: not shown until the signup is verified.
    urls: isEmailVerified(tenant) ? tenant.urls : {},
    ...(isEmailVerified(tenant) ? {} : { awaitingEmailVerification: true as const }),
    ...(tenant.plan === 'trial' && tenant.trialEndsAt ? { trialEndsAt: tenant.trialEndsAt } : {}),
    ...(welcomeMailNotice(tenant.welcomeMail) ? { welcomeMail: welcomeMailNotice(tenant.welcomeMail) } : {}),
    ...(tenant.billing ? { billing: tenant.billing } : {}),
    ...(instances.length ? { instances: Object.fromEntries(instances.map((i) => [i.env, i.state])) } : {}),
  };
}
