import { GetAccountSummaryCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetSendQuotaCommand, SESClient } from '@aws-sdk/client-ses';
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand, NoSuchResourceException, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { capacityReport, type CapacityLine } from '../../functions/ops/capacity';
import { AwsAccountQuotas } from '../../functions/providers/account-quotas';
import { createCapacityCheck } from '../../functions/scheduled/capacity-check';
import { runOps } from '../../infra/ops/cli';
import type { OpsBackend } from '../../infra/ops/backend';
import { sdkDeps, testPlatform } from '../support/deps';

const dynamo = mockClient(DynamoDBDocumentClient);
const quotas = mockClient(ServiceQuotasClient);
const iam = mockClient(IAMClient);
const ses = mockClient(SESClient);
const NOW = new Date('2026-11-26T10:00:00.000Z');

const tenantItem = (i: number, status: string) => ({ pk: `TENANT#t-${i}`, sk: 'META', tenantId: `t-${i}`, subdomain: `t${i}`, companyName: 'X', adminName: 'A', adminEmail: 'a@x.example', primaryColor: '#336699', plan: 'trial', status, createdAt: NOW.toISOString(), updatedAt: NOW.toISOString(), steps: {}, urls: {}, version: 1 });
const awakeItem = (i: number, desiredCount: number) => ({ pk: `INSTANCE#t${i}`, sk: 'ROUTE', host: `t${i}`, tenantId: `t-${i}`, subdomain: `t${i}`, env: 'prod', plan: 'trial', desiredCount, state: 'running', since: NOW.toISOString(), lastRequestAt: NOW.toISOString() });

/** 30 ACTIVE tenants, 2 FAILED ones, and 18 awake instance tasks (16 trial instances + a paid one with 2). */
function fleet() {
  dynamo.on(QueryCommand).resolves({ Items: [] });
  // No tenant placed on the (one) Postgres server yet: its counter item does not exist.
  dynamo.on(GetCommand).resolves({});
  dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':status': 'STATUS#ACTIVE', ':before': NOW.toISOString() } }).resolves({ Items: Array.from({ length: 30 }, (_, i) => tenantItem(i, 'ACTIVE')) });
  dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':status': 'STATUS#FAILED', ':before': NOW.toISOString() } }).resolves({ Items: [tenantItem(90, 'FAILED'), tenantItem(91, 'FAILED')] });
  dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':status': 'INSTANCE#AWAKE' } }).resolves({ Items: [...Array.from({ length: 16 }, (_, i) => awakeItem(i, 1)), awakeItem(20, 2)] });
}
const deps = () => ({ ...sdkDeps(), now: () => NOW, platform: { ...testPlatform, pool: { ...testPlatform.pool, size: 2 } } });
const account = () => new AwsAccountQuotas({ quotas: new ServiceQuotasClient({ region: 'eu-west-1' }), globalQuotas: new ServiceQuotasClient({ region: 'us-east-1' }), iam: new IAMClient({ region: 'us-east-1' }), ses: new SESClient({ region: 'eu-west-1' }) });
const line = (lines: CapacityLine[], key: CapacityLine['key']) => lines.find((l) => l.key === key)!;

beforeEach(() => {
  for (const mock of [dynamo, quotas, iam, ses]) mock.reset();
  fleet();
});

