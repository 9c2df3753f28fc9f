import { ENVIRONMENTS, instanceHost } from '../../shared/instance';
import { offboardStep } from './offboard-step';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';
import { dns } from '../lambda/dns';

/** The `<sub>` and `<sub>-stg` records. */
export const createRemoveDns = offboardStep('RemoveDns', async (tenant, { dns }) => {
  for (const env of ENVIRONMENTS) await dns.remove(instanceHost(tenant.subdomain, env));
});

export const handler = lambdaEntry(createRemoveDns, () => ({ ...core(), tenants: tables().tenants, dns: dns() }));
