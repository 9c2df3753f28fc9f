import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../functions/api/routes';
import { apiEvent } from '../support/api-event';
import { sdkDeps } from '../support/deps';

describe('route access', () => {
  const sessionRoutes = API_ROUTES.filter((route) => route.access === 'session');

  it.each(sessionRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))('%s answers 401 without a session, before touching anything', async (_, route) => {
    // sdkDeps' AWS clients have no credentials or mocks here: any call to AWS would throw.
    const result = await route.create(sdkDeps())(apiEvent({ method: route.method, path: route.path, pathParameters: { id: 'tenant-1' }, body: {} }));
    expect(result.statusCode).toBe(401);
  });
});
