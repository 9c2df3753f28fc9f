import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../functions/api/routes';
import { matchRoute } from '../../infra/local/api-gateway-event';

describe('local API Gateway routing', () => {
  it('matches routes with path parameters like HTTP API does', () => {
    expect(matchRoute(API_ROUTES, 'GET', '/api/tenants/abc-123/status')).toMatchObject({ route: { path: '/api/tenants/{id}/status' }, params: { id: 'abc-123' } });
    expect(matchRoute(API_ROUTES, 'GET', '/api/subdomains/acme')).toMatchObject({ params: { name: 'acme' } });
    expect(matchRoute(API_ROUTES, 'POST', '/api/signups')).toMatchObject({ route: { entry: 'signup' } });
  });

  it('does not match other methods or deeper paths', () => {
    expect(matchRoute(API_ROUTES, 'GET', '/api/signups')).toBeUndefined();
    expect(matchRoute(API_ROUTES, 'GET', '/api/tenants/a/b/status')).toBeUndefined();
  });
});