describe('capacity', () => {
  it('counts the fleet from the table against AWS defaults locally: 2 services per tenant, no role per tenant, a quarter vCPU per awake, pool and router task', async () => {
    const lines = await capacityReport(deps());
    expect(line(lines, 'ecs-services')).toMatchObject({ used: 64, limit: 5000, percent: 1.3, alarm: false });
    // Instances share one role (session tags say whose): the stacks' own roles, however many tenants.
    expect(line(lines, 'iam-roles')).toMatchObject({ used: 75, limit: 1000 });
    // 18 instance tasks + 2 pool + 2 router = 22 tasks x 0.25 vCPU = 5.5 of a new account's 6: the first quota to raise.
    expect(line(lines, 'fargate-vcpu')).toMatchObject({ used: 5.5, limit: 6, percent: 91.7, alarm: true, limitSource: 'AWS default (nothing to ask locally)' });
    expect(line(lines, 'ses-daily-sending')).toMatchObject({ limit: 200, alarm: false });
    expect(line(lines, 'ses-daily-sending').used).toBeUndefined();
  });

  it("reads the account's applied limits, falls back to AWS's default for a quota never raised, and says so when Service Quotas refuses", async () => {
    quotas.on(GetServiceQuotaCommand, { ServiceCode: 'fargate' }).resolves({ Quota: { Value: 400 } });
    quotas.on(GetServiceQuotaCommand, { ServiceCode: 'ecs' }).rejects(new NoSuchResourceException({ message: 'no applied value', $metadata: {} }));
    quotas.on(GetAWSDefaultServiceQuotaCommand, { ServiceCode: 'ecs' }).resolves({ Quota: { Value: 5000 } });
    quotas.on(GetServiceQuotaCommand, { ServiceCode: 'vpc' }).rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));
    quotas.on(GetServiceQuotaCommand, { ServiceCode: 'iam' }).resolves({ Quota: { Value: 1000 } });
    quotas.on(GetServiceQuotaCommand, { ServiceCode: 'route53' }).resolves({ Quota: { Value: 10000 } });
    iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { Roles: 950 } });
    ses.on(GetSendQuotaCommand).resolves({ Max24HourSend: 200, SentLast24Hours: 170 });

    const lines = await capacityReport(deps(), account());
    expect(line(lines, 'fargate-vcpu')).toMatchObject({ limit: 400, limitSource: 'Service Quotas (applied)', alarm: false });
    expect(line(lines, 'ecs-services')).toMatchObject({ limit: 5000, limitSource: 'Service Quotas (AWS default, never raised)' });
    expect(line(lines, 'network-interfaces')).toMatchObject({ limit: 5000, limitSource: 'AWS default (Service Quotas: AccessDeniedException)' });
    // The account's own count: every role, not only Launchpad's.
    expect(line(lines, 'iam-roles')).toMatchObject({ used: 950, limit: 1000, percent: 95, alarm: true });
    expect(line(lines, 'ses-daily-sending')).toMatchObject({ used: 170, limit: 200, percent: 85, alarm: true, limitSource: 'SES send quota (sandbox: ask for production access)' });
    // IAM and Route 53 quotas are global: asked in us-east-1.
    const globalAsked = await Promise.all(quotas.commandCalls(GetServiceQuotaCommand).filter((c) => ['iam', 'route53'].includes(c.args[0].input.ServiceCode!)).map((c) => (c.thisValue as ServiceQuotasClient).config.region()));
    expect(new Set(globalAsked)).toEqual(new Set(['us-east-1']));
  });

  it('the scheduled check returns the highest percentage it alarms on and warns naming the quotas at 80 % or more', async () => {
    const warned: unknown[] = [];
    const logger = Object.assign(Object.create(deps().logger) as ReturnType<typeof deps>['logger'], { warn: (_message: string, details: unknown) => void warned.push(details), info: () => undefined });
    const { maxPercent } = await createCapacityCheck({ ...deps(), logger })();
    expect(maxPercent).toBe(91.7);
    expect(JSON.stringify(warned)).toContain('fargate-vcpu');
  });

  it('`npm run ops -- capacity` prints each quota, marks those at 80 % or more and exits 1 then', async () => {
    const lines = await capacityReport(deps());
    const out: string[] = [];
    const code = await runOps(['capacity'], { capacity: async () => lines } as Pick<OpsBackend, 'capacity'> as OpsBackend, (l) => out.push(l));
    expect(code).toBe(1);
    expect(out.join('\n')).toMatch(/Fargate On-Demand vCPU\s+5.5\s+6\s+91.7 %\s+<- at or above 80 %/);
    expect(out.join('\n')).toMatch(/ECS services per cluster\s+64\s+5,000\s+1.3 %/);
  });
});
