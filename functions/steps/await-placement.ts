import type { Tenant } from '../../shared/tenant';
import type { Deps } from '../deps';
import { TransientError } from './errors';

/** How long RenderConfig waits for CreateDatabases to place the tenant (placing is its first act: ~0.1 s warm, ~1-2 s cold). */
const PLACED_WITHIN_MS = 10_000;

/**
 * The tenant once its database server is known: recorded by CreateDatabases, or (its databases
 * made before placement existed: CreateDatabases succeeded without one) the first server.
 * Not known in time: a TransientError, so the state machine's Retry asks again.
 */
export async function placedTenant({ tenants }: Pick<Deps, 'tenants'>, tenant: Tenant, waitMs = PLACED_WITHIN_MS): Promise<Tenant> {
  let current: Tenant | undefined = tenant;
  for (const until = Date.now() + waitMs; ; await new Promise((r) => setTimeout(r, 50))) {
    if (current?.databaseServer) return current;
    const created = current?.steps.CreateDatabases?.status;
    // Succeeded with no server recorded: a tenant from before placement, on db-1 (serverIdOf's default).
    if (created === 'SUCCEEDED') return current!;
    if (Date.now() >= until) break;
    current = await tenants.getTenant(tenant.tenantId);
  }
  throw new TransientError(`Tenant ${tenant.tenantId} has no database server yet (CreateDatabases places it); the config names it`);
}
