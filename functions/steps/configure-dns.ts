import { ENVIRONMENTS, instanceHost } from '../../shared/instance';
import { lambdaEntry } from '../deps';
import { defineStep } from './run-step';

/** DNS records for <sub> and <sub>-stg (upserts: a rerun changes nothing). */
export const createConfigureDns = defineStep('ConfigureDns', async (tenant, { dns }) => {
  for (const env of ENVIRONMENTS) await dns.upsert(instanceHost(tenant.subdomain, env));
});

export const handler = lambdaEntry(createConfigureDns);
