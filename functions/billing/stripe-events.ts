import type Stripe from 'stripe';
import * as z from 'zod/mini';
import { statusForSubscription } from '../../shared/billing';
import { paymentFailedEmail, thankYouEmail } from '../../shared/emails';
import type { TenantStatus } from '../../shared/lifecycle';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import type { EventEffects } from '../providers/stripe-event-ledger';
import type { TenantChanges } from '../providers/tenant-store';
import { mailAdmin, type MailDeps } from '../tenant/tenant-mail';
import { sizeInstances, upgradeUrl, type Sizing } from './plan';

export type EventOutcome = 'applied' | 'stale' | 'ignored';

export type HandledEvent = { outcome: EventOutcome; effects?: EventEffects };

const idOf = (value: string | { id: string } | null | undefined) => (typeof value === 'string' ? value : value?.id);

/** Stripe ids are short; anything longer cannot be one (and would not fit in a DynamoDB key). */
const stripeId = z.string().check(z.minLength(1), z.maxLength(255));

/**
 * What every event must carry before it is claimed: the id it is claimed under and deduplicated
 * by, its type, and its time (the order of billing changes). A signed body without them is not a
 * Stripe event (400); one with them is acknowledged even when Launchpad cannot use its object.
 */
export const stripeEventEnvelopeSchema = z.looseObject({ id: stripeId, type: z.string(), created: z.int().check(z.minimum(0)) });

/** An expandable reference: the id, or the object it names (only its id is read). */
const reference = z.nullish(z.union([stripeId, z.looseObject({ id: stripeId })]));
const metadata = z.nullish(z.looseObject({ tenantId: z.optional(stripeId) }));

/**
 * What Launchpad reads of each event's `data.object`, and nothing more: the SDK's types say what
 * Stripe sends, these say what arrived. An object that does not match is ignored (and logged),
 * never half-read.
 */
const checkoutSessionSchema = z.looseObject({ client_reference_id: z.nullish(stripeId), metadata, customer: reference, subscription: reference });
const subscriptionSchema = z.looseObject({ id: stripeId, status: z.string(), metadata, customer: reference });
const invoiceSchema = z.looseObject({ customer: reference });

/**
 * Applies one verified Stripe event to its tenant. Each change is guarded twice: the lifecycle
 * table (a tenant cannot jump to a status it may not reach) and the event time (an older event
 * arriving late changes nothing). Side effects (instance size, mail) follow only an applied change:
 * they are returned, for `runEventEffects`.
 */
