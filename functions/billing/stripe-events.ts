import type Stripe from 'stripe';
import * as z from 'zod/mini';
import { billingStateOf, type BillingState } from '../../shared/billing';
import { paymentFailedEmail, thankYouEmail } from '../../shared/emails';
import { statusesAllowedBefore, type TenantStatus } from '../../shared/lifecycle';
import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import type { EventEffects } from '../providers/stripe-event-ledger';
import type { TenantChanges } from '../providers/tenant-store';
import { mailAdmin, type MailDeps } from '../tenant/tenant-mail';
import { cancelDuplicate } from './duplicates';
import { sizeInstances, upgradeUrl, type Sizing } from './plan';

/**
 * `applied`: the tenant changed; `unchanged`: it already matched billing's current state;
 * `refused`: the lifecycle does not allow it now (an offboarded tenant); `ignored`: not an event
 * Launchpad reads, or no tenant or customer to read for.
 */
export type EventOutcome = 'applied' | 'unchanged' | 'refused' | 'ignored';

export type HandledEvent = { outcome: EventOutcome; effects?: EventEffects };

const idOf = (value: string | { id: string } | null | undefined) => (typeof value === 'string' ? value : value?.id);

/** Stripe ids are short; anything longer cannot be one (and would not fit in a DynamoDB key). */
const stripeId = z.string().check(z.minLength(1), z.maxLength(255));

/**
 * What every event must carry before it is claimed: the id it is claimed under and deduplicated
 * by, and its type (and its time, which Stripe always sends). A signed body without them is not a
 * Stripe event (400); one with them is acknowledged even when Launchpad cannot use its object.
 */
export const stripeEventEnvelopeSchema = z.looseObject({ id: stripeId, type: z.string(), created: z.int().check(z.minimum(0)) });

/** An expandable reference: the id, or the object it names (only its id is read). */
const reference = z.nullish(z.union([stripeId, z.looseObject({ id: stripeId })]));
const metadata = z.nullish(z.looseObject({ tenantId: z.optional(stripeId) }));

/**
 * What Launchpad reads of each event's `data.object`, and nothing more: whose billing changed. What
 * changed is read from billing itself (`Billing.subscriptions`), never from the event: events
 * arrive late, twice and out of order, the current state does not. An object that does not match
 * is ignored (and logged), never half-read.
 */
const checkoutSessionSchema = z.looseObject({ client_reference_id: z.nullish(stripeId), metadata, customer: reference });
const subscriptionSchema = z.looseObject({ id: stripeId, metadata, customer: reference });
// A subscription's invoice carries the subscription's metadata (the tenant id) since mid 2023.
const invoiceSchema = z.looseObject({ customer: reference, parent: z.nullish(z.looseObject({ subscription_details: z.nullish(z.looseObject({ metadata })) })) });

/** Whose billing an event concerns: the tenant it names, the customer it names (either may be missing). */
type Concern = { tenantId?: string | undefined; customerId?: string | undefined };

const parse = <S extends z.core.$ZodType>(schema: S, object: unknown): z.output<S> | undefined => {
  const parsed = z.safeParse(schema, object);
  return parsed.success ? parsed.data : undefined;
};

/**
 * The events the webhook reads: the one list `npm run ops -- stripe-setup` subscribes the endpoint
 * to and preflight checks it against. Every other type is noise (Launchpad uses no Stripe trials,
 * so no trial_will_end); `concernOf` has a case for each of these and the compiler holds it to that.
 */
export const HANDLED_STRIPE_EVENTS = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice.payment_failed',
] as const satisfies readonly Stripe.Event.Type[];
export type HandledStripeEvent = (typeof HANDLED_STRIPE_EVENTS)[number];

const isHandled = (type: string): type is HandledStripeEvent => (HANDLED_STRIPE_EVENTS as readonly string[]).includes(type);

/** What a notice names, `unread` for events Launchpad does not read, `unusable` for an object it cannot read. */
function concernOf(event: Stripe.Event): Concern | 'unread' | 'unusable' {
  // `data` is read as untrusted: a signed body is still only what the sender put in it.
  const object = (event as { data?: { object?: unknown } }).data?.object;
  const named = (concern: Concern | undefined) => (concern && (concern.tenantId || concern.customerId) ? concern : 'unusable');
  const type: string = event.type;
  if (!isHandled(type)) return 'unread';
  switch (type) {
    case 'checkout.session.completed': {
      const session = parse(checkoutSessionSchema, object);
      return named(session && { tenantId: session.client_reference_id ?? session.metadata?.tenantId, customerId: idOf(session.customer) });
    }
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
    case 'customer.subscription.paused':
    case 'customer.subscription.resumed': {
      const subscription = parse(subscriptionSchema, object);
      return named(subscription && { tenantId: subscription.metadata?.tenantId, customerId: idOf(subscription.customer) });
    }
    case 'invoice.paid':
    case 'invoice.payment_succeeded':
    case 'invoice.payment_failed': {
      const invoice = parse(invoiceSchema, object);
      return named(invoice && { tenantId: invoice.parent?.subscription_details?.metadata?.tenantId, customerId: idOf(invoice.customer) });
    }
    default: {
      // A type added to HANDLED_STRIPE_EVENTS without its case here does not compile.
      const unread: never = type;
      return unread;
    }
  }
}

