import { DescribeImagesCommand, ECRClient, ImageNotFoundException } from '@aws-sdk/client-ecr';
import { GetAccountSummaryCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetSendQuotaCommand, SESClient } from '@aws-sdk/client-ses';
import { GetAccountCommand, GetEmailIdentityCommand, NotFoundException, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand, NoSuchResourceException, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import Cloudflare from 'cloudflare';
import Stripe from 'stripe';
import { beforeEach, describe, expect, it } from 'vitest';
import { HANDLED_STRIPE_EVENTS } from '../../functions/billing/stripe-events';
import { preflightReport, type PreflightCheck } from '../../functions/ops/preflight/check';
import { runPreflight, type PreflightSettings } from '../../functions/ops/preflight/run';
import { STRIPE_SETUP_MARK } from '../../functions/ops/stripe-setup';
import { AwsAccountQuotas } from '../../functions/providers/account-quotas';
import { SecretsManagerSecrets } from '../../functions/providers/secrets';

// Preflight against a mocked account: AWS through aws-sdk-client-mock, Stripe and Cloudflare through
// their official SDKs with a fetch this test answers. Every request is recorded, to show none writes.

const sesv2 = mockClient(SESv2Client);
const ecr = mockClient(ECRClient);
const secretsManager = mockClient(SecretsManagerClient);
const quotas = mockClient(ServiceQuotasClient);
const iam = mockClient(IAMClient);
const ses = mockClient(SESClient);
const awsMocks: Array<AwsClientStub<any>> = [sesv2, ecr, secretsManager, quotas, iam, ses]; // eslint-disable-line @typescript-eslint/no-explicit-any -- the stubs' client types differ; only their calls are read

type Sent = { method: string; host: string; path: string };
let sent: Sent[];
/** Answers by "METHOD host/path" (path without the query). */
let answers: Map<string, unknown>;

const fakeFetch: typeof fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  const request = { method: init?.method ?? 'GET', host: url.host, path: url.pathname };
  sent.push(request);
  const key = `${request.method} ${request.host}${request.path}`;
  const body = answers.get(key);
  if (body === undefined) return new Response(JSON.stringify({ error: { type: 'invalid_request_error', code: 'resource_missing', message: `No route ${key}` }, success: false, errors: [{ code: 404, message: 'no route' }] }), { status: 404, headers: { 'content-type': 'application/json' } });
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', 'request-id': 'req_test' } });
};

const STRIPE = 'api.stripe.com';
const CF = 'api.cloudflare.com';
const ZONE = '0123456789abcdef0123456789abcdef';
const CF_TOKEN = 'a'.repeat(40);
const list = (data: unknown[]) => ({ object: 'list', data, has_more: false, url: '/v1/x' });
const cf = (result: unknown) => ({ success: true, errors: [], messages: [], result, result_info: { page: 1, per_page: 20, count: Array.isArray(result) ? result.length : 1, total_count: Array.isArray(result) ? result.length : 1, total_pages: 1 } });

const settings: PreflightSettings = {
  domain: 'spaceos.io',
  cloudflareZoneId: ZONE,
  stripePriceId: 'price_paid',
  tenantImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/spaceos:1.42.0',
  poolSize: 2,
};

const deps = () => ({
  ses: new SESv2Client({ region: 'eu-west-1' }),
  ecr: new ECRClient({ region: 'eu-west-1' }),
  secrets: new SecretsManagerSecrets(new SecretsManagerClient({ region: 'eu-west-1' })),
  quotas: new AwsAccountQuotas({ quotas: new ServiceQuotasClient({ region: 'eu-west-1' }), globalQuotas: new ServiceQuotasClient({ region: 'us-east-1' }), iam: new IAMClient({ region: 'us-east-1' }), ses: new SESClient({ region: 'eu-west-1' }) }),
  account: '123456789012',
  region: 'eu-west-1',
  stripe: (key: string) => new Stripe(key, { httpClient: Stripe.createFetchHttpClient(fakeFetch), maxNetworkRetries: 0 }),
  cloudflare: (apiToken: string) => new Cloudflare({ apiToken, fetch: fakeFetch, maxRetries: 0 }),
});

