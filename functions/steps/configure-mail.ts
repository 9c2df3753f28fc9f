import { sesFromAddress } from '../tenant/settings-of';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { mail } from '../lambda/mail';

/**
 * The tenant's default sender is <subdomain>@<mail domain>, replying to the admin: nothing to
 * ask the client for at launch. This checks that SES will actually send as it.
 */
export const createConfigureMail = defineStep('ConfigureMail', async (tenant, { mail, platform }) => {
  await mail.assertCanSendAs(sesFromAddress(tenant, platform));
});

export const handler = lambdaEntry(createConfigureMail, () => ({ ...core(), tenants: tables().tenants, mail: mail(), platform: platform() }));
