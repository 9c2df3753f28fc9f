import * as z from 'zod/mini';
import { DEFAULT_PRIMARY_COLOR } from './brand';
import { PLANS } from './lifecycle';
import { signupSchema } from './signup';

/**
 * A tenant customer service creates for a client who will not sign up themselves (`npm run ops --
 * tenants create`, the local /ops form): the signup's own fields and rules (reserved names
 * included), without what only guards the public form (terms, honeypot, CAPTCHA), plus the plan.
 * `paid` is billed outside Stripe Checkout (invoiced).
 */
export const onBehalfSchema = z.object({
  ...z.pick(signupSchema, { companyName: true, subdomain: true, adminName: true, adminEmail: true }).shape,
  primaryColor: z._default(signupSchema.shape.primaryColor, DEFAULT_PRIMARY_COLOR),
  plan: z._default(z.enum(PLANS, `Choose ${PLANS.join(' or ')}`), 'trial'),
});
export type OnBehalfInput = z.input<typeof onBehalfSchema>;
export type OnBehalf = z.output<typeof onBehalfSchema>;

/** 202 of a create on a client's behalf: the tenant, and its first provisioning execution (named by the tenant id). */
export const onBehalfCreatedSchema = z.object({ tenantId: z.string(), subdomain: z.string(), execution: z.string(), statusUrl: z.string() });
export type OnBehalfCreated = z.infer<typeof onBehalfCreatedSchema>;

/** The CLI's flag for each field, so its errors name what the operator typed. */
export const ON_BEHALF_FLAGS: Readonly<Record<keyof OnBehalf, string>> = {
  companyName: '--company',
  subdomain: '--subdomain',
  adminName: '--admin-name',
  adminEmail: '--admin-email',
  primaryColor: '--color',
  plan: '--plan',
};
