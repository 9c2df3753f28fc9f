import { ENVIRONMENTS, instanceHost } from '../../shared/instance';
import { lambdaEntry } from '../deps';
import { offboardStep } from './offboard-step';

/** The `<sub>` and `<sub>-stg` records. */
export const createRemoveDns = offboardStep('RemoveDns', async (tenant, { dns }) => {
  for (const env of ENVIRONMENTS) await dns.remove(instanceHost(tenant.subdomain, env));
});

export const handler = lambdaEntry(createRemoveDns);
