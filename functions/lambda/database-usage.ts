import { databaseServersOf } from '../../shared/database-servers';
import { DatabasePlacements } from '../providers/database-placement';
import { createDocumentClient } from '../providers/dynamodb';
import type { Databases } from '../providers/tenant-databases';
import { platform } from './core';
import { once, required } from './env';

/**
 * What is placed on each Postgres server, from the table alone: for functions that report capacity
 * (no `pg`, no VPC, no admin secret), e.g. `capacityReport({ ..., databases: databaseUsage() })`.
 */
export const databaseUsage = once((): Pick<Databases, 'usage'> => {
  const placements = new DatabasePlacements(createDocumentClient(), required('TABLE_NAME'));
  return { usage: () => placements.usage(databaseServersOf(platform())) };
});
