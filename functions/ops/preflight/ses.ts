import { GetAccountCommand, GetEmailIdentityCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { errorName, fail, ok, warn, type PreflightCheck } from './check';

/** The CNAME records SES Easy DKIM asks for: <token>._domainkey.<domain> -> <token>.dkim.amazonses.com. */
export function dkimRecords(domain: string, tokens: readonly string[]): string[] {
  return tokens.map((token) => `CNAME ${token}._domainkey.${domain} -> ${token}.dkim.amazonses.com (DNS only)`);
}

/** Sandbox (mail only to verified addresses, 200 a day) and a paused account both stop signups' mail. */
export async function sesAccountCheck(ses: SESv2Client): Promise<PreflightCheck> {
  const name = 'SES account';
  const account = await ses.send(new GetAccountCommand({}));
  const quota = account.SendQuota?.Max24HourSend;
  const limits = `${quota ?? '?'} mails a day, ${account.SendQuota?.MaxSendRate ?? '?'} a second`;
  if (account.SendingEnabled === false) return fail(name, `sending is paused (enforcement status ${account.EnforcementStatus ?? 'unknown'})`, 'Resolve the reason in the SES console (Reputation metrics); sending must be enabled');
  if (!account.ProductionAccessEnabled) {
    return fail(name, `in the SES sandbox (${limits}): mail reaches verified addresses only, so new customers get no welcome mail`, 'Request production access: SES console -> Account dashboard -> "Request production access" (transactional mail, about 1 day)');
  }
  return ok(name, `production access, ${limits}`);
}

/**
 * The two sender identities the Tenancy stack creates: `<domain>` (Launchpad's own mail) and
 * `clients.<domain>` (tenants' senders). Until their DKIM records are in DNS neither can send.
 */
export async function sesIdentityChecks(ses: SESv2Client, domain: string): Promise<PreflightCheck[]> {
  return Promise.all(
    [domain, `clients.${domain}`].map(async (identity): Promise<PreflightCheck> => {
      const name = `SES identity ${identity}`;
      let found;
      try {
        found = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: identity }));
      } catch (error) {
        if (errorName(error) !== 'NotFoundException') throw error;
        return warn(name, 'not created yet (the Launchpad-Tenancy stack creates it)', 'Deploy, then run preflight again: it prints the DKIM records to add');
      }
      const dkim = found.DkimAttributes;
      const records = dkimRecords(identity, dkim?.Tokens ?? []);
      if (found.VerifiedForSendingStatus && dkim?.Status === 'SUCCESS') return ok(name, 'verified, DKIM signing');
      return fail(name, `not verified for sending (DKIM ${dkim?.Status ?? 'not set up'})`, ...(records.length ? records.map((r) => `In Cloudflare add ${r}`) : ['Set up Easy DKIM for it in the SES console']));
    }),
  );
}
