import * as z from 'zod/mini';
import { adminTokenRequestSchema, checkInboxSchema, healthSchema, rateLimitedSchema, redirectUrlSchema, sentNoticeSchema, stripeReceiptSchema, unavailableSchema } from './api-bodies';
import { magicLinkRequestSchema, sessionRequestSchema, sessionViewSchema } from './auth';
import { ENVIRONMENTS } from './instance';
import { tenantStatusViewSchema } from './provisioning';
import { containerCredentialsSchema } from './instance-token';
import {
  brandingViewSchema,
  logoUploadRequestSchema,
  logoUploadSchema,
  LOGO_TYPES,
  settingsHistorySchema,
  settingsUpdateSchema,
  settingsViewSchema,
  staleSettingsSchema,
  testMailResultSchema,
  testSmtpRequestSchema,
  testSmtpResultSchema,
} from './settings';
import { errorResponseSchema, signupAcceptedSchema, signupSchema, subdomainAvailabilitySchema } from './signup';
import { emailVerifiedSchema, verifyEmailRequestSchema } from './verification';

/**
 * The OpenAPI 3.1 document of the public API (GET /api/openapi.json), generated from the route
 * table (functions/api/routes.ts: methods, paths, who may call) and the zod schemas the handlers
 * validate requests with and type their answers by. Nothing here is written as JSON Schema by hand:
 * a schema changed in shared/ changes the document, and test/integration/openapi-contract.test.ts
 * holds every route's real answers to it.
 */

/** What the document needs of a route (functions/api/routes.ts ApiRoute has these and more). */
export interface RouteFacts {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  access: 'public' | 'session' | 'session-or-link' | 'stripe' | 'oauth-state';
}

/** Facts of functions/ the document quotes, passed in so that shared/ imports nothing from there. */
export interface DocumentFacts {
  /** The session cookie's name (functions/auth/sessions.ts). */
  sessionCookie: string;
  /** The envelope every Stripe event must have (functions/billing/stripe-events.ts). */
  stripeEvent: z.core.$ZodType;
  /** The site the API is served under (its paths start with /api/). */
  serverUrl?: string;
}

type Schema = z.core.$ZodType;
type JsonObject = Record<string, unknown>;

interface Answer {
  description: string;
  /** A JSON body, documented as the schema's output. */
  body?: Schema;
  /** A body that is no JSON, by media type (the logo's bytes). */
  media?: string[];
  headers?: Record<string, { description: string; required?: boolean; schema: JsonObject }>;
}

interface Parameter {
  name: string;
  in: 'query' | 'header';
  description: string;
  required?: boolean;
  schema: Schema;
}

interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tag: 'Signup' | 'Billing' | 'Sign-in' | 'Settings' | 'Branding' | 'Calendar' | 'Service';
  /** JSON request body, documented as the schema's input; `optional` when it may be left out. */
  body?: { schema: Schema; optional?: boolean; description?: string };
  parameters?: Parameter[];
  /** Path parameter descriptions, by name (each `{name}` of the path is one). */
  pathParameters?: Record<string, string>;
  responses: Record<number, Answer>;
}

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds until the limit lets this client try again', required: true, schema: { type: 'integer', minimum: 1 } } };
const SET_COOKIE = (what: string) => ({ 'Set-Cookie': { description: what, required: true, schema: { type: 'string' } } });
const LOCATION = (what: string) => ({ Location: { description: what, required: true, schema: { type: 'string' } } });

const fieldErrors = (description: string): Answer => ({ description, body: errorResponseSchema });
const limited = (description: string): Answer => ({ description, body: rateLimitedSchema, headers: RETRY_AFTER });