/** How often a change is worked out again when the tenant changed under it (concurrent deliveries). */
const ATTEMPTS = 5;

/** The tenant as billing's current state says it should be, and what follows from getting there. */
interface Change {
  to: TenantStatus;
  set: TenantChanges;
  remove: Array<keyof Tenant>;
  effects?: EventEffects;
}

/**
 * The change that brings `tenant` to `state`, or undefined when it is there. Effects follow only a
 * real change: sizing when the plan or the running state changes, the thank-you mail when the paid
 * plan starts, the payment-failed mail on entering PAST_DUE, and duplicates to cancel.
 */
export function changeFor(tenant: Tenant, state: Exclude<BillingState, { kind: 'none' }>): Change | undefined {
  const live = state.kind === 'live';
  const subscription = live ? state.keep : state.last;
  const to: TenantStatus = live ? state.status : 'SUSPENDED';
  const paidSince = live ? new Date(subscription.created * 1000).toISOString() : undefined;
  const duplicates = live ? state.duplicates.map((s) => s.id) : [];
  const same =
    tenant.status === to &&
    tenant.plan === (live ? 'paid' : 'trial') &&
    tenant.stripeSubscriptionId === subscription.id &&
    tenant.stripeCustomerId === subscription.customerId &&
    tenant.paidSince === paidSince &&
    tenant.trialEndsAt === undefined;
  if (same && duplicates.length === 0) return undefined;

  const effects: Omit<EventEffects, 'tenantId'> = {};
  if (to === 'SUSPENDED') {
    if (tenant.status !== 'SUSPENDED') effects.size = 'suspended';
  } else if (tenant.plan !== 'paid' || tenant.status === 'SUSPENDED') {
    effects.size = 'paid';
    effects.wake = tenant.status === 'SUSPENDED';
  }
  if (to === 'PAST_DUE' && tenant.status !== 'PAST_DUE') effects.mail = 'payment-failed';
  else if (live && tenant.plan !== 'paid') effects.mail = 'thank-you';
  if (duplicates.length > 0) effects.duplicates = duplicates;
  return {
    to,
    // Once a subscription existed the trial is over: paid while one lives, suspended after.
    set: { plan: live ? 'paid' : 'trial', stripeSubscriptionId: subscription.id, stripeCustomerId: subscription.customerId, ...(paidSince ? { paidSince } : {}) },
    remove: ['trialEndsAt', ...(paidSince ? [] : (['paidSince'] as const))],
    ...(Object.keys(effects).length > 0 ? { effects: { tenantId: tenant.tenantId, ...effects } } : {}),
  };
}

/**
 * Handles one verified Stripe event as a notice: finds the tenant it concerns (client_reference_id,
 * metadata.tenantId, or the customer linked at checkout), reads that tenant's subscriptions as
 * they are now from billing (its recorded customer and the event's), and applies what they say
 * (`billingStateOf`, `changeFor`). Delivery order and duplicates cannot matter: every event leads
 * to the same current state. The write is conditional on the tenant's version as read: when a
 * concurrent delivery changed the tenant first, the state is read again (billing too) and worked
 * out afresh, so the last write is always based on the latest read. Side effects (instance size,
 * mail, duplicate cancellation) follow only an applied change: they are returned, for
 * `runEventEffects`, and stored on the event's claim with the change.
 */
