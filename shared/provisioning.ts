import * as z from 'zod/mini';
import { planSchema, tenantStatusSchema } from './lifecycle';

/**
 * The provisioning steps a client sees, in order. Every Task state of
 * statemachines/provision-tenant.asl.json appears here (a test holds the two together).
 */
export const PROVISIONING_STEPS = [
  { name: 'MarkProvisioning', label: 'Reserving your workspace' },
] as const;
export type ProvisioningStepName = (typeof PROVISIONING_STEPS)[number]['name'];

export const STEP_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export const stepStatusSchema = z.enum(STEP_STATUSES);
export type StepStatus = z.infer<typeof stepStatusSchema>;

export const stepProgressSchema = z.object({
  name: z.string(),
  status: stepStatusSchema,
  startedAt: z.optional(z.string()),
  endedAt: z.optional(z.string()),
  error: z.optional(z.string()),
});
export type StepProgress = z.infer<typeof stepProgressSchema>;

/** GET /api/tenants/{id}/status: what the live progress page shows. */
export const tenantStatusViewSchema = z.object({
  tenantId: z.string(),
  subdomain: z.string(),
  companyName: z.string(),
  status: tenantStatusSchema,
  plan: planSchema,
  steps: z.array(stepProgressSchema),
  urls: z.object({ app: z.optional(z.string()), staging: z.optional(z.string()) }),
});
export type TenantStatusView = z.infer<typeof tenantStatusViewSchema>;

/** Share of steps finished, 0..1, for the progress bar. */
export function progressOf(steps: readonly StepProgress[]): number {
  if (steps.length === 0) return 0;
  return steps.filter((s) => s.status === 'SUCCEEDED').length / steps.length;
}

export function stepLabel(name: string): string {
  return PROVISIONING_STEPS.find((s) => s.name === name)?.label ?? name;
}
