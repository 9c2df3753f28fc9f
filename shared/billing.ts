import type { TenantStatus } from './lifecycle';

/** The paid plan as the upgrade page shows it (the Stripe price id comes from configuration). */
export const PAID_PLAN = {
  name: 'spaceOS Business',
  price: '€149 per month',
  changes: [
    'No end date: your instance keeps running after the trial',
    'Twice the capacity for your production instance',
    'Your data, settings and staging copy stay exactly as they are',
    'Cancel or change payment details at any time in the billing portal',
  ],
} as const;

export const TRIAL_REMINDER_DAYS = 3;
/** How long a suspended tenant is kept before it is marked for offboarding. */
export const SUSPENDED_RETENTION_DAYS = 30;

/**
 * Stripe subscription status -> tenant status. Anything Stripe may add later maps to nothing
 * (ignored) rather than to a guess. `incomplete_expired` is a first payment that never went
 * through: nothing was ever paid, so it ends nothing either (a trial runs on).
 */
export function statusForSubscription(status: string): TenantStatus | undefined {
  switch (status) {
    case 'active':
    case 'trialing':
      return 'ACTIVE';
    case 'past_due':
    case 'unpaid':
      return 'PAST_DUE';
    case 'canceled':
      return 'SUSPENDED';
    default:
      return undefined;
  }
}

/** A subscription as billing's source of truth (Stripe, or the local billing) reports it now. */
export interface SubscriptionState {
  id: string;
  customerId: string;
  /** Stripe's status: active, past_due, canceled, ... */
  status: string;
  /** Unix seconds. */
  created: number;
}

/** A subscription that charges (or is trying to): the paid plan is the tenant's while one exists. */
export const isLiveSubscription = (status: string) => {
  const mapped = statusForSubscription(status);
  return mapped === 'ACTIVE' || mapped === 'PAST_DUE';
};

/**
 * What a tenant's subscriptions, as they are now, say about it: `none` (never subscribed, or
 * nothing that ever started: the trial is untouched), `live` (paid; `keep` is the one subscription
 * recorded, any other live one is a `duplicate` to cancel and refund), or `ended` (it was paid and
 * no subscription is live: suspended). A function of the current state only, never of the events
 * that reported it, so their order and repetition cannot change the outcome. `recorded` (the
 * subscription the tenant already holds) is kept while it lives; otherwise the oldest.
 */
export type BillingState =
  | { kind: 'none' }
  | { kind: 'live'; keep: SubscriptionState; status: 'ACTIVE' | 'PAST_DUE'; duplicates: SubscriptionState[] }
  | { kind: 'ended'; last: SubscriptionState };

const oldestFirst = (a: SubscriptionState, b: SubscriptionState) => a.created - b.created || a.id.localeCompare(b.id);

export function billingStateOf(subscriptions: readonly SubscriptionState[], recorded?: string): BillingState {
  const unique = [...new Map(subscriptions.map((s) => [s.id, s])).values()].sort(oldestFirst);
  const live = unique.filter((s) => isLiveSubscription(s.status));
  const keep = live.find((s) => s.id === recorded) ?? live[0];
  if (keep) return { kind: 'live', keep, status: statusForSubscription(keep.status) === 'PAST_DUE' ? 'PAST_DUE' : 'ACTIVE', duplicates: live.filter((s) => s !== keep) };
  const ended = unique.filter((s) => statusForSubscription(s.status) === 'SUSPENDED');
  const last = ended.find((s) => s.id === recorded) ?? ended.at(-1);
  return last ? { kind: 'ended', last } : { kind: 'none' };
}

export const daysLeft = (until: string, now: number) => Math.max(0, Math.ceil((Date.parse(until) - now) / 86_400_000));

/** After offboarding, a subdomain and an email stay claimed this long (a returning client, a mistaken offboarding). */
export const CLAIMS_COOLING_OFF_DAYS = 30;
