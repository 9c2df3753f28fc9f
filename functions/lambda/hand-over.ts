import type { HandOverDeps } from '../pool/hand-over';
import { compute, discovery, pool } from './compute';
import { core, platform } from './core';
import { databases } from './databases';
import { tables } from './tables';

/** What a hand-over from the warm pool talks to in Lambda: the HandOverFromPool step and the pool keeper (which finishes overdue ones). */
export const handOverDeps = (): HandOverDeps & ReturnType<typeof core> => {
  const { tenants, instances, poolInstances } = tables();
  return { ...core(), tenants, instances, poolInstances, compute: compute(), discovery: discovery(), pool: pool(), databases: databases(), platform: platform() };
};
