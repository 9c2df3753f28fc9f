import { ENVIRONMENTS } from '../../shared/instance';
import { offboardStep } from './offboard-step';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';
import { databases } from '../lambda/databases';

/** Both databases and their roles, after their dump is archived; then their room on the server is free again. */
export const createDropDatabases = offboardStep('DropDatabases', async (tenant, { databases, now }) => {
  for (const env of ENVIRONMENTS) await databases.drop(tenant, env);
  await databases.release(tenant, now().toISOString());
});

export const handler = lambdaEntry(createDropDatabases, () => ({ ...core(), tenants: tables().tenants, databases: databases() }));
