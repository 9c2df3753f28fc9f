import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { decodedOrUndefined, type ApiEvent, type ApiResult } from '../../functions/api/http';
import type { ApiRoute } from '../../functions/api/routes';

/** Matches a path against an HTTP API route path like /api/tenants/{id}/status. */
export function matchRoute(routes: readonly ApiRoute[], method: string, path: string): { route: ApiRoute; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const names: string[] = [];
    const pattern = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    const match = new RegExp(`^${pattern}$`).exec(path);
    if (match) return { route, params: Object.fromEntries(names.map((n, i) => [n, match[i + 1] ?? ''])) };
  }
  return undefined;
}

const BROKEN_ENCODING = 'This is not valid percent-encoding (a lone % or bytes that are not UTF-8)';

/**
 * The request target as a URL, or the field errors of the 400 to answer: a query, or a page's path,
 * whose percent-encoding is broken (`/%E0%A4%A`) is refused here, once, before anything decodes it.
 * An /api/ path goes to its route as sent, as API Gateway passes path parameters on: the handler
 * decodes its parameters (`pathParameter`) and names the broken one in its 400.
 */
export function requestTarget(target: string | undefined): { url: URL } | { errors: Record<string, string> } {
  let url: URL;
  try {
    // Origin-form is appended to a fixed origin rather than resolved against it: `//x` stays a
    // path (resolved, it would be a host, and `//` alone throws). Absolute-form is taken as it is.
    url = (target ?? '/').startsWith('/') ? new URL(`http://localhost${target ?? '/'}`) : new URL(target ?? '/');
  } catch {
    return { errors: { path: 'This is not a request target' } };
  }
  if (!url.pathname.startsWith('/api/') && decodedOrUndefined(url.pathname) === undefined) return { errors: { path: BROKEN_ENCODING } };
  if (decodedOrUndefined(url.search) === undefined) return { errors: { query: BROKEN_ENCODING } };
  return { url };
}

const TEXT_TYPES = /^(application\/(json|x-www-form-urlencoded)|text\/)/;

/** The event API Gateway (HTTP API, payload 2.0) would hand the Lambda for this request. */
export function toApiEvent(req: IncomingMessage, url: URL, route: ApiRoute, params: Record<string, string>, body: Buffer): ApiEvent {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined && key !== 'cookie') headers[key] = Array.isArray(value) ? value.join(',') : value;
  }
  // No prototype: `?constructor=x` or `?__proto__=x` are parameters like any other.
  const query: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of url.searchParams) query[key] = Object.hasOwn(query, key) ? `${query[key]},${value}` : value;
  const isText = TEXT_TYPES.test(headers['content-type'] ?? '');
  const now = new Date();
  const routeKey = `${route.method} ${route.path}`;
  const cookies = req.headers.cookie?.split(/;\s*/).filter(Boolean);
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(cookies ? { cookies } : {}),
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(params).length ? { pathParameters: params } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

/** Writes a Lambda's structured result the way API Gateway would. */
export function writeApiResult(res: import('node:http').ServerResponse, result: ApiResult): void {
  const headers: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  res.writeHead(result.statusCode ?? 200, headers);
  const body = result.body ?? '';
  res.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}
