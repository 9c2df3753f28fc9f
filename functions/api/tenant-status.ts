import { statusView } from '../../shared/tenant';
import type { Deps } from '../deps';
import { json, notFound, tenantOfPath, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';

type TenantStatusDeps = Pick<Deps, 'tenants'>;

/** GET /api/tenants/{id}/status: the live progress of one signup. */
export function createTenantStatusHandler({ tenants }: TenantStatusDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const tenant = await tenantOfPath(tenants, event);
    if (!tenant) return notFound('No signup with this id');
    return json(200, statusView(tenant));
  };
}

export const handler = lambdaEntry(createTenantStatusHandler, () => ({ ...core(), tenants: tables().tenants }));
