import { createHash, timingSafeEqual } from 'node:crypto';
import { instanceSessionName, instanceTokenSecretName, parseInstanceToken } from '../../shared/instance-token';
import { RUNNING_STATUSES, type TenantStatus } from '../../shared/lifecycle';
import type { AssignedCredentials } from '../../shared/pool';
import type { Deps } from '../deps';
import type { InstanceSessions } from '../providers/tenant-task-roles';

/**
 * Tenants whose instances may get credentials: the running ones, and PROVISIONING, whose first
 * tasks start (and read their config) before the tenant turns ACTIVE. A suspended tenant's
 * instances are stopped; an offboarded one's are gone: their tokens are refused.
 */
export const CREDENTIAL_STATUSES: ReadonlySet<TenantStatus> = new Set([...RUNNING_STATUSES, 'PROVISIONING']);

const HOUR_MS = 3_600_000;
/**
 * Per instance token (tenant and environment), counted once the token matched: each task asks about
 * once an hour (the SDKs refresh ahead of the hour's expiry) plus once per start, so this leaves room
 * for a service's tasks and restarts while bounding what a leaked token can ask STS for. Counted
 * after the comparison so forged tokens naming a tenant's id (ids are public) never use up its budget.
 */
export const CREDENTIALS_PER_TOKEN = { limit: 120, windowMs: HOUR_MS };
/**
 * Refused requests per client address. Not every request: every instance reaches the API through the
 * same few NAT addresses, so a per-address budget on all requests would throttle the whole fleet.
 * What forged tokens cost before they are refused (a table read and a secret read) is bounded by the
 * route's own API Gateway budget (infra/aws/constructs/api.ts).
 */
export const CREDENTIALS_REFUSED_PER_CLIENT = { limit: 30, windowMs: HOUR_MS };

export type InstanceCredentialsDeps = Pick<Deps, 'logger' | 'now' | 'rateLimits' | 'secrets' | 'tenants'> & { instanceSessions: Pick<InstanceSessions, 'credentials'> };

export type Vended = { ok: true; credentials: AssignedCredentials } | { ok: false; reason: 'refused' | 'limited'; retryAfterSeconds?: number };

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The instance's session of the shared instance role, for the token its task was started with.
 * Anything wrong with the token, or a tenant whose instances should not run, is the same refusal.
 */
export async function vendInstanceCredentials(deps: InstanceCredentialsDeps, token: string, client: string): Promise<Vended> {
  const at = deps.now();
  const claimed = parseInstanceToken(token);
  const refuse = async (why: string): Promise<Vended> => {
    // The claimed tenant only, never the token: it is a credential.
    deps.logger.info('Instance credentials refused', { why, tenantId: claimed?.tenantId, env: claimed?.env });
    const perClient = await deps.rateLimits.hit(`instance-credentials-refused:${client}`, CREDENTIALS_REFUSED_PER_CLIENT.limit, CREDENTIALS_REFUSED_PER_CLIENT.windowMs, at);
    return perClient.allowed ? { ok: false, reason: 'refused' } : { ok: false, reason: 'limited', retryAfterSeconds: perClient.retryAfterSeconds };
  };
  if (!claimed) return refuse('not a token');
  const { tenantId, env } = claimed;
  const [stored, tenant] = await Promise.all([deps.secrets.get(instanceTokenSecretName(tenantId, env)), deps.tenants.getTenant(tenantId)]);
  // As digests: neither the value nor its length leaks through the comparison's time.
  if (stored === undefined || !timingSafeEqual(digest(token), digest(stored))) return refuse('token does not match');
  if (!tenant || !CREDENTIAL_STATUSES.has(tenant.status)) return refuse(`tenant is ${tenant?.status ?? 'unknown'}`);
  const perToken = await deps.rateLimits.hit(`instance-credentials:${tenantId}/${env}`, CREDENTIALS_PER_TOKEN.limit, CREDENTIALS_PER_TOKEN.windowMs, at);
  if (!perToken.allowed) return { ok: false, reason: 'limited', retryAfterSeconds: perToken.retryAfterSeconds };
  return { ok: true, credentials: await deps.instanceSessions.credentials({ tenantId, subdomain: tenant.subdomain, env }, instanceSessionName(tenantId, env)) };
}
