import { ENVIRONMENTS } from '../../shared/instance';
import { lambdaEntry } from '../deps';
import { offboardStep } from './offboard-step';

/** Both databases and their roles, after their dump is archived. */
export const createDropDatabases = offboardStep('DropDatabases', async (tenant, { databases }) => {
  for (const env of ENVIRONMENTS) await databases.drop(tenant, env);
});

export const handler = lambdaEntry(createDropDatabases);
