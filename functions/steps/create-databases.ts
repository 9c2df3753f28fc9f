import { ENVIRONMENTS } from '../../shared/instance';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';
import { databases } from '../lambda/databases';

/** A role and a database per environment on the shared Postgres server, seeded once. */
export const createCreateDatabases = defineStep('CreateDatabases', async (tenant, { databases }) => {
  // Side by side: each has its own role, database and advisory lock.
  await Promise.all(ENVIRONMENTS.map((env) => databases.ensure(tenant, env)));
});

export const handler = lambdaEntry(createCreateDatabases, () => ({ ...core(), tenants: tables().tenants, databases: databases() }));
