import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createOpenApiHandler } from '../../functions/api/openapi';
import { API_ROUTES } from '../../functions/api/routes';
import { SESSION_COOKIE } from '../../functions/auth/sessions';
import { stripeEventEnvelopeSchema } from '../../functions/billing/stripe-events';
import { describedRouteKeys, openApiDocument } from '../../shared/openapi';
import { apiEvent } from '../support/api-event';

const facts = { sessionCookie: SESSION_COOKIE, stripeEvent: stripeEventEnvelopeSchema, serverUrl: 'https://launchpad.example' };
const document = openApiDocument(API_ROUTES, facts) as { openapi: string; paths: Record<string, Record<string, { operationId: string; security: unknown[]; responses: Record<string, unknown>; parameters?: Array<{ in: string; name: string }> }>> };
const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, path, operation })));

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 (by the OpenAPI schema)', async () => {
    const result = await new Validator().validate(openApiDocument(API_ROUTES, facts));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('describes exactly the routes of API_ROUTES, each once', () => {
    expect(operations.map((o) => o.key).sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    // No description left over for a route that was removed.
    expect(describedRouteKeys(facts).sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('has unique operationIds, a path parameter per placeholder and at least one answer per operation', () => {
    const ids = operations.map((o) => o.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, operation } of operations) {
      const placeholders = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect((operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name).sort()).toEqual(placeholders);
      expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
    }
  });

  it('says who may call: the session cookie, the Stripe signature, or anyone', () => {
    for (const route of API_ROUTES) {
      const { security } = document.paths[route.path]![route.method.toLowerCase()]!;
      const expected = { public: [], 'oauth-state': [], session: [{ adminSession: [] }], 'session-or-link': [{ adminSession: [] }, {}], stripe: [{ stripeSignature: [] }] }[route.access];
      expect(security, `${route.method} ${route.path}`).toEqual(expected);
    }
  });

  it('throws for a route it has no description of', () => {
    expect(() => openApiDocument([...API_ROUTES, { method: 'GET', path: '/api/undocumented', access: 'public' }], facts)).toThrow(/GET \/api\/undocumented/);
  });

  it('is served cacheable, and 304 to a client holding the current ETag', async () => {
    const handler = createOpenApiHandler({ platform: { siteUrl: 'https://launchpad.example' } as Parameters<typeof createOpenApiHandler>[0]['platform'] });
    const first = await handler(apiEvent({ path: '/api/openapi.json' }));
    expect(first.statusCode).toBe(200);
    expect(first.headers?.['cache-control']).toMatch(/^public, max-age=\d+$/);
    expect(JSON.parse(first.body!)).toEqual(document);
    const etag = String(first.headers?.etag);
    const again = await handler(apiEvent({ path: '/api/openapi.json', headers: { 'if-none-match': `W/${etag}` } }));
    expect(again).toMatchObject({ statusCode: 304, headers: { etag } });
    expect(again.body).toBeUndefined();
  });
});
