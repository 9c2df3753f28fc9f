import { archivePrefix, tenantPrefix } from '../../shared/instance';
import { offboardStep } from './offboard-step';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';
import { storage } from '../lambda/storage';

/** The tenant's files move to the archive: copied first, then deleted (a rerun finds nothing left to move). */
export const createArchiveStorage = offboardStep('ArchiveStorage', async (tenant, { storage }) => {
  await storage.copyPrefix(tenantPrefix(tenant.tenantId), `${archivePrefix(tenant.tenantId)}files/`);
  await storage.deletePrefix(tenantPrefix(tenant.tenantId));
});

export const handler = lambdaEntry(createArchiveStorage, () => ({ ...core(), tenants: tables().tenants, storage: storage() }));
