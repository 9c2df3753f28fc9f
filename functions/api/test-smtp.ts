import { testSmtpRequestSchema, type TestSmtpResult } from '../../shared/settings';
import type { Deps } from '../deps';
import { SmtpRefusedError } from '../providers/smtp';
import { smtpAccountOf } from '../settings/smtp-secret';
import { sessionTenantWithBody } from './admin-session';
import { badRequest, json, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { secrets } from '../lambda/secrets';
import { sessions } from '../lambda/keys';
import { smtp } from '../lambda/smtp';
import { tables } from '../lambda/tables';

type TestSmtpDeps = Pick<Deps, 'now' | 'secrets' | 'sessions' | 'smtp' | 'tenants'>;

/**
 * POST /api/tenants/{id}/settings/test-smtp {sender, password?}: signs in to the SMTP server
 * without saving anything. Without a password, the stored one (same host and user only). Only to
 * public servers on SMTP ports (providers/safe-address.ts), and the answer never quotes the server.
 */
export function createTestSmtpHandler(deps: TestSmtpDeps): ApiHandler {
  return async (event: ApiEvent) => {
    const admin = await sessionTenantWithBody(deps, event, testSmtpRequestSchema);
    if ('response' in admin) return admin.response;
    const { sender, password } = admin.value;
    try {
      // A host Launchpad may not connect to is refused first, whether or not a password came.
      await deps.smtp.check(sender);
      const account = password ? { ...sender, password } : await smtpAccountOf(deps, admin.tenant.tenantId, sender);
      if (!account) return badRequest({ smtpPassword: 'Enter the SMTP password to test it' });
      await deps.smtp.verify(account);
      const result: TestSmtpResult = { ok: true, message: `Signed in to ${sender.host} as ${sender.user}` };
      return json(200, result);
    } catch (error) {
      // Our message only (the adapter logged the server's words): host and port refusals name their field.
      if (error instanceof SmtpRefusedError) return badRequest({ [error.field ? `sender.${error.field}` : 'smtpPassword']: error.message });
      throw error;
    }
  };
}

export const handler = lambdaEntry(createTestSmtpHandler, () => ({ ...core(), secrets: secrets(), sessions: sessions(), smtp: smtp(), tenants: tables().tenants }));