const BAD_REQUEST = fieldErrors('Invalid input: `errors` maps each field (dotted path, or `body`) to a sentence to show');
const NO_SESSION = fieldErrors('No session, or one that ended: sign in first');
const OTHER_OR_CROSS_SITE = fieldErrors("The session is another tenant's admin's, or a change was sent from another site than the Launchpad pages");
const NOT_JSON = fieldErrors('A change must be sent as JSON (Content-Type: application/json)');
const NO_TENANT = fieldErrors('No tenant with this id');

/** What every admin route may answer besides its own: 401, 403 and, for changes, 415 (same-origin.ts). */
const adminAnswers = (change: boolean): Record<number, Answer> => (change ? { 401: NO_SESSION, 403: OTHER_OR_CROSS_SITE, 415: NOT_JSON } : { 401: NO_SESSION, 403: OTHER_OR_CROSS_SITE });

const TENANT_ID = 'The tenant id (the `tenantId` of the signup answer)';

/**
 * An operation of the settings page (`session`): on a tenant of the path, answering 401/403 besides
 * its own, and 415 too for a change. A change is one with a request body, or 'no body' (a POST that takes none).
 */
const settingsOperation = (operationId: string, summary: string, responses: Record<number, Answer>, change?: Schema | 'no body'): Operation => ({
  operationId,
  tag: 'Settings',
  summary,
  pathParameters: { id: TENANT_ID },
  ...(change && change !== 'no body' ? { body: { schema: change } } : {}),
  responses: { ...responses, ...adminAnswers(change !== undefined) },
});

/** Checkout and billing portal (`session-or-link`): a Stripe page's URL for the admin, by session or by a mail's token. */
const stripePage = (operationId: string, summary: string, page: string, conflict: string): Operation => ({
  operationId,
  tag: 'Billing',
  summary,
  pathParameters: { id: TENANT_ID },
  body: { schema: adminTokenRequestSchema, optional: true, description: "The admin token of a mail's link; without it, the admin's session" },
  responses: {
    200: { description: `Where to send the browser (Stripe's ${page})`, body: redirectUrlSchema },
    400: BAD_REQUEST,
    ...adminAnswers(true),
    403: fieldErrors('A token not valid for this tenant, a session of another tenant, or a request from another site'),
    404: NO_TENANT,
    409: fieldErrors(conflict),
  },
});
const PROVIDER = 'The calendar provider: `google` or `microsoft` (any other answers 404)';

