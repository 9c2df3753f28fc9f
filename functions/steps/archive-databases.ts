import { archivePrefix, ENVIRONMENTS } from '../../shared/instance';
import { offboardStep } from './offboard-step';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';
import { databases } from '../lambda/databases';
import { storage } from '../lambda/storage';

/** The final dump of each database into the archive (skipped for a database already dropped: its dump is there). */
export const createArchiveDatabases = offboardStep('ArchiveDatabases', async (tenant, { databases, storage }) => {
  for (const env of ENVIRONMENTS) {
    const dump = await databases.dump(tenant, env);
    if (dump !== undefined) await storage.put(`${archivePrefix(tenant.tenantId)}database-${env}.json`, dump, 'application/json');
  }
});

export const handler = lambdaEntry(createArchiveDatabases, () => ({ ...core(), tenants: tables().tenants, databases: databases(), storage: storage() }));
