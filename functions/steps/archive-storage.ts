import { archivePrefix, tenantPrefix } from '../../shared/instance';
import { lambdaEntry } from '../deps';
import { offboardStep } from './offboard-step';

/** The tenant's files move to the archive: copied first, then deleted (a rerun finds nothing left to move). */
export const createArchiveStorage = offboardStep('ArchiveStorage', async (tenant, { storage }) => {
  await storage.copyPrefix(tenantPrefix(tenant.tenantId), `${archivePrefix(tenant.tenantId)}files/`);
  await storage.deletePrefix(tenantPrefix(tenant.tenantId));
});

export const handler = lambdaEntry(createArchiveStorage);
