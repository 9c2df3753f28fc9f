import { header, json, type ApiEvent, type ApiResult } from './http';

const READS = new Set(['GET', 'HEAD']);
const JSON_TYPE = /^application\/json\s*(;|$)/i;

const CROSS_SITE = json(403, { errors: { origin: 'This request must come from the Launchpad pages themselves' } });
const NOT_JSON = json(415, { errors: { body: 'Send the request as JSON (Content-Type: application/json)' } });

/**
 * Why a cookie-carrying request that changes something must be refused, or undefined if it may go
 * on. A browser sends cookies with any other page's form or fetch, and on AWS the tenants'
 * instances (`<tenant>.<domain>`) are the same site as these pages, so SameSite=Lax lets their
 * forms through. So the request must come from the site's own origin (`Origin`, which browsers
 * send with every POST, PUT and DELETE; without it, `Sec-Fetch-Site: same-origin`), else 403; and
 * be JSON, else 415: a type no form can send and no other origin may send without a CORS
 * preflight, which the API answers only for the site. Reads (GET, HEAD) change nothing.
 */
export function crossSiteRefusal(event: ApiEvent, siteOrigin: string): ApiResult | undefined {
  if (READS.has(event.requestContext.http.method.toUpperCase())) return undefined;
  const origin = header(event, 'origin');
  const sameOrigin = origin === undefined ? header(event, 'sec-fetch-site') === 'same-origin' : origin === siteOrigin;
  if (!sameOrigin) return CROSS_SITE;
  if (!JSON_TYPE.test(header(event, 'content-type')?.trim() ?? '')) return NOT_JSON;
  return undefined;
}