export function createStripeEventHandler(deps: Pick<Deps, 'tenants' | 'customers' | 'stripeEvents' | 'billing' | 'logger' | 'now'>) {
  const { tenants, customers, stripeEvents, billing, logger, now } = deps;
  const IGNORED: HandledEvent = { outcome: 'ignored' };

  const findTenant = async ({ tenantId, customerId }: Concern) => {
    const byId = tenantId ? await tenants.getTenant(tenantId) : undefined;
    if (byId) {
      // Later invoice events name only the customer.
      if (customerId) await customers.linkCustomer(customerId, byId.tenantId);
      return byId;
    }
    const linked = customerId ? await customers.tenantForCustomer(customerId) : undefined;
    return linked ? tenants.getTenant(linked) : undefined;
  };

  return async (event: Stripe.Event): Promise<HandledEvent> => {
    const named = concernOf(event);
    if (named === 'unread') return IGNORED;
    if (named === 'unusable') {
      logger.warn('Stripe event without a usable object; acknowledged, nothing changed', { id: event.id, type: event.type });
      return IGNORED;
    }
    let tenant = await findTenant(named);
    if (!tenant) {
      logger.info('Stripe event for no known tenant; acknowledged', { id: event.id, type: event.type });
      return IGNORED;
    }
    // Billed by invoice outside Stripe (created by ops): its plan is ops' to change, never a subscription's.
    if (tenant.billing === 'invoiced') {
      logger.warn('Stripe event for an invoiced tenant; acknowledged, nothing changed', { tenantId: tenant.tenantId, id: event.id, type: event.type });
      return IGNORED;
    }
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const customerIds = [...new Set([tenant.stripeCustomerId, named.customerId].filter((id): id is string => Boolean(id)))];
      const subscriptions = (await Promise.all(customerIds.map((id) => billing.subscriptions(id)))).flat();
      const state = billingStateOf(subscriptions, tenant.stripeSubscriptionId);
      // Nothing ever subscribed (a checkout paid with a first payment still pending): nothing to apply yet.
      if (state.kind === 'none') return { outcome: 'unchanged' };
      const change = changeFor(tenant, state);
      if (!change) return { outcome: 'unchanged' };
      if (!statusesAllowedBefore(change.to).includes(tenant.status)) {
        logger.warn('Billing state not applied: the tenant cannot move there now', { tenantId: tenant.tenantId, status: tenant.status, to: change.to, id: event.id });
        return { outcome: 'refused' };
      }
      const { effects, ...update } = change;
      const result = await tenants.applyBillingEvent(tenant.tenantId, { ...update, at: now().toISOString(), ifVersion: tenant.version }, effects && stripeEvents.effectsWrite(event.id, effects));
      if (result === 'applied') {
        // trialConverted: a trial's first subscription (never paid before); the TrialConverted metric filter counts these lines (infra/aws/constructs/operations.ts).
        const trialConverted = change.set.plan === 'paid' && tenant.plan !== 'paid' && !tenant.stripeSubscriptionId;
        logger.info('Billing state applied', { tenantId: tenant.tenantId, id: event.id, type: event.type, status: change.to, plan: change.set.plan, subscription: change.set.stripeSubscriptionId, duplicates: effects?.duplicates, trialConverted });
        return { outcome: 'applied', ...(effects ? { effects } : {}) };
      }
      const fresh = await tenants.getTenant(tenant.tenantId);
      if (!fresh) return IGNORED;
      tenant = fresh;
    }
    throw new Error(`Tenant ${tenant.tenantId} kept changing while its billing state was applied; Stripe retries the event`);
  };
}

/** What carrying out an event's effects takes: sizing instances, mailing the admin as the tenant, an upgrade link, billing for duplicates. */
export type EffectDeps = Sizing & MailDeps & Pick<Deps, 'links' | 'billing'>;

/**
 * Carries out what an applied change calls for. Safe to run again: sizing converges (a woken
 * instance already on the fleet version is not redeployed), cancelling and refunding a duplicate
 * happen once, and a mail goes out twice at worst, when a failure after the send is retried.
 */
export async function runEventEffects(deps: EffectDeps, effects: EventEffects): Promise<void> {
  const tenant = await deps.tenants.getTenant(effects.tenantId);
  if (!tenant) return;
  // First: a second subscription must stop charging even if what follows fails.
  for (const subscriptionId of effects.duplicates ?? []) await cancelDuplicate(deps, tenant, subscriptionId);
  if (effects.size) await sizeInstances(deps, tenant, effects.size, { wake: effects.wake === true });
  if (effects.mail === 'thank-you') {
    await mailAdmin(deps, tenant, (brand) => thankYouEmail({ brand, adminName: tenant.adminName, companyName: tenant.companyName, appUrl: tenant.urls.app ?? deps.platform.siteUrl }));
  }
  if (effects.mail === 'payment-failed') {
    const url = await upgradeUrl(deps, tenant);
    await mailAdmin(deps, tenant, (brand) => paymentFailedEmail({ brand, adminName: tenant.adminName, companyName: tenant.companyName, upgradeUrl: url }));
  }
}
