import type { ErrorResponse } from '../../shared/signup';
import type { TenantStatusView } from '../../shared/provisioning';
import type { MagicLinkRequest, SessionView } from '../../shared/auth';
import type { SettingsChange, SettingsView, SmtpSender, TenantSettings } from '../../shared/settings';
import { errorsOf, NETWORK_ERROR } from './api';

// Calls of the pages after signup (status, upgrade, sign-in, settings): not in the signup page's bundle.

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

// --- Sign-in and settings (the session rides in an HttpOnly cookie the page never sees) ---

export type ApiOutcome<T> = { ok: true; value: T } | { ok: false; status: number; errors: ErrorResponse['errors'] };

// Every change is sent as JSON, with a body or without (sign-out, test mail): the API refuses a
// cookie-carrying change of any other type (415), which is what no other site's form can send.
async function call<T>(method: string, path: string, body?: unknown): Promise<ApiOutcome<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      ...(method === 'GET' ? {} : { headers: { 'content-type': 'application/json' } }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    return { ok: false, status: 0, errors: { body: NETWORK_ERROR } };
  }
  if (response.ok) return { ok: true, value: (response.status === 204 ? undefined : await response.json()) as T };
  return { ok: false, status: response.status, errors: await errorsOf(response) };
}

const tenantPath = (tenantId: string, rest: string) => `/api/tenants/${encodeURIComponent(tenantId)}/${rest}`;

export const requestSignInLink = (request: MagicLinkRequest) => call<{ sent: string }>('POST', '/api/auth/magic-link', request);
export const signInWithToken = (token: string) => call<SessionView>('POST', '/api/auth/session', { token });
export const currentSession = () => call<SessionView>('GET', '/api/auth/session');
export const signOut = () => call<undefined>('DELETE', '/api/auth/session');
export const loadSettings = (tenantId: string) => call<SettingsView>('GET', tenantPath(tenantId, 'settings'));
export const saveSettings = (tenantId: string, update: { version: number; settings: TenantSettings; smtpPassword?: string }) => call<SettingsView>('PUT', tenantPath(tenantId, 'settings'), update);
export const loadSettingsHistory = (tenantId: string) => call<{ changes: SettingsChange[] }>('GET', tenantPath(tenantId, 'settings/history'));
export const sendTestMail = (tenantId: string) => call<{ sentTo: string; via: 'smtp' | 'ses' }>('POST', tenantPath(tenantId, 'settings/test-mail'));
export const testSmtp = (tenantId: string, sender: SmtpSender, password?: string) =>
  call<{ ok: true; message: string }>('POST', tenantPath(tenantId, 'settings/test-smtp'), { sender, ...(password ? { password } : {}) });

/** Asks for a presigned POST, then uploads the file straight to storage; returns the key for the settings. */
export async function uploadLogo(tenantId: string, file: File): Promise<ApiOutcome<{ key: string }>> {
  const ticket = await call<{ url: string; fields: Record<string, string>; key: string }>('POST', tenantPath(tenantId, 'logo-upload'), { contentType: file.type, size: file.size });
  if (!ticket.ok) return ticket;
  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.value.fields)) form.append(name, value);
  form.append('file', file);
  try {
    const response = await fetch(ticket.value.url, { method: 'POST', body: form });
    if (!response.ok) return { ok: false, status: response.status, errors: { logo: `The upload was refused (HTTP ${response.status}); check the file type and size` } };
  } catch {
    return { ok: false, status: 0, errors: { logo: NETWORK_ERROR } };
  }
  return { ok: true, value: { key: ticket.value.key } };
}
