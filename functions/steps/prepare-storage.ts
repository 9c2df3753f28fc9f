import { SEED_PREFIX, tenantPrefix } from '../../shared/instance';
import { defineStep } from './run-step';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';
import { storage } from '../lambda/storage';

export class MissingSeedAssetsError extends Error {
  override name = 'MissingSeedAssetsError';
}

/** The tenant's prefix in the shared bucket, starting with the seed assets (logo, samples). */
export const createPrepareStorage = defineStep('PrepareStorage', async (tenant, { storage }) => {
  const copied = await storage.copyPrefix(SEED_PREFIX, tenantPrefix(tenant.tenantId));
  if (copied.length === 0) throw new MissingSeedAssetsError(`No seed assets under s3://${storage.bucket}/${SEED_PREFIX}; deploy them first`);
});

export const handler = lambdaEntry(createPrepareStorage, () => ({ ...core(), tenants: tables().tenants, storage: storage() }));