/** Every operation, by route key (`METHOD path`, as in functions/api/routes.ts). */
const operations = (facts: DocumentFacts): Record<string, Operation> => ({
  'GET /api/health': {
    operationId: 'getHealth',
    tag: 'Service',
    summary: 'Whether the API can reach its tables',
    responses: { 200: { description: 'Healthy', body: healthSchema }, 503: { description: 'The tenant table does not answer', body: healthSchema } },
  },
  'GET /api/instance-credentials': {
    operationId: 'getInstanceCredentials',
    tag: 'Service',
    summary: "A running instance's AWS credentials (ECS container-credentials protocol)",
    description:
      "Asked by the AWS SDK inside each spaceOS task (AWS_CONTAINER_CREDENTIALS_FULL_URI), with its instance token (AWS_CONTAINER_AUTHORIZATION_TOKEN, `<tenantId>.<env>.<random>`) as the whole `Authorization` header. One hour's credentials of the shared instance role, tagged with the instance's tenant and environment. Not served on the embedded default (404).",
    parameters: [{ name: 'Authorization', in: 'header', required: true, description: 'The instance token, as the SDKs send it (no scheme)', schema: z.string() }],
    responses: {
      200: { description: 'The credentials: AccessKeyId, SecretAccessKey, Token, Expiration (ISO 8601)', body: containerCredentialsSchema },
      401: fieldErrors('Not a valid instance token, or its tenant is not running (one answer for every case)'),
      404: fieldErrors('Not served here: the embedded default has no IAM'),
      429: limited('Too many requests for this token, or too many refused ones from this address'),
    },
  },
  'GET /api/openapi.json': {
    operationId: 'getOpenApiDocument',
    tag: 'Service',
    summary: 'This document',
    description: 'Cacheable: answers 304 to an `If-None-Match` carrying its ETag.',
    parameters: [{ name: 'If-None-Match', in: 'header', description: 'The ETag of a copy already held', schema: z.string() }],
    responses: {
      200: { description: 'The OpenAPI 3.1 document', body: openApiShapeSchema, headers: { ETag: { description: 'Changes with the document', required: true, schema: { type: 'string' } } } },
      304: { description: 'The copy held is current' },
    },
  },
  'POST /api/signups': {
    operationId: 'createSignup',
    tag: 'Signup',
    summary: 'Sign up for a trial: claims the subdomain and email, starts provisioning, mails the verification link',
    body: { schema: signupSchema },
    parameters: [{ name: 'Idempotency-Key', in: 'header', description: 'Makes a retried submit answer as the first one did (8-128 letters, digits or . _ : -)', schema: z.string() }],
    responses: {
      202: {
        description: 'Accepted (`tenantId`, `statusUrl`); or, when the email already belongs to a signup, that address was mailed its next step (`checkInbox`: the verification link again, or a sign-in link once verified; limited per signup)',
        body: z.union([signupAcceptedSchema, checkInboxSchema]),
        headers: { Location: { description: 'The status URL (with `tenantId` only)', schema: { type: 'string' } } },
      },
      400: BAD_REQUEST,
      409: fieldErrors('The subdomain is taken (named alone, also when the email is taken too); or the email still belongs to an instance being removed'),
      422: fieldErrors('The Idempotency-Key was used for a different signup'),
      429: limited('Too many signups from this client, this email domain or in total; or this taken email was mailed too often'),
      503: { description: 'The CAPTCHA service did not answer', body: unavailableSchema },
    },
  },
  'POST /api/signups/verify': {
    operationId: 'verifyEmail',
    tag: 'Signup',
    summary: "The verification mail's link: hands the instance over and answers with the admin token",
    body: { schema: verifyEmailRequestSchema },
    responses: {
      200: { description: 'Verified (repeating it answers the same)', body: emailVerifiedSchema },
      400: fieldErrors('Invalid input, or a link that is not valid or has expired'),
      410: fieldErrors('The signup was removed because it was not verified in time'),
      429: limited('Too many attempts from this client'),
    },
  },
  'GET /api/subdomains/{name}': {
    operationId: 'getSubdomainAvailability',
    tag: 'Signup',
    summary: 'Whether a subdomain can be had, and a similar one that can',
    pathParameters: { name: 'The subdomain asked for (percent-encoded)' },
    responses: { 200: { description: 'Available or not, with the reason and a suggestion', body: subdomainAvailabilitySchema }, 400: BAD_REQUEST },
  },
  'GET /api/tenants/{id}/status': {
    operationId: 'getTenantStatus',
    tag: 'Signup',
    summary: "A signup's live provisioning progress",
    pathParameters: { id: TENANT_ID },
    responses: { 200: { description: 'The progress', body: tenantStatusViewSchema }, 404: NO_TENANT },
  },
  'POST /api/tenants/{id}/checkout': stripePage('createCheckout', 'A Stripe Checkout session for the paid plan', 'checkout', 'Already paid, already subscribed, or the instance is still being set up'),
  'POST /api/tenants/{id}/billing-portal': stripePage('createBillingPortal', "Stripe's billing portal for a paid tenant", 'portal', 'The tenant is not on the paid plan'),
  'POST /api/tenants/{id}/upgrade-link': {
    operationId: 'requestUpgradeLink',
    tag: 'Billing',
    summary: "Mails the tenant's admin a fresh upgrade link",
    description: 'Always the same 202, whether or not the tenant exists or a mail went out.',
    pathParameters: { id: TENANT_ID },
    responses: { 202: { description: 'If the tenant exists, its admin gets a link', body: sentNoticeSchema }, 429: limited('Too many upgrade links asked for from this client') },
  },
  'POST /api/webhooks/stripe': {
    operationId: 'receiveStripeEvent',
    tag: 'Billing',
    summary: "Stripe's webhook",
    description: "Called by Stripe only. The `Stripe-Signature` header is checked over the raw body exactly as sent, so the body must reach the API unchanged. The event is a notice: the tenant's subscriptions are read from Stripe as they are now.",
    parameters: [{ name: 'Stripe-Signature', in: 'header', required: true, description: "Stripe's signature of the raw body (t=...,v1=...)", schema: z.string() }],
    body: { schema: facts.stripeEvent, description: 'A Stripe event, as raw bytes (signed)' },
    responses: {
      200: { description: 'Received (also a duplicate delivery, and an event Launchpad has no use for)', body: stripeReceiptSchema },
      400: fieldErrors('A bad or expired signature, or a signed body that is no event'),
      409: fieldErrors('Another delivery of this event is being processed: retry later'),
      500: fieldErrors('A temporary failure: Stripe retries'),
    },
  },
  'POST /api/auth/magic-link': {
    operationId: 'requestMagicLink',
    tag: 'Sign-in',
    summary: "Mails the instance's admin a single-use sign-in link",
    description: 'The same 202 whether or not the email is the admin of that instance.',
    body: { schema: magicLinkRequestSchema },
    responses: {
      202: { description: 'If the email is the admin, a link is on its way', body: sentNoticeSchema },
      400: BAD_REQUEST,
      429: { description: 'Too many links asked for this address or from this client', body: errorResponseSchema, headers: RETRY_AFTER },
    },
  },
  'POST /api/auth/session': {
    operationId: 'createSession',
    tag: 'Sign-in',
    summary: "Spends a sign-in link's token for the session cookie",
    body: { schema: sessionRequestSchema },
    responses: {
      200: { description: 'Signed in', body: sessionViewSchema, headers: SET_COOKIE(`The session cookie (${facts.sessionCookie}, HttpOnly)`) },
      400: BAD_REQUEST,
      401: fieldErrors('The link was used already, has expired, or is incomplete'),
      403: fieldErrors('Sent from another site than the Launchpad pages'),
      415: NOT_JSON,
    },
  },
  'GET /api/auth/session': {
    operationId: 'getSession',
    tag: 'Sign-in',
    summary: 'Who is signed in',
    responses: { 200: { description: 'The session', body: sessionViewSchema }, 401: NO_SESSION },
  },
  'DELETE /api/auth/session': {
    operationId: 'deleteSession',
    tag: 'Sign-in',
    summary: 'Signs out (also without a session)',
    responses: {
      204: { description: 'Signed out: the session ends on the server, the cookie is cleared', headers: SET_COOKIE('Clears the session cookie') },
      403: fieldErrors('Sent from another site than the Launchpad pages'),
      415: NOT_JSON,
    },
  },
  'GET /api/tenants/{id}/settings': settingsOperation('getSettings', "The tenant's runtime settings", { 200: { description: 'The settings and their version', body: settingsViewSchema } }),
  'PUT /api/tenants/{id}/settings': settingsOperation(
    'putSettings',
    'Saves the whole settings object, based on a version',
    { 200: { description: 'Saved', body: settingsViewSchema }, 400: BAD_REQUEST, 409: { description: 'Saved meanwhile by someone else: reload `currentVersion`', body: staleSettingsSchema } },
    settingsUpdateSchema,
  ),
  'GET /api/tenants/{id}/settings/history': settingsOperation('getSettingsHistory', 'Who changed which settings when, newest first', { 200: { description: 'The changes', body: settingsHistorySchema } }),
  'POST /api/tenants/{id}/settings/test-mail': settingsOperation('sendTestMail', 'A test mail to the admin, the way the saved settings send', { 200: { description: 'Sent', body: testMailResultSchema } }, 'no body'),
  'POST /api/tenants/{id}/settings/test-smtp': settingsOperation(
    'testSmtp',
    'Signs in to an SMTP server without saving anything',
    { 200: { description: 'The server accepted the sign-in', body: testSmtpResultSchema }, 400: BAD_REQUEST },
    testSmtpRequestSchema,
  ),
  'POST /api/tenants/{id}/logo-upload': settingsOperation(
    'createLogoUpload',
    "A presigned POST for a logo into the tenant's storage",
    { 200: { description: 'Post the file to `url` with `fields`, then save `key` as the logo', body: logoUploadSchema }, 400: BAD_REQUEST },
    logoUploadRequestSchema,
  ),
  'GET /api/tenants/{id}/logo': {
    operationId: 'getLogo',
    tag: 'Branding',
    summary: "The tenant's current logo",
    pathParameters: { id: TENANT_ID },
    parameters: [{ name: 'v', in: 'query', description: 'The settings version (a cache key: each version may be kept a day)', schema: z.string() }],
    // Uploads are raster only; the default logo every tenant starts with (DEFAULT_LOGO) is an SVG.
    responses: { 200: { description: 'The image: an uploaded logo, or the default one (SVG)', media: [...Object.keys(LOGO_TYPES), 'image/svg+xml'] }, 404: fieldErrors('No such tenant, or no logo') },
  },
  'GET /api/tenants/{id}/branding.json': {
    operationId: 'getBranding',
    tag: 'Branding',
    summary: 'What a mobile build needs to brand itself (public, cacheable)',
    pathParameters: { id: 'The tenant id or its subdomain' },
    responses: {
      200: { description: 'The branding', body: brandingViewSchema, headers: { ETag: { description: 'Tenant and settings version', required: true, schema: { type: 'string' } } } },
      404: fieldErrors('No such instance'),
    },
  },
  'GET /api/oauth/{provider}/start': {
    operationId: 'startOAuth',
    tag: 'Calendar',
    summary: "Where an instance sends a user to connect a calendar: redirects to the provider's consent screen",
    description: 'The redirect carries a signed, expiring `state` naming the tenant; the callback trusts nothing else.',
    pathParameters: { provider: PROVIDER },
    parameters: [
      { name: 'tenant', in: 'query', required: true, description: "The instance's subdomain", schema: z.string() },
      { name: 'env', in: 'query', description: 'Which of its instances (default prod)', schema: z.enum(ENVIRONMENTS) },
    ],
    responses: {
      302: { description: "To the provider's consent screen", headers: LOCATION('The consent screen') },
      403: fieldErrors("The integration is switched off in this instance's settings"),
      404: fieldErrors('Unknown provider or instance'),
      503: fieldErrors("The provider's app is not configured for this deployment"),
    },
  },
  'GET /api/oauth/{provider}/callback': {
    operationId: 'finishOAuth',
    tag: 'Calendar',
    summary: 'The one redirect URI registered with the providers: forwards the code to the instance the state names',
    pathParameters: { provider: PROVIDER },
    parameters: [
      { name: 'state', in: 'query', required: true, description: 'The signed state of the start', schema: z.string() },
      { name: 'code', in: 'query', description: "The provider's authorization code", schema: z.string() },
      { name: 'error', in: 'query', description: "The provider's error, passed on", schema: z.string() },
    ],
    responses: {
      302: { description: "To the instance's /oauth/<provider>/callback", headers: LOCATION("The instance's callback") },
      400: fieldErrors('The state is invalid or expired'),
      403: fieldErrors('The integration is switched off for this instance'),
      404: fieldErrors('Unknown provider'),
    },
  },
});

