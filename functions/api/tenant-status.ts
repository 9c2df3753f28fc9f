import { statusView } from '../../shared/tenant';
import { lambdaEntry, type Deps } from '../deps';
import { json, notFound, type ApiEvent, type ApiHandler } from './http';

const TENANT_ID = /^[A-Za-z0-9-]{1,80}$/;

/** GET /api/tenants/{id}/status: the live progress of one signup. */
export function createTenantStatusHandler({ store }: Pick<Deps, 'store'>): ApiHandler {
  return async (event: ApiEvent) => {
    const id = event.pathParameters?.id ?? '';
    const tenant = TENANT_ID.test(id) ? await store.getTenant(id) : undefined;
    if (!tenant) return notFound('No signup with this id');
    return json(200, statusView(tenant));
  };
}

export const handler = lambdaEntry(createTenantStatusHandler);