export function createStripeEventHandler(deps: Pick<Deps, 'tenants' | 'customers' | 'stripeEvents' | 'logger' | 'now'>) {
  const { tenants, customers, stripeEvents, logger, now } = deps;

  /** Applies the change; `effects` are stored on the event's claim with it (see `runEventEffects`). */
  const apply = async (
    tenant: Tenant,
    event: Stripe.Event,
    { to, set = {}, remove = [], ordered = true, effects }: { to?: TenantStatus; set?: TenantChanges; remove?: Array<keyof Tenant>; ordered?: boolean; effects?: EventEffects },
  ): Promise<HandledEvent> => {
    const change = { ...(to ? { to } : {}), at: now().toISOString(), ...(ordered ? { orderedAt: event.created } : {}), set, remove };
    const result = await tenants.applyBillingEvent(tenant.tenantId, change, effects && stripeEvents.effectsWrite(event.id, effects));
    if (result === 'applied') return { outcome: 'applied', ...(effects ? { effects } : {}) };
    logger.info('Billing event not applied (older than the last one, or not allowed now)', { tenantId: tenant.tenantId, type: event.type, id: event.id });
    return { outcome: 'stale' };
  };

  const tenantById = async (tenantId: string | null | undefined) => (tenantId ? await tenants.getTenant(tenantId) : undefined);
  const tenantByCustomer = async (customer: string | { id: string } | null | undefined) => {
    const id = idOf(customer);
    return tenantById(id ? await customers.tenantForCustomer(id) : undefined);
  };

  /** The event's object in the shape `schema` reads, or undefined (logged) when it is not. */
  const objectOf = <S extends z.core.$ZodType>(event: Stripe.Event, schema: S): z.output<S> | undefined => {
    // `data` is read as untrusted: a signed body is still only what the sender put in it.
    const parsed = z.safeParse(schema, (event as { data?: { object?: unknown } }).data?.object);
    if (parsed.success) return parsed.data;
    logger.warn('Stripe event without a usable object; acknowledged, nothing changed', { id: event.id, type: event.type, issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) });
    return undefined;
  };
  const IGNORED: HandledEvent = { outcome: 'ignored' };

  return async (event: Stripe.Event): Promise<HandledEvent> => {
    switch (event.type) {
      case 'checkout.session.completed': {
        const session = objectOf(event, checkoutSessionSchema);
        if (!session) return IGNORED;
        const tenant = await tenantById(session.client_reference_id ?? session.metadata?.tenantId);
        const customerId = idOf(session.customer);
        if (!tenant || !customerId) return { outcome: 'ignored' };
        await customers.linkCustomer(customerId, tenant.tenantId);
        const subscriptionId = idOf(session.subscription);
        // A completed checkout is a one-time fact, not a state to order: subscription events of the
        // same second may well arrive first. Its duplicates are stopped by the event-id claim.
        if (tenant.plan === 'paid') return { outcome: 'stale' };
        // Still a reference point for ordering later events: older ones must not undo it.
        const billingEventAt = Math.max(tenant.billingEventAt ?? 0, event.created);
        return apply(tenant, event, {
          to: 'ACTIVE',
          set: { plan: 'paid', paidSince: now().toISOString(), stripeCustomerId: customerId, billingEventAt, ...(subscriptionId ? { stripeSubscriptionId: subscriptionId } : {}) },
          remove: ['trialEndsAt'],
          ordered: false,
          effects: { tenantId: tenant.tenantId, size: 'paid', wake: tenant.status === 'SUSPENDED', mail: 'thank-you' },
        });
      }
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted': {
        const subscription = objectOf(event, subscriptionSchema);
        if (!subscription) return IGNORED;
        const tenant = (await tenantById(subscription.metadata?.tenantId)) ?? (await tenantByCustomer(subscription.customer));
        const to = event.type === 'customer.subscription.deleted' ? 'SUSPENDED' : statusForSubscription(subscription.status);
        if (!tenant || !to) return { outcome: 'ignored' };
        const effects: EventEffects | undefined =
          to === tenant.status ? undefined : to === 'SUSPENDED' ? { tenantId: tenant.tenantId, size: 'suspended' } : { tenantId: tenant.tenantId, size: 'paid', wake: tenant.status === 'SUSPENDED' };
        return apply(tenant, event, { to, set: { stripeSubscriptionId: subscription.id }, ...(effects ? { effects } : {}) });
      }
      case 'invoice.payment_failed': {
        const invoice = objectOf(event, invoiceSchema);
        if (!invoice) return IGNORED;
        const tenant = await tenantByCustomer(invoice.customer);
        if (!tenant) return { outcome: 'ignored' };
        return apply(tenant, event, { to: 'PAST_DUE', effects: { tenantId: tenant.tenantId, mail: 'payment-failed' } });
      }
      case 'invoice.paid': {
        const invoice = objectOf(event, invoiceSchema);
        if (!invoice) return IGNORED;
        const tenant = await tenantByCustomer(invoice.customer);
        if (!tenant || tenant.plan !== 'paid') return { outcome: 'ignored' };
        return apply(tenant, event, { to: 'ACTIVE', ...(tenant.status === 'SUSPENDED' ? { effects: { tenantId: tenant.tenantId, size: 'paid', wake: true } } : {}) });
      }
      default:
        // Launchpad uses no Stripe trials (trial_will_end) and subscribes to few events; the rest is noise.
        return { outcome: 'ignored' };
    }
  };
}

/** What carrying out an event's effects takes: sizing instances, mailing the admin as the tenant, an upgrade link. */
export type EffectDeps = Sizing & MailDeps & Pick<Deps, 'links'>;

/**
 * Carries out what an applied event calls for. Safe to run again: sizing converges (a woken
 * instance already on the fleet version is not redeployed), and a mail goes out twice at worst,
 * when a failure after the send is retried.
 */
export async function runEventEffects(deps: EffectDeps, effects: EventEffects): Promise<void> {
  const tenant = await deps.tenants.getTenant(effects.tenantId);
  if (!tenant) return;
  if (effects.size) await sizeInstances(deps, tenant, effects.size, { wake: effects.wake === true });
  if (effects.mail === 'thank-you') {
    await mailAdmin(deps, tenant, (brand) => thankYouEmail({ brand, adminName: tenant.adminName, companyName: tenant.companyName, appUrl: tenant.urls.app ?? deps.platform.siteUrl }));
  }
  if (effects.mail === 'payment-failed') {
    const url = await upgradeUrl(deps, tenant);
    await mailAdmin(deps, tenant, (brand) => paymentFailedEmail({ brand, adminName: tenant.adminName, companyName: tenant.companyName, upgradeUrl: url }));
  }
}
