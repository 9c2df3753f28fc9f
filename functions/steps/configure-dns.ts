import { ENVIRONMENTS, instanceHost } from '../../shared/instance';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';
import { dns } from '../lambda/dns';

/** DNS records for <sub> and <sub>-stg (upserts: a rerun changes nothing). */
export const createConfigureDns = defineStep('ConfigureDns', async (tenant, { dns }) => {
  for (const env of ENVIRONMENTS) await dns.upsert(instanceHost(tenant.subdomain, env));
});

export const handler = lambdaEntry(createConfigureDns, () => ({ ...core(), tenants: tables().tenants, dns: dns() }));
