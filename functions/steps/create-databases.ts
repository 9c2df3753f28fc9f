import { ENVIRONMENTS } from '../../shared/instance';
import { lambdaEntry } from '../deps';
import { defineStep } from './run-step';

/** A role and a database per environment on the shared Postgres server, seeded once. */
export const createCreateDatabases = defineStep('CreateDatabases', async (tenant, { databases }) => {
  for (const env of ENVIRONMENTS) await databases.ensure(tenant, env);
});

export const handler = lambdaEntry(createCreateDatabases);
