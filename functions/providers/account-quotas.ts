import { GetAccountSummaryCommand, type IAMClient } from '@aws-sdk/client-iam';
import { GetSendQuotaCommand, type SESClient } from '@aws-sdk/client-ses';
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand, type ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type { AccountQuotas, QuotaLimit, QuotaSpec } from '../ops/capacity';

/**
 * The account's own quota figures. Limits: Service Quotas' applied value (GetServiceQuota), else its
 * AWS default (GetAWSDefaultServiceQuota: a quota never changed has no applied value), else the
 * documented default, saying why. Global quotas (IAM, Route 53) answer only in us-east-1, hence
 * their own client. Usages only the account knows: every IAM role (not only Launchpad's), and SES
 * mail sent in the last 24 hours (whose limit is SES's own send quota).
 */
export class AwsAccountQuotas implements AccountQuotas {
  constructor(
    private readonly clients: { quotas: ServiceQuotasClient; globalQuotas: ServiceQuotasClient; iam: IAMClient; ses: SESClient },
  ) {}

  async limit(spec: QuotaSpec): Promise<QuotaLimit> {
    if (spec.key === 'ses-daily-sending') {
      const { Max24HourSend } = await this.clients.ses.send(new GetSendQuotaCommand({}));
      if (Max24HourSend !== undefined) return { value: Max24HourSend, source: Max24HourSend <= 200 ? 'SES send quota (sandbox: ask for production access)' : 'SES send quota' };
    }
    if (!spec.serviceQuota) return { value: spec.defaultLimit, source: 'AWS default (documented; not read from Service Quotas)' };
    const { serviceCode: ServiceCode, quotaCode: QuotaCode, global } = spec.serviceQuota;
    const client = global ? this.clients.globalQuotas : this.clients.quotas;
    try {
      const { Quota } = await client.send(new GetServiceQuotaCommand({ ServiceCode, QuotaCode }));
      if (Quota?.Value !== undefined) return { value: Quota.Value, source: 'Service Quotas (applied)' };
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'NoSuchResourceException') return { value: spec.defaultLimit, source: `AWS default (Service Quotas: ${error instanceof Error ? error.name : 'error'})` };
    }
    try {
      const { Quota } = await client.send(new GetAWSDefaultServiceQuotaCommand({ ServiceCode, QuotaCode }));
      if (Quota?.Value !== undefined) return { value: Quota.Value, source: 'Service Quotas (AWS default, never raised)' };
    } catch (error) {
      return { value: spec.defaultLimit, source: `AWS default (Service Quotas: ${error instanceof Error ? error.name : 'error'})` };
    }
    return { value: spec.defaultLimit, source: 'AWS default (documented)' };
  }

  async usage(spec: QuotaSpec): Promise<number | undefined> {
    if (spec.key === 'iam-roles') return (await this.clients.iam.send(new GetAccountSummaryCommand({}))).SummaryMap?.Roles;
    if (spec.key === 'ses-daily-sending') return (await this.clients.ses.send(new GetSendQuotaCommand({}))).SentLast24Hours;
    return undefined;
  }
}
