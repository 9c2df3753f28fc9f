import { validSignup } from './api-event';
import { waitForMail, type SentMail } from './sent-mail';

export const VERIFICATION_SUBJECT = /^Confirm your email address for spaceOS$/;

/** The tenant and token of the verification link in a mail. */
export function verificationLinkIn(mail: SentMail): { url: string; tenantId: string; token: string } {
  const match = /(https?:\/\/\S+\/verify\?tenant=[^&\s]+&token=[^\s"<]+)/.exec(mail.body.text);
  if (!match?.[1]) throw new Error(`No verification link in "${mail.subject}"`);
  const url = new URL(match[1]);
  return { url: match[1], tenantId: url.searchParams.get('tenant') ?? '', token: url.searchParams.get('token') ?? '' };
}

/**
 * Does what the admin does with the verification mail sent to `email`: opens its link (the page
 * posts the token). Returns the answer of POST /api/signups/verify.
 */
export async function verifyFromMail(launchpadUrl: string, sesEndpoint: string, email: string): Promise<Response> {
  const { tenantId, token } = verificationLinkIn(await waitForMail(sesEndpoint, email, VERIFICATION_SUBJECT));
  return fetch(`${launchpadUrl}/api/signups/verify`, { method: 'POST', headers: { 'content-type': 'application/json', origin: launchpadUrl }, body: JSON.stringify({ tenantId, token }) });
}

/**
 * A signup of `<subdomain> Works` (admin admin@<subdomain>.example) on a running Launchpad; its admin
 * opens the verification link at once unless told not to. Returns the tenant id.
 */
export async function signUpOn(launchpad: { url: string; sesEndpoint: string }, subdomain: string, { verify = true } = {}): Promise<string> {
  const response = await fetch(`${launchpad.url}/api/signups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(validSignup({ subdomain, companyName: `${subdomain} Works`, adminEmail: `admin@${subdomain}.example`, primaryColor: '#0f766e' })),
  });
  if (response.status !== 202) throw new Error(`Signup of ${subdomain} answered ${response.status}: ${await response.text()}`);
  const { tenantId } = (await response.json()) as { tenantId: string };
  if (verify) {
    const confirmed = await verifyFromMail(launchpad.url, launchpad.sesEndpoint, `admin@${subdomain}.example`);
    if (confirmed.status !== 200) throw new Error(`Confirming ${subdomain} answered ${confirmed.status}`);
  }
  return tenantId;
}