const byName = (checks: PreflightCheck[]) => Object.fromEntries(checks.map((c) => [c.name, c]));
const statuses = (checks: PreflightCheck[]) => Object.fromEntries(checks.map((c) => [c.name, c.status]));

/** Every AWS command sent, by name: Get*, Describe* and List* only, or preflight wrote something. */
function awsCommandsSent(): string[] {
  return awsMocks.flatMap((mock) => mock.calls().map((call) => (call.args[0] as object).constructor.name));
}

const dkimTokens = (prefix: string) => [`${prefix}1`, `${prefix}2`, `${prefix}3`];
const endpoint = (events: readonly string[], extra: Record<string, unknown> = {}) => ({ id: 'we_1', object: 'webhook_endpoint', url: 'https://spaceos.io/api/webhooks/stripe', enabled_events: events, status: 'enabled', api_version: Stripe.API_VERSION, metadata: { ...STRIPE_SETUP_MARK }, ...extra });

/** A new account: SES sandbox, domains unverified, default quotas, Flexible SSL, test key, no webhook. */
function newAccount() {
  sesv2.on(GetAccountCommand).resolves({ ProductionAccessEnabled: false, SendingEnabled: true, SendQuota: { Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 0 } });
  sesv2.on(GetEmailIdentityCommand, { EmailIdentity: 'spaceos.io' }).resolves({ VerifiedForSendingStatus: false, DkimAttributes: { Status: 'PENDING', Tokens: dkimTokens('own') } });
  sesv2.on(GetEmailIdentityCommand, { EmailIdentity: 'clients.spaceos.io' }).resolves({ VerifiedForSendingStatus: false, DkimAttributes: { Status: 'PENDING', Tokens: dkimTokens('cli') } });
  // A quota never raised has no applied value: Service Quotas answers with AWS's default.
  quotas.on(GetServiceQuotaCommand).rejects(new NoSuchResourceException({ message: 'no applied value', $metadata: {} }));
  quotas.on(GetAWSDefaultServiceQuotaCommand).resolves({ Quota: { Value: 5000 } });
  quotas.on(GetAWSDefaultServiceQuotaCommand, { QuotaCode: 'L-3032A538' }).resolves({ Quota: { Value: 6 } });
  iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { Roles: 10 } });
  ses.on(GetSendQuotaCommand).resolves({ Max24HourSend: 200, SentLast24Hours: 0 });
  ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageTags: ['1.42.0'] }] });
  secretsManager.on(GetSecretValueCommand, { SecretId: 'launchpad/stripe' }).resolves({ SecretString: JSON.stringify({ secretKey: 'sk_test_abc' }) });
  secretsManager.on(GetSecretValueCommand, { SecretId: 'launchpad/cloudflare-token' }).resolves({ SecretString: CF_TOKEN });
  answers.set(`GET ${CF}/client/v4/zones`, cf([{ id: ZONE, name: 'spaceos.io', status: 'active', name_servers: [] }]));
  answers.set(`GET ${CF}/client/v4/zones/${ZONE}/settings/ssl`, cf({ id: 'ssl', value: 'flexible', editable: true }));
  answers.set(`GET ${STRIPE}/v1/balance`, { object: 'balance', livemode: false, available: [], pending: [] });
  answers.set(`GET ${STRIPE}/v1/prices/price_paid`, { id: 'price_paid', object: 'price', active: true, type: 'recurring', currency: 'eur', unit_amount: 4900, recurring: { interval: 'month', interval_count: 1 } });
  answers.set(`GET ${STRIPE}/v1/webhook_endpoints`, list([]));
  answers.set(`GET ${STRIPE}/v1/billing_portal/configurations`, list([]));
}