/** The document's own outline (its body schema: the rest is what this module builds). */
const openApiShapeSchema = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.optional(z.looseObject({})),
});

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of a zod schema, as a request (input) or an answer (output). */
function jsonSchemaOf(schema: Schema, io: 'input' | 'output'): JsonObject {
  // Refinements (a time zone Intl knows, an https link) have no JSON Schema form: the document holds the rest.
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonObject;
  return json;
}

const SECURITY: Record<RouteFacts['access'], { security: Array<Record<string, string[]>>; note?: string }> = {
  public: { security: [] },
  session: { security: [{ adminSession: [] }], note: "Only the tenant's signed-in admin (session cookie). Changes must come from the Launchpad pages, as JSON." },
  'session-or-link': { security: [{ adminSession: [] }, {}], note: "The tenant's signed-in admin, or anyone holding a valid admin token of a mail's link (`token` in the body). Changes must come from the Launchpad pages, as JSON." },
  stripe: { security: [{ stripeSignature: [] }] },
  'oauth-state': { security: [], note: 'Public; authorised by the signed OAuth state it issues and checks.' },
};

/** `/api/tenants/{id}/status` -> ['id'] */
const pathParameterNames = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);

function operationObject(route: RouteFacts, operation: Operation): JsonObject {
  const { security, note } = SECURITY[route.access];
  const parameters = [
    ...pathParameterNames(route.path).map((name) => ({ name, in: 'path', required: true, description: operation.pathParameters?.[name] ?? name, schema: { type: 'string' } })),
    ...(operation.parameters ?? []).map(({ schema, required, ...parameter }) => ({ ...parameter, required: required ?? false, schema: jsonSchemaOf(schema, 'input') })),
  ];
  const responses = Object.fromEntries(
    Object.entries(operation.responses).map(([status, answer]) => [
      status,
      {
        description: answer.description,
        ...(answer.headers ? { headers: answer.headers } : {}),
        ...(answer.body ? { content: { 'application/json': { schema: jsonSchemaOf(answer.body, 'output') } } } : {}),
        ...(answer.media ? { content: Object.fromEntries(answer.media.map((type) => [type, { schema: { type: 'string', contentMediaType: type } }])) } : {}),
      },
    ]),
  );
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description || note ? { description: [operation.description, note].filter(Boolean).join('\n\n') } : {}),
    tags: [operation.tag],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: !operation.body.optional,
            ...(operation.body.description ? { description: operation.body.description } : {}),
            content: { 'application/json': { schema: jsonSchemaOf(operation.body.schema, 'input') } },
          },
        }
      : {}),
    security,
    responses,
  };
}

