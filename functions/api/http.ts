import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import type { RateLimited } from '../../shared/api-bodies';
import { fieldErrors } from '../../shared/signup';
import type { Tenant } from '../../shared/tenant';
import type { TenantStore } from '../providers/tenant-store';

export type ApiEvent = APIGatewayProxyEventV2;
export type ApiResult = APIGatewayProxyStructuredResultV2;
export type ApiHandler = (event: ApiEvent) => Promise<ApiResult>;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** The tenant of a `/api/tenants/{id}/...` route, loaded only if the id can be one (a UUID-like token). */
export async function tenantOfPath(store: TenantStore, event: ApiEvent): Promise<Tenant | undefined> {
  const id = event.pathParameters?.id ?? '';
  return /^[A-Za-z0-9-]{1,80}$/.test(id) ? store.getTenant(id) : undefined;
}

export const badRequest = (errors: Record<string, string>) => json(400, { errors });
export const notFound = (message: string) => json(404, { errors: { body: message } });

/** API Gateway lowercases header names in v2 events; look up case-insensitively anyway. */
export function header(event: ApiEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === wanted)?.[1];
}

export type Parsed = { ok: true; value: unknown } | { ok: false; response: ApiResult };

/** decodeURIComponent without the URIError: undefined for a lone `%` or escapes that are not UTF-8. */
export function decodedOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * A path parameter, percent-decoded (API Gateway hands them over as they were sent), or the 400
 * naming it when its encoding is broken: `GET /api/subdomains/%` is the client's mistake, not ours.
 */
export function pathParameter(event: ApiEvent, name: string): { ok: true; value: string } | { ok: false; response: ApiResult } {
  const value = decodedOrUndefined(event.pathParameters?.[name] ?? '');
  return value === undefined ? { ok: false, response: badRequest({ [name]: 'This is not valid percent-encoding (a lone % or bytes that are not UTF-8)' }) } : { ok: true, value };
}

/** The request body as JSON, or the 400 to answer with. */
export function jsonBody(event: ApiEvent): Parsed {
  if (!event.body) return { ok: false, response: badRequest({ body: 'Send the form as a JSON body' }) };
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, response: badRequest({ body: 'The body is not valid JSON' }) };
  }
}

/** The JSON body validated by one of the shared schemas, or the 400 to answer (field errors by path). */
export function validBody<S extends z.core.$ZodType>(event: ApiEvent, schema: S): { ok: true; value: z.output<S> } | { ok: false; response: ApiResult } {
  const body = jsonBody(event);
  if (!body.ok) return body;
  const parsed = z.safeParse(schema, body.value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, response: badRequest(fieldErrors(parsed.error)) };
}

/**
 * The 429 for a request a rate limit refused: `Retry-After` (whole seconds, as RFC 9110 has it) and
 * the same number in the body, with a sentence the page can show as it is.
 */
export function tooManyRequests(retryAfterSeconds: number, error: string): ApiResult {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return json(429, { error, retryAfterSeconds: seconds } satisfies RateLimited, { 'retry-after': String(seconds) });
}

/**
 * The header CloudFront adds to every request it forwards to the API (an origin custom header, set
 * in infra/aws/constructs/site.ts), holding a generated secret: a client can send any header, but
 * only CloudFront knows this value.
 */
export const ORIGIN_VERIFY_HEADER = 'x-launchpad-origin-verify';
/** The route functions' variable holding that secret (infra/aws/stacks/api-stack.ts); unset locally. */
export const ORIGIN_SECRET_VARIABLE = 'LAUNCHPAD_ORIGIN_SECRET';
/** CloudFront's `<ip>:<port>` of the viewer, added by the origin request policy. */
export const VIEWER_ADDRESS_HEADER = 'cloudfront-viewer-address';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compared in constant time (as digests, so neither the value nor its length leaks through timing). */
function fromOurCloudFront(event: ApiEvent, originSecret: string | undefined): boolean {
  const sent = header(event, ORIGIN_VERIFY_HEADER);
  return Boolean(originSecret && sent) && timingSafeEqual(digest(sent!), digest(originSecret!));
}

/** The address part of `1.2.3.4:5678`, `2001:db8::1:5678` or `[2001:db8::1]:5678`; undefined unless it is an IP. */
function withoutPort(value: string): string | undefined {
  const text = value.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return isIP(bracketed[1]!) ? bracketed[1] : undefined;
  const colon = text.lastIndexOf(':');
  const host = colon > 0 && /^\d{1,5}$/.test(text.slice(colon + 1)) ? text.slice(0, colon) : text;
  // CloudFront always appends the port; a bare address is taken as it is.
  return isIP(host) ? host : isIP(text) ? text : undefined;
}

/**
 * The address of the client that sent the request, for per-client limits. Behind CloudFront, API
 * Gateway's `sourceIp` is the edge location's, so there it is CloudFront's `CloudFront-Viewer-Address`
 * (port stripped), trusted only on requests carrying the origin secret; any other request (directly
 * to the API, or locally, where the embedded default passes the socket's address) is
 * `requestContext.http.sourceIp`. `X-Forwarded-For` is never read: the client writes its first entries.
 */
export function clientAddress(event: ApiEvent, originSecret: string | undefined = process.env[ORIGIN_SECRET_VARIABLE]): string {
  if (fromOurCloudFront(event, originSecret)) {
    const viewer = withoutPort(header(event, VIEWER_ADDRESS_HEADER) ?? '');
    if (viewer) return viewer;
  }
  return event.requestContext.http.sourceIp;
}
