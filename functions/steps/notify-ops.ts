import { opsAlertEmail } from '../../shared/emails';
import type { FailureInput } from './mark-failed';
import { UnknownTenantError, type StepDeps } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { mail } from '../lambda/mail';

/** Mails customer success: tenant, failed step, error, and how to resume. */
export function createNotifyOps({ tenants, mail, platform }: StepDeps<'NotifyOps'>) {
  return async (input: FailureInput & { executionName?: string }): Promise<FailureInput> => {
    const tenant = await tenants.getTenant(input.tenantId);
    if (!tenant) throw new UnknownTenantError(`No tenant ${input.tenantId}`);
    const failure = tenant.failure ?? { step: 'unknown', error: input.failure.Error, cause: input.failure.Cause ?? '', at: '' };
    const email = opsAlertEmail({
      tenantId: tenant.tenantId,
      subdomain: tenant.subdomain,
      companyName: tenant.companyName,
      step: failure.step,
      error: failure.error,
      cause: failure.cause,
      resumeHow: platform.resumeHow.replace('{tenantId}', tenant.tenantId),
      ...(platform.executionUrlTemplate && input.executionName ? { executionUrl: platform.executionUrlTemplate.replace('{executionName}', input.executionName) } : {}),
    });
    await mail.send({ ...email, from: platform.launchpadSender, to: [platform.opsEmail] });
    return input;
  };
}

export const handler = lambdaEntry(createNotifyOps, () => ({ ...core(), tenants: tables().tenants, mail: mail(), platform: platform() }));
