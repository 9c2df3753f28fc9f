import type { Deps } from '../deps';
import { keepPool, type KeeperDeps } from '../pool/keeper';
import { lambdaEntry } from '../lambda/entry';
import { handOverDeps } from '../lambda/hand-over';

/** The pool keeper as a scheduled job (functions/pool/keeper.ts); a run ends before the next starts (timeout below the schedule). */
export function createKeepPool(deps: KeeperDeps | Deps): () => Promise<object> {
  return async () => {
    const report = await keepPool(deps);
    if (report.launched || report.ready || report.discarded.length) deps.logger.info('Pool kept', { ...report });
    return report;
  };
}

export const handler = lambdaEntry(createKeepPool, handOverDeps);
