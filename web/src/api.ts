import type { ErrorResponse, SignupAccepted, SignupInput, SubdomainAvailability } from '../../shared/signup';
import type { CheckInbox } from '../../shared/api-bodies';

// The signup page's calls and the helpers all calls share; the other pages' calls are in
// tenant-api.ts, loaded with those pages.

export type SignupOutcome =
  | { ok: true; accepted: SignupAccepted | CheckInbox }
  | { ok: false; status: number; errors: ErrorResponse['errors'] };

export const NETWORK_ERROR = 'We could not reach spaceOS. Check your connection and try again.';

export async function errorsOf(response: Response): Promise<ErrorResponse['errors']> {
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
  if (response.status === 202) return { ok: true, accepted: (await response.json()) as SignupAccepted | CheckInbox };
  // A limit: the server's sentence says which and when to try again.
  if (response.status === 429) {
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    return { ok: false, status: 429, errors: { body: body.error ?? 'Too many signups right now; try again later.' } };
  }
  return { ok: false, status: response.status, errors: await errorsOf(response) };
}

export async function checkSubdomain(name: string, signal: AbortSignal): Promise<SubdomainAvailability> {
  const response = await fetch(`/api/subdomains/${encodeURIComponent(name)}`, { signal });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return (await response.json()) as SubdomainAvailability;
}
