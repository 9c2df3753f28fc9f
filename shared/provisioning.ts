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

/** One step's progress as recorded on the tenant item, keyed by step name. */
export const stepRecordSchema = z.object({
  status: stepStatusSchema,
  startedAt: z.optional(z.string()),
  endedAt: z.optional(z.string()),
  error: z.optional(z.string()),
});
export type StepRecord = z.infer<typeof stepRecordSchema>;

export const stepProgressSchema = z.extend(stepRecordSchema, { name: z.string() });
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

export function stepsDone(steps: readonly StepProgress[]): number {
  return steps.filter((s) => s.status === 'SUCCEEDED').length;
}

export function stepLabel(name: string): string {
  return PROVISIONING_STEPS.find((s) => s.name === name)?.label ?? name;
}