/** The same account once everything is done. */
function readyAccount() {
  newAccount();
  sesv2.on(GetAccountCommand).resolves({ ProductionAccessEnabled: true, SendingEnabled: true, SendQuota: { Max24HourSend: 50_000, MaxSendRate: 14 } });
  for (const identity of ['spaceos.io', 'clients.spaceos.io']) sesv2.on(GetEmailIdentityCommand, { EmailIdentity: identity }).resolves({ VerifiedForSendingStatus: true, DkimAttributes: { Status: 'SUCCESS', Tokens: dkimTokens('x') } });
  quotas.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 10_000 } });
  quotas.on(GetServiceQuotaCommand, { QuotaCode: 'L-3032A538' }).resolves({ Quota: { Value: 100 } });
  secretsManager.on(GetSecretValueCommand, { SecretId: 'launchpad/stripe' }).resolves({ SecretString: JSON.stringify({ secretKey: 'sk_live_abc', webhookSecret: 'whsec_abc' }) });
  answers.set(`GET ${CF}/client/v4/zones/${ZONE}/settings/ssl`, cf({ id: 'ssl', value: 'strict', editable: true }));
  answers.set(`GET ${STRIPE}/v1/balance`, { object: 'balance', livemode: true, available: [], pending: [] });
  answers.set(`GET ${STRIPE}/v1/webhook_endpoints`, list([endpoint(HANDLED_STRIPE_EVENTS)]));
  answers.set(`GET ${STRIPE}/v1/billing_portal/configurations`, list([{ id: 'bpc_1', object: 'billing_portal.configuration', active: true, metadata: { ...STRIPE_SETUP_MARK } }]));
}

beforeEach(() => {
  for (const mock of awsMocks) mock.reset();
  sent = [];
  answers = new Map();
});

