import { lambdaEntry } from '../deps';
import { sesFromAddress } from './settings-of';
import { defineStep } from './run-step';

/**
 * The tenant's default sender is <subdomain>@<mail domain>, replying to the admin: nothing to
 * ask the client for at launch. This checks that SES will actually send as it.
 */
export const createConfigureMail = defineStep('ConfigureMail', async (tenant, { mail, platform }) => {
  await mail.assertCanSendAs(sesFromAddress(tenant, platform));
});

export const handler = lambdaEntry(createConfigureMail);
