import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
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
