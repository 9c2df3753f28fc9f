import type { Deps } from '../deps';
import { keepPool, type KeeperDeps } from '../pool/keeper';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { compute, discovery, pool } from '../lambda/compute';
import { databases } from '../lambda/databases';

/** The pool keeper as a scheduled job (functions/pool/keeper.ts); a run ends before the next starts (timeout below the schedule). */
export function createKeepPool(deps: KeeperDeps | Deps): () => Promise<object> {
  return async () => {
    const report = await keepPool(deps);
    if (report.launched || report.ready || report.discarded.length) deps.logger.info('Pool kept', { ...report });
    return report;
  };
}

export const handler = lambdaEntry(createKeepPool, () => ({
  ...core(),
  ...(({ tenants, instances, poolInstances }) => ({ tenants, instances, poolInstances }))(tables()),
  compute: compute(),
  discovery: discovery(),
  pool: pool(),
  databases: databases(),
  platform: platform(),
}));
