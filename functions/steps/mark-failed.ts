import type { Tenant } from '../../shared/tenant';
import type { ProvisionInput } from '../providers/workflows';
import { UnknownTenantError, type StepDeps } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';

/** What a Catch puts at $.failure (Step may be named by the state machine, e.g. a timeout). */
export interface CaughtFailure {
  Error: string;
  Cause?: string;
  Step?: string;
}
export interface FailureInput extends ProvisionInput {
  failure: CaughtFailure;
}

/** The step that failed: named by the state machine, else the last one recorded as FAILED or RUNNING. */
function failedStep(tenant: Tenant, failure: CaughtFailure): string {
  if (failure.Step) return failure.Step;
  const latest = (status: string) =>
    Object.entries(tenant.steps)
      .filter(([, s]) => s.status === status)
      .sort(([, a], [, b]) => (b.endedAt ?? b.startedAt ?? '').localeCompare(a.endedAt ?? a.startedAt ?? ''))[0]?.[0];
  return latest('FAILED') ?? latest('RUNNING') ?? 'unknown';
}

/** Cause strings from Lambda are JSON ({errorMessage, ...}); keep the message for people. */
export function causeText(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}

/** Catch target: the tenant goes FAILED with where and why, for the status page and for ops. */
export function createMarkFailed({ tenants, now }: StepDeps<'MarkFailed'>) {
  return async (input: FailureInput): Promise<FailureInput> => {
    const tenant = await tenants.getTenant(input.tenantId);
    if (!tenant) throw new UnknownTenantError(`No tenant ${input.tenantId}`);
    const at = now().toISOString();
    const step = failedStep(tenant, input.failure);
    const cause = causeText(input.failure.Cause);
    const record = tenant.steps[step];
    if (record && record.status !== 'FAILED') {
      await tenants.recordStep(tenant.tenantId, step, { ...record, status: 'FAILED', endedAt: at, error: cause || input.failure.Error });
    }
    await tenants.transition(tenant.tenantId, 'FAILED', at, { failure: { step, error: input.failure.Error, cause, at } });
    return input;
  };
}

export const handler = lambdaEntry(createMarkFailed, () => ({ ...core(), tenants: tables().tenants }));