describe('preflight', () => {
  it('on a new account: says what to fix (sandbox, DKIM records, quota, SSL mode, webhook) and fails, writing nothing', async () => {
    newAccount();
    const checks = await runPreflight(deps(), settings);
    expect(statuses(checks)).toEqual({
      'SES account': 'fail',
      'SES identity spaceos.io': 'fail',
      'SES identity clients.spaceos.io': 'fail',
      'IAM roles per account': 'ok',
      'ECS services per cluster': 'ok',
      'Fargate On-Demand vCPU': 'warn',
      'Network interfaces per Region': 'ok',
      'Cloud Map instances per namespace': 'ok',
      "Route 53 records in the namespace's zone": 'ok',
      'Secrets Manager secrets per Region (not adjustable)': 'ok',
      'Cloudflare zone spaceos.io': 'ok',
      'Cloudflare SSL mode': 'warn',
      'Stripe API key': 'warn',
      'Stripe price': 'ok',
      'Stripe webhook': 'fail',
      'Stripe billing portal': 'warn',
      'Tenant image': 'ok',
      'Secret launchpad/stripe': 'fail',
      'Secret launchpad/cloudflare-token': 'ok',
    });
    const found = byName(checks);
    expect(found['SES account']!.detail).toContain('sandbox');
    // The three Easy DKIM CNAMEs of each identity, ready to paste.
    expect(found['SES identity clients.spaceos.io']!.fix).toEqual([
      'In Cloudflare add CNAME cli1._domainkey.clients.spaceos.io -> cli1.dkim.amazonses.com (DNS only)',
      'In Cloudflare add CNAME cli2._domainkey.clients.spaceos.io -> cli2.dkim.amazonses.com (DNS only)',
      'In Cloudflare add CNAME cli3._domainkey.clients.spaceos.io -> cli3.dkim.amazonses.com (DNS only)',
    ]);
    // 6 vCPU: the router's 2 and the pool's 2 tasks take 1, each awake tenant 0.5 (2 tasks of 0.25).
    expect(found['Fargate On-Demand vCPU']!.detail).toContain('room for 10 awake tenants');
    expect(found['Cloudflare SSL mode']!.detail).toMatch(/^flexible/);
    expect(found['Stripe webhook']!.fix).toEqual([expect.stringContaining('npm run ops -- stripe-setup')]);

    const report = preflightReport(checks);
    expect(report.exitCode).toBe(1);
    expect(report.fixes).toContain('[FAIL] Secret launchpad/stripe: Run `npm run ops -- stripe-setup` (it stores the signing secret of the endpoint it creates)');

    // Read-only: AWS got Get/Describe/List commands only, Stripe and Cloudflare GETs only.
    const commands = awsCommandsSent();
    expect(commands.length).toBeGreaterThan(10);
    for (const command of commands) expect(command).toMatch(/^(Get|Describe|List)\w+Command$/);
    expect(new Set(sent.map((r) => r.host))).toEqual(new Set([STRIPE, CF]));
    for (const request of sent) expect(request.method).toBe('GET');
  });

  it('on a ready account: every check passes and the exit code is 0', async () => {
    readyAccount();
    const checks = await runPreflight(deps(), settings);
    expect(checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(byName(checks)['Fargate On-Demand vCPU']!.detail).toContain('room for 198 awake tenants');
    expect(preflightReport(checks).exitCode).toBe(0);
  });

  it('names what is wrong with the webhook endpoint, the price and the image', async () => {
    readyAccount();
    answers.set(`GET ${STRIPE}/v1/webhook_endpoints`, list([endpoint(['checkout.session.completed', 'invoice.paid'])]));
    answers.set(`GET ${STRIPE}/v1/prices/price_paid`, { id: 'price_paid', object: 'price', active: true, type: 'one_time', currency: 'eur', unit_amount: 4900, recurring: null });
    ecr.on(DescribeImagesCommand).rejects(new ImageNotFoundException({ message: 'not found', $metadata: {} }));
    const found = byName(await runPreflight(deps(), settings));
    expect(found['Stripe webhook']).toMatchObject({ status: 'fail', detail: expect.stringContaining('does not receive customer.subscription.created') });
    expect(found['Stripe price']).toMatchObject({ status: 'fail', detail: expect.stringContaining('one-time') });
    expect(found['Tenant image']).toMatchObject({ status: 'fail', fix: ['Push 1.42.0 to spaceos'] });
  });

  it("another account's ECR image: the repository policy must allow the execution role; other registries need credentials", async () => {
    readyAccount();
    const foreign = await runPreflight(deps(), { ...settings, tenantImage: '210987654321.dkr.ecr.eu-west-1.amazonaws.com/spaceos:1.42.0' });
    expect(byName(foreign)['Tenant image']).toMatchObject({ status: 'warn', fix: [expect.stringContaining('arn:aws:ecr:eu-west-1:210987654321:repository/spaceos must allow')] });
    expect(ecr.commandCalls(DescribeImagesCommand).at(-1)!.args[0].input).toMatchObject({ registryId: '210987654321', repositoryName: 'spaceos', imageIds: [{ imageTag: '1.42.0' }] });

    const anonymous = await runPreflight(deps(), { ...settings, tenantImage: 'ghcr.io/acme/spaceos:1.42.0' });
    expect(byName(anonymous)['Tenant image']).toMatchObject({ status: 'warn', detail: expect.stringContaining('must be public') });

    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry-AbCdEf';
    secretsManager.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: JSON.stringify({ username: 'bot', password: 'p' }) });
    const withCredentials = await runPreflight(deps(), { ...settings, tenantImage: 'ghcr.io/acme/spaceos:1.42.0', tenantImageCredentialsSecretArn: arn });
    expect(byName(withCredentials)['Tenant image']!.status).toBe('ok');
  });

  it('before the first deploy: identities and secrets not there yet are warnings, and one failing call does not stop the rest', async () => {
    newAccount();
    sesv2.on(GetEmailIdentityCommand).rejects(new NotFoundException({ message: 'no identity', $metadata: {} }));
    secretsManager.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'no secret', $metadata: {} }));
    sesv2.on(GetAccountCommand).rejects(Object.assign(new Error('User is not authorized to perform ses:GetAccount'), { name: 'AccessDeniedException' }));
    const checks = await runPreflight(deps(), { ...settings, stripeSecretKey: 'sk_test_env', cloudflareApiToken: CF_TOKEN });
    const found = byName(checks);
    expect(found['SES identity spaceos.io']!.status).toBe('warn');
    expect(found['Secret launchpad/stripe']!.status).toBe('warn');
    expect(found['SES account']).toMatchObject({ status: 'fail', detail: 'could not check: AccessDeniedException: User is not authorized to perform ses:GetAccount' });
    // The keys from the environment were used instead.
    expect(found['Stripe API key']!.status).toBe('warn');
    expect(found['Cloudflare zone spaceos.io']!.status).toBe('ok');
  });
});
