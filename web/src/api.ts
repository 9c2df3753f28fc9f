import type { ErrorResponse, SignupAccepted, SignupInput, SubdomainAvailability } from '../../shared/signup';
import type { TenantStatusView } from '../../shared/provisioning';

export type SignupOutcome =
  | { ok: true; accepted: SignupAccepted }
  | { ok: false; status: number; errors: ErrorResponse['errors'] };

const NETWORK_ERROR = 'We could not reach spaceOS. Check your connection and try again.';

async function errorsOf(response: Response): Promise<ErrorResponse['errors']> {
  try {
    const body = (await response.json()) as Partial<ErrorResponse>;
    if (body.errors && typeof body.errors === 'object') return body.errors;
  } catch {
    // fall through to a generic message
  }
  return { body: `Something went wrong on our side (HTTP ${response.status}). Please try again.` };
}

export async function submitSignup(input: SignupInput, idempotencyKey: string): Promise<SignupOutcome> {
  let response: Response;
  try {
    response = await fetch('/api/signups', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(input),
    });
  } catch {
    return { ok: false, status: 0, errors: { body: NETWORK_ERROR } };
  }
  if (response.status === 202) return { ok: true, accepted: (await response.json()) as SignupAccepted };
  return { ok: false, status: response.status, errors: await errorsOf(response) };
}

export async function checkSubdomain(name: string, signal: AbortSignal): Promise<SubdomainAvailability> {
  const response = await fetch(`/api/subdomains/${encodeURIComponent(name)}`, { signal });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return (await response.json()) as SubdomainAvailability;
}

export type StatusResult = { kind: 'found'; view: TenantStatusView } | { kind: 'not-found' } | { kind: 'error'; message: string };

export async function fetchTenantStatus(tenantId: string, signal?: AbortSignal): Promise<StatusResult> {
  try {
    const response = await fetch(`/api/tenants/${encodeURIComponent(tenantId)}/status`, { signal });
    if (response.status === 404) return { kind: 'not-found' };
    if (!response.ok) return { kind: 'error', message: `HTTP ${response.status}` };
    return { kind: 'found', view: (await response.json()) as TenantStatusView };
  } catch (error) {
    if (signal?.aborted) throw error;
    return { kind: 'error', message: NETWORK_ERROR };
  }
}

export type UrlResult = { ok: true; url: string } | { ok: false; message: string };

async function postForUrl(path: string, body: unknown): Promise<UrlResult> {
  try {
    const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (response.ok) return { ok: true, url: ((await response.json()) as { url: string }).url };
    return { ok: false, message: Object.values(await errorsOf(response))[0] ?? `HTTP ${response.status}` };
  } catch {
    return { ok: false, message: NETWORK_ERROR };
  }
}

export const startCheckout = (tenantId: string, token: string) => postForUrl(`/api/tenants/${encodeURIComponent(tenantId)}/checkout`, { token });
export const openBillingPortal = (tenantId: string, token: string) => postForUrl(`/api/tenants/${encodeURIComponent(tenantId)}/billing-portal`, { token });

export async function requestUpgradeLink(tenantId: string): Promise<boolean> {
  const response = await fetch(`/api/tenants/${encodeURIComponent(tenantId)}/upgrade-link`, { method: 'POST' }).catch(() => undefined);
  return response?.status === 202;
}
