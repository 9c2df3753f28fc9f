import { instanceHosts } from '../../shared/instance';
import { publicStatusView } from '../../shared/public-status';
import { statusView } from '../../shared/tenant';
import type { Deps } from '../deps';
import { json, notFound, tenantOfPath, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';

type TenantStatusDeps = Pick<Deps, 'instances' | 'tenants'>;

/** GET /api/tenants/{id}/status: the live progress of one signup (public: no error text of ours). */
export function createTenantStatusHandler({ instances, tenants }: TenantStatusDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const tenant = await tenantOfPath(tenants, event);
    if (!tenant) return notFound('No signup with this id');
    return json(200, publicStatusView(statusView(tenant, await instances.getMany(instanceHosts(tenant.subdomain)))));
  };
}

export const handler = lambdaEntry(createTenantStatusHandler, () => ({ ...core(), instances: tables().instances, tenants: tables().tenants }));
