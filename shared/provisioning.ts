import * as z from 'zod/mini';
import { ENVIRONMENTS } from './instance';
import { instanceStateSchema } from './instance-state';
import { planSchema, tenantStatusSchema } from './lifecycle';
import { STEP_CATALOGUE, stepsOf, type StepFacts } from './step-catalogue';

/**
 * The provisioning steps a client sees, in order: the provision-tenant Tasks of the step catalogue
 * that have a label (a test holds them to the ASL). Each weighs its modelled AWS duration.
 */
export const PROVISIONING_STEPS = stepsOf('provision-tenant').flatMap((name) => {
  const facts: StepFacts = STEP_CATALOGUE[name];
  return facts.label && facts.aws ? [{ name, label: facts.label, typicalSeconds: facts.aws.p50 }] : [];
});

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
  trialEndsAt: z.optional(z.string()),
  /** The admin has not opened the verification mail's link yet: the instance is not handed over. */
  awaitingEmailVerification: z.optional(z.literal(true)),
  /** Each instance's state (running, sleeping, waking, stopped), once it exists. */
  instances: z.optional(z.partialRecord(z.enum(ENVIRONMENTS), instanceStateSchema)),
  /** The welcome mail could not be delivered yet (retried on its own) or at all: the page says so, never why. */
  welcomeMail: z.optional(z.enum(['retrying', 'failed'])),
  /** Billed by invoice (created by ops on the paid plan): no Stripe, nothing to manage from this page. */
  billing: z.optional(z.literal('invoiced')),
});
export type TenantStatusView = z.infer<typeof tenantStatusViewSchema>;

export function stepsDone(steps: readonly StepProgress[]): number {
  return steps.filter((s) => s.status === 'SUCCEEDED').length;
}

const typicalSeconds = (name: string) => PROVISIONING_STEPS.find((s) => s.name === name)?.typicalSeconds ?? 1;

/**
 * Share of the work done, 0..1, weighting steps by their typical duration on AWS (waiting for
 * Fargate dominates), so the bar moves the way time passes.
 */
export function progressOf(steps: readonly StepProgress[]): number {
  const total = steps.reduce((sum, s) => sum + typicalSeconds(s.name), 0);
  const done = steps.filter((s) => s.status === 'SUCCEEDED').reduce((sum, s) => sum + typicalSeconds(s.name), 0);
  return total === 0 ? 0 : done / total;
}

/**
 * The bar's whole percent: 100 only once every step has succeeded. The last steps weigh well under
 * 1 % (the welcome mail against a minute of Fargate start), so rounding alone would show 100 early.
 */
export function progressPercent(steps: readonly StepProgress[]): number {
  if (steps.length > 0 && steps.every((s) => s.status === 'SUCCEEDED')) return 100;
  return Math.min(99, Math.round(progressOf(steps) * 100));
}

/**
 * Seconds left, extrapolated from how long the finished share took here: it adapts to where it
 * runs (seconds on the embedded default, a minute or two on AWS). Undefined until there is a basis.
 */
export function secondsLeft(steps: readonly StepProgress[], now: number): number | undefined {
  const started = steps.map((s) => (s.startedAt ? Date.parse(s.startedAt) : NaN)).filter((t) => !Number.isNaN(t));
  const progress = progressOf(steps);
  if (started.length === 0 || progress <= 0 || progress >= 1) return undefined;
  const elapsed = (now - Math.min(...started)) / 1000;
  return Math.max(1, Math.round((elapsed * (1 - progress)) / progress));
}

export function stepLabel(name: string): string {
  return PROVISIONING_STEPS.find((s) => s.name === name)?.label ?? name;
}
