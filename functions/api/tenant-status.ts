import { statusView } from '../../shared/tenant';
import { lambdaEntry, type Deps } from '../deps';
import { json, notFound, tenantOfPath, type ApiEvent, type ApiHandler } from './http';

/** GET /api/tenants/{id}/status: the live progress of one signup. */
export function createTenantStatusHandler({ store }: Pick<Deps, 'store'>): ApiHandler {
  return async (event: ApiEvent) => {
    const tenant = await tenantOfPath(store, event);
    if (!tenant) return notFound('No signup with this id');
    return json(200, statusView(tenant));
  };
}

export const handler = lambdaEntry(createTenantStatusHandler);
