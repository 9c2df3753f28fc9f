import { offboardingFailedEmail } from '../../shared/emails';
import { lambdaEntry } from '../deps';
import { fleetStep } from './fleet-step';

/** Tells ops where offboarding stopped; every step is idempotent, so running it again finishes the job. */
export const createNotifyOffboardingFailed = fleetStep(
  'NotifyOffboardingFailed',
  async (input: { tenantId: string; executionName?: string; failure: { Error: string; Cause?: string } }, { store, mail, platform }) => {
    const tenant = await store.getTenant(input.tenantId);
    const email = offboardingFailedEmail({
      tenant: tenant ? `${tenant.companyName} (${tenant.subdomain}, ${tenant.tenantId})` : input.tenantId,
      error: `${input.failure.Error}: ${input.failure.Cause ?? ''}`,
      ...(platform.executionUrlTemplate && input.executionName ? { executionUrl: platform.executionUrlTemplate.replace('{executionName}', input.executionName) } : {}),
    });
    await mail.send({ ...email, from: platform.launchpadSender, to: [platform.opsEmail] });
    return input;
  },
);

export const handler = lambdaEntry(createNotifyOffboardingFailed);
