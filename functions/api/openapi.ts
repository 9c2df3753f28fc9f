import { createHash } from 'node:crypto';
import { openApiDocument } from '../../shared/openapi';
import { SESSION_COOKIE } from '../auth/sessions';
import { stripeEventEnvelopeSchema } from '../billing/stripe-events';
import type { Deps } from '../deps';
import { header, json, type ApiHandler, type ApiResult } from './http';
import { ROUTE_FACTS } from './route-table';
import { lambdaEntry } from '../lambda/entry';
import { platform } from '../lambda/core';

/** The document changes only with a deployment: caches may keep it a while, then revalidate by ETag. */
export const OPENAPI_MAX_AGE_SECONDS = 300;

type OpenApiDeps = Pick<Deps, 'platform'>;

/**
 * GET /api/openapi.json: the OpenAPI 3.1 document of API_ROUTES (shared/openapi.ts), built on the
 * first request and then served as it is (it reads the route table, not the handlers: its bundle
 * holds none of them); 304 to a client that holds the current one.
 */
export function createOpenApiHandler({ platform }: OpenApiDeps): ApiHandler {
  let answers: { ok: ApiResult; etag: string } | undefined;
  const build = () => {
    const document = openApiDocument(ROUTE_FACTS, { sessionCookie: SESSION_COOKIE, stripeEvent: stripeEventEnvelopeSchema, serverUrl: platform.siteUrl });
    const etag = `"${createHash('sha256').update(JSON.stringify(document)).digest('base64url')}"`;
    return { etag, ok: json(200, document, { 'cache-control': `public, max-age=${OPENAPI_MAX_AGE_SECONDS}`, etag }) };
  };
  return async (event) => {
    answers ??= build();
    const held = header(event, 'if-none-match');
    if (held?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === answers!.etag)) {
      return { statusCode: 304, headers: { 'cache-control': `public, max-age=${OPENAPI_MAX_AGE_SECONDS}`, etag: answers.etag } };
    }
    return answers.ok;
  };
}

export const handler = lambdaEntry(createOpenApiHandler, () => ({ platform: platform() }));
