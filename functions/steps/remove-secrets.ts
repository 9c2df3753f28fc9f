import { databaseSecretName, ENVIRONMENTS, smtpSecretName } from '../../shared/instance';
import { offboardStep } from './offboard-step';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';
import { secrets } from '../lambda/secrets';

/**
 * The tenant's secrets: database passwords and its SMTP password (its only mail identity of its
 * own; senders on the shared SES domain need no removal).
 */
export const createRemoveSecrets = offboardStep('RemoveSecrets', async (tenant, { secrets }) => {
  for (const name of [...ENVIRONMENTS.map((env) => databaseSecretName(tenant.tenantId, env)), smtpSecretName(tenant.tenantId)]) await secrets.delete(name);
});

export const handler = lambdaEntry(createRemoveSecrets, () => ({ ...core(), tenants: tables().tenants, secrets: secrets() }));
