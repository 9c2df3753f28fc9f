import * as z from 'zod/mini';
import { smtpSecretName } from '../../shared/instance';
import type { SmtpSender } from '../../shared/settings';
import type { Deps } from '../deps';
import type { SmtpAccount } from '../providers/smtp';

// The tenant's SMTP password in the secrets port. Apart from smtp-health.ts (which re-renders
// config) so that reading it does not bundle the config renderer and yaml.

const storedSchema = z.object({ host: z.string(), user: z.string(), password: z.string() });

/** The stored password, only if it was saved for this very host and user (a new host never gets an old password). */
export async function smtpAccountOf({ secrets }: Pick<Deps, 'secrets'>, tenantId: string, sender: SmtpSender): Promise<SmtpAccount | undefined> {
  const raw = await secrets.get(smtpSecretName(tenantId));
  const parsed = storedSchema.safeParse(raw ? (JSON.parse(raw) as unknown) : undefined);
  if (!parsed.success || parsed.data.host !== sender.host || parsed.data.user !== sender.user) return undefined;
  return { host: sender.host, port: sender.port, secure: sender.secure, user: sender.user, password: parsed.data.password };
}

export async function saveSmtpPassword({ secrets }: Pick<Deps, 'secrets'>, tenantId: string, account: SmtpAccount): Promise<void> {
  await secrets.put(smtpSecretName(tenantId), JSON.stringify({ host: account.host, user: account.user, password: account.password }));
}
