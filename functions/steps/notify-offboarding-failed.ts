import { offboardingFailedEmail } from '../../shared/emails';
import { fleetStep } from './fleet-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { mail } from '../lambda/mail';

/** Tells ops where offboarding stopped; every step is idempotent, so running it again finishes the job. */
export const createNotifyOffboardingFailed = fleetStep(
  'NotifyOffboardingFailed',
  async (input: { tenantId: string; executionName?: string; failure: { Error: string; Cause?: string } }, { tenants, mail, platform }) => {
    const tenant = await tenants.getTenant(input.tenantId);
    const email = offboardingFailedEmail({
      tenant: tenant ? `${tenant.companyName} (${tenant.subdomain}, ${tenant.tenantId})` : input.tenantId,
      error: `${input.failure.Error}: ${input.failure.Cause ?? ''}`,
      ...(platform.executionUrlTemplate && input.executionName ? { executionUrl: platform.executionUrlTemplate.replace('{executionName}', input.executionName) } : {}),
    });
    await mail.send({ ...email, from: platform.launchpadSender, to: [platform.opsEmail] });
    return input;
  },
);

export const handler = lambdaEntry(createNotifyOffboardingFailed, () => ({ ...core(), tenants: tables().tenants, mail: mail(), platform: platform() }));