/** The operation of each route key this document describes, for tests that hold routes and document together. */
export const describedRouteKeys = (facts: DocumentFacts) => Object.keys(operations(facts));

/**
 * The document for these routes. A route without a description here throws: a new route must say
 * what it takes and answers before it is served (the contract test finds it at once).
 */
export function openApiDocument(routes: readonly RouteFacts[], facts: DocumentFacts): JsonObject {
  const described = operations(facts);
  const paths: Record<string, JsonObject> = {};
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    const operation = described[key];
    if (!operation) throw new Error(`No OpenAPI description for ${key}: add it to shared/openapi.ts`);
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operationObject(route, operation);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'spaceOS Launchpad API',
      version: '1',
      description: 'Self-service signup, provisioning status, billing, sign-in and runtime settings of spaceOS trial instances. Every 400 carries `errors`: field (dotted path, or `body`) -> a sentence to show.',
    },
    ...(facts.serverUrl ? { servers: [{ url: facts.serverUrl }] } : {}),
    tags: ['Signup', 'Billing', 'Sign-in', 'Settings', 'Branding', 'Calendar', 'Service'].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        adminSession: { type: 'apiKey', in: 'cookie', name: facts.sessionCookie, description: 'The session cookie POST /api/auth/session sets (HttpOnly, SameSite=Lax), for one tenant' },
        stripeSignature: { type: 'apiKey', in: 'header', name: 'Stripe-Signature', description: "Stripe's HMAC of the raw body with the endpoint's signing secret" },
      },
    },
  };
}
