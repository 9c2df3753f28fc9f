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
 * (ignored) rather than to a guess.
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
    case 'incomplete_expired':
      return 'SUSPENDED';
    default:
      return undefined;
  }
}

export const daysLeft = (until: string, now: number) => Math.max(0, Math.ceil((Date.parse(until) - now) / 86_400_000));

/** After offboarding, a subdomain and an email stay claimed this long (a returning client, a mistaken offboarding). */
export const CLAIMS_COOLING_OFF_DAYS = 30;
