import type { ApiEvent } from '../../functions/api/http';

/**
 * A minimal API Gateway HTTP API (payload 2.0) event, as a Lambda receives it. By default a JSON
 * request from the site's own page (`Sec-Fetch-Site: same-origin`, as the browser marks the web
 * app's fetches); tests of other callers pass their own `origin` / `sec-fetch-site` / `content-type`.
 */
export function apiEvent({
  method = 'GET',
  path = '/',
  body,
  headers = {},
  pathParameters,
  cookies,
  query,
  sourceIp = '127.0.0.1',
}: {
  method?: string;
  path?: string;
  body?: unknown;
  /** Replaces the defaults by name; `undefined` leaves a default header out. */
  headers?: Record<string, string | undefined>;
  pathParameters?: Record<string, string>;
  cookies?: string[];
  query?: Record<string, string>;
  sourceIp?: string;
}): ApiEvent {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: Object.fromEntries(Object.entries({ 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', ...headers }).filter((e): e is [string, string] => e[1] !== undefined)),
    ...(pathParameters ? { pathParameters } : {}),
    ...(cookies ? { cookies } : {}),
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'test',
      apiId: 'test',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp, userAgent: 'vitest' },
      requestId: 'req',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    isBase64Encoded: false,
  };
}

export const validSignup = (overrides: Record<string, unknown> = {}) => ({
  companyName: 'Acme Spaces',
  subdomain: 'acme',
  adminName: 'Anna Admin',
  adminEmail: 'anna@acme.com',
  primaryColor: '#ff5500',
  acceptTerms: true,
  ...overrides,
});

export const parseBody = (result: { body?: string }) => JSON.parse(result.body ?? 'null') as Record<string, unknown> & { errors?: Record<string, string> };
