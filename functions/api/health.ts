import type { Deps } from '../deps';
import type { Health } from '../../shared/api-bodies';
import { json, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';

type HealthDeps = Pick<Deps, 'logger' | 'tenants'>;

/** GET /api/health: 200 when the tenant table answers, 503 otherwise. */
export function createHealthHandler({ tenants, logger }: HealthDeps): ApiHandler {
  return async () => {
    try {
      await tenants.ping();
      return json(200, { status: 'ok' } satisfies Health);
    } catch (error) {
      logger.error('Health check failed', { error });
      return json(503, { status: 'unavailable' } satisfies Health);
    }
  };
}

export const handler = lambdaEntry(createHealthHandler, () => ({ ...core(), tenants: tables().tenants }));
