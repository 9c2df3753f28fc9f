import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SendEmailCommand, SESClient, type SendEmailCommandInput } from '@aws-sdk/client-ses';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import Stripe from 'stripe';
import { beforeEach, describe, expect, it } from 'vitest';
import { createStripeWebhookHandler } from '../../functions/api/stripe-webhook';
import { createOpsService } from '../../functions/ops/ops-service';
import { StripeBilling } from '../../functions/providers/billing';
import type { Compute, ScaledService } from '../../functions/providers/compute';
import type { Tenant } from '../../shared/tenant';
import { apiEvent } from '../support/api-event';
import { sdkDeps, STATE_MACHINE_ARN, TEST_WEBHOOK_SECRET } from '../support/deps';
import { tenantFixture } from '../support/tenants';

/**
 * Issue 15 acceptance points that had no test of their own on the AWS code paths (audit): the
 * Stripe webhook reading billing's state from Stripe's API, on the production wiring (DynamoDB and
 * SES through aws-sdk-client-mock, Stripe through the official SDK with its fetch client answered
 * here), and a resume by ops giving a reconciler-failed tenant a fresh restart budget.
 */

const dynamo = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESClient);
const sfn = mockClient(SFNClient);

type Item = Record<string, unknown>;
/** The table as the mocked client keeps it: tenant items by key (writes to other items are only recorded). */
let table: Map<string, Item>;
const keyOf = (key: Item) => `${String(key.pk)}|${String(key.sk)}`;
const mails: SendEmailCommandInput[] = [];

/** Stripe's API as this test answers it: subscriptions per customer, and every request the SDK sent. */
type StripeSub = { id: string; customer: string; status: string; created: number; latest_invoice?: string | null };
let subscriptions: StripeSub[];
let stripeRequests: string[];
const stripeFetch: typeof fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  const method = init?.method ?? 'GET';
  stripeRequests.push(`${method} ${url.pathname}`);
  const reply = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'request-id': 'req_gaps' } });
  const asStripe = (s: StripeSub) => ({ object: 'subscription', metadata: {}, latest_invoice: null, ...s });
  if (method === 'GET' && url.pathname === '/v1/subscriptions') {
    const customer = url.searchParams.get('customer');
    return reply({ object: 'list', data: subscriptions.filter((s) => s.customer === customer).map(asStripe), has_more: false, url: '/v1/subscriptions' });
  }
  const one = /^\/v1\/subscriptions\/(\w+)$/.exec(url.pathname);
  if (one) {
    const sub = subscriptions.find((s) => s.id === one[1]);
    if (!sub) return reply({ error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such subscription' } }, 404);
    if (method === 'DELETE') sub.status = 'canceled';
    return reply(asStripe(sub));
  }
  if (method === 'GET' && url.pathname === '/v1/invoice_payments') {
    return reply({ object: 'list', data: [{ id: 'inpay_1', object: 'invoice_payment', status: 'paid', payment: { type: 'payment_intent', payment_intent: 'pi_dup' } }], has_more: false, url: '/v1/invoice_payments' });
  }
  if (method === 'POST' && url.pathname === '/v1/refunds') return reply({ id: 're_1', object: 'refund', status: 'succeeded' });
  return reply({ error: { type: 'invalid_request_error', code: 'resource_missing', message: `No route ${method} ${url.pathname}` } }, 404);
};

/** Scale calls recorded: a double of the compute port (the ECS adapter has its own request-level tests). */
class RecordingCompute implements Compute {
  scaled: string[] = [];
  async ensureService() {
    return { name: 'x', created: false };
  }
  async scale(service: { subdomain: string; env: string }, count: number) {
    this.scaled.push(`${service.env}=${count}`);
  }
  async deploy() {}
  async removeService(): Promise<'absent'> {
    throw new Error('Billing never removes services');
  }
  async existingServices(services: readonly ScaledService[]) {
    return new Set(services.map((s) => `${s.subdomain}-${s.env}`));
  }
}
let compute: RecordingCompute;

const TENANT_ID = 'id-acme';
const tenantItem = (changes: Partial<Tenant>): Item => ({
  pk: `TENANT#${TENANT_ID}`,
  sk: 'META',
  ...tenantFixture('acme', { status: 'ACTIVE', plan: 'trial', trialEndsAt: '2026-12-10T10:00:00.000Z', urls: { app: 'https://acme.spaceos.io', staging: 'https://acme-stg.spaceos.io' }, version: 5, ...changes }),
});
const tenant = () => table.get(`TENANT#${TENANT_ID}|META`)!;

/** The tenant's update inside each TransactWriteItems the webhook sent (the billing change and its effects). */
const tenantWrites = () =>
  dynamo
    .commandCalls(TransactWriteCommand)
    .map((c) => c.args[0].input.TransactItems!.find((i) => i.Update && keyOf(i.Update.Key as Item) === `TENANT#${TENANT_ID}|META`)!.Update!);

beforeEach(() => {
  dynamo.reset();
  ses.reset();
  sfn.reset();
  mails.length = 0;
  subscriptions = [];
  stripeRequests = [];
  compute = new RecordingCompute();
  table = new Map();
  dynamo.on(GetCommand).callsFake(({ Key }: { Key: Item }) => ({ Item: structuredClone(table.get(keyOf(Key))) }));
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  // The billing change: applied to the tenant item as DynamoDB would (its SET values, version + 1).
  dynamo.on(TransactWriteCommand).callsFake(({ TransactItems }: { TransactItems: Array<{ Update?: { Key: Item; ExpressionAttributeValues: Item; ExpressionAttributeNames: Record<string, string> } }> }) => {
    for (const { Update } of TransactItems) {
      const item = Update && table.get(keyOf(Update.Key));
      if (!Update || !item) continue;
      for (const [name, field] of Object.entries(Update.ExpressionAttributeNames)) {
        const value = Update.ExpressionAttributeValues[`:${name.slice(1)}`];
        if (value !== undefined && !['pk', 'updatedAt', 'version'].includes(field)) item[field] = value;
      }
      if (Update.ExpressionAttributeValues[':to']) item.status = Update.ExpressionAttributeValues[':to'];
      item.version = Number(item.version) + 1;
    }
    return {};
  });
  ses.on(SendEmailCommand).callsFake((input: SendEmailCommandInput) => (mails.push(input), { MessageId: `m-${mails.length}` }));
});

const webhook = () =>
  createStripeWebhookHandler(
    sdkDeps({
      compute,
      billing: new StripeBilling(new Stripe('sk_test_gaps', { httpClient: Stripe.createFetchHttpClient(stripeFetch), maxNetworkRetries: 0 }), { priceId: 'price_paid', webhookSecret: TEST_WEBHOOK_SECRET }),
    }),
  );
let n = 0;
/** A signed delivery of an event as Stripe sends it; only whose billing it concerns is read from it. */
async function deliver(type: string, object: Item) {
  const payload = JSON.stringify({ id: `evt_gaps_${++n}`, object: 'event', created: 1_764_000_000 + n, type, livemode: false, data: { object } });
  const result = await webhook()(apiEvent({ method: 'POST', path: '/api/webhooks/stripe', body: payload, headers: { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: TEST_WEBHOOK_SECRET }) } }));
  return { status: result.statusCode, body: JSON.parse(result.body ?? '{}') as Record<string, unknown> };
}
const completedCheckout = (customer: string, subscription: string) => ({ object: 'checkout.session', id: `cs_${subscription}`, client_reference_id: TENANT_ID, customer, subscription, mode: 'subscription', payment_status: 'paid' });

describe('the Stripe webhook on AWS reads the state from Stripe (aws-sdk-client-mock, Stripe SDK)', () => {
  it('leaves a cancelled customer SUSPENDED when the older checkout.session.completed arrives after the cancellation', async () => {
    // The cancellation was applied; Stripe retries the checkout event days late.
    table.set(`TENANT#${TENANT_ID}|META`, tenantItem({ status: 'SUSPENDED', plan: 'trial', stripeCustomerId: 'cus_1', stripeSubscriptionId: 'sub_1', trialEndsAt: undefined }));
    subscriptions = [{ id: 'sub_1', customer: 'cus_1', status: 'canceled', created: 1_764_000_000 }];

    expect(await deliver('checkout.session.completed', completedCheckout('cus_1', 'sub_1'))).toMatchObject({ status: 200, body: { outcome: 'unchanged' } });
    expect(tenant()).toMatchObject({ status: 'SUSPENDED', plan: 'trial' });
    expect(tenantWrites()).toEqual([]);
    expect(compute.scaled).toEqual([]);
    expect(mails).toEqual([]);
    expect(stripeRequests).toContain('GET /v1/subscriptions');
  });

  it('suspends at once when the checkout event arrives only after the subscription was cancelled (the deletion not delivered yet)', async () => {
    table.set(`TENANT#${TENANT_ID}|META`, tenantItem({}));
    subscriptions = [{ id: 'sub_1', customer: 'cus_1', status: 'canceled', created: 1_764_000_000 }];

    expect(await deliver('checkout.session.completed', completedCheckout('cus_1', 'sub_1'))).toMatchObject({ status: 200, body: { outcome: 'applied' } });
    const [write] = tenantWrites();
    expect(write!.ExpressionAttributeValues).toMatchObject({ ':to': 'SUSPENDED', ':plan': 'trial', ':stripeSubscriptionId': 'sub_1', ':readVersion': 5 });
    expect(tenant()).toMatchObject({ status: 'SUSPENDED', plan: 'trial' });
    expect(compute.scaled.sort()).toEqual(['prod=0', 'stg=0']);
    // No thank-you mail: the paid plan never started.
    expect(mails).toEqual([]);
  });

  it('cancels and refunds a second paid subscription that slipped through, keeping the recorded one', async () => {
    table.set(`TENANT#${TENANT_ID}|META`, tenantItem({ plan: 'paid', stripeCustomerId: 'cus_1', stripeSubscriptionId: 'sub_keep', paidSince: new Date(1_764_000_000 * 1000).toISOString(), trialEndsAt: undefined }));
    subscriptions = [
      { id: 'sub_keep', customer: 'cus_1', status: 'active', created: 1_764_000_000 },
      // A second checkout paid in another tab, under a customer of its own.
      { id: 'sub_dup', customer: 'cus_2', status: 'active', created: 1_764_000_100, latest_invoice: 'in_dup' },
    ];

    expect(await deliver('checkout.session.completed', completedCheckout('cus_2', 'sub_dup'))).toMatchObject({ status: 200, body: { outcome: 'applied' } });
    expect(tenant()).toMatchObject({ status: 'ACTIVE', plan: 'paid', stripeSubscriptionId: 'sub_keep', stripeCustomerId: 'cus_1' });
    expect(subscriptions.find((s) => s.id === 'sub_dup')!.status).toBe('canceled');
    expect(subscriptions.find((s) => s.id === 'sub_keep')!.status).toBe('active');
    expect(stripeRequests).toContain('DELETE /v1/subscriptions/sub_dup');
    expect(stripeRequests).toContain('POST /v1/refunds');
    // Neither resized nor thanked again: the tenant's plan did not change.
    expect(compute.scaled).toEqual([]);
    expect(mails).toEqual([]);
  });

  it('works the change out again on the fresh tenant when a concurrent delivery wrote it first (conditional write refused)', async () => {
    table.set(`TENANT#${TENANT_ID}|META`, tenantItem({}));
    subscriptions = [{ id: 'sub_1', customer: 'cus_1', status: 'active', created: 1_764_000_000 }];
    // The first write finds the tenant changed (version moved on): DynamoDB refuses it.
    dynamo.on(TransactWriteCommand).rejectsOnce(
      Object.assign(new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {} }), { CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }),
    );
    const original = tenant();
    dynamo.on(GetCommand).callsFake(({ Key }: { Key: Item }) => {
      // Each read after the first sees the version the concurrent writer left.
      const item = table.get(keyOf(Key));
      return { Item: item === original && dynamo.commandCalls(TransactWriteCommand).length > 0 ? { ...item, version: 6 } : structuredClone(item) };
    });

    expect(await deliver('invoice.paid', { object: 'invoice', customer: 'cus_1', parent: { subscription_details: { metadata: { tenantId: TENANT_ID } } } })).toMatchObject({ status: 200 });
    const versions = dynamo.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems![0]!.Update!.ExpressionAttributeValues![':readVersion']);
    expect(versions).toEqual([5, 6]);
    // Stripe read again for the second attempt: the last write is based on the latest read.
    expect(stripeRequests.filter((r) => r === 'GET /v1/subscriptions').length).toBeGreaterThanOrEqual(2);
  });
});

describe('a resume by ops after the reconciler gave up (aws-sdk-client-mock)', () => {
  it("claims the next execution and clears the reconciler's restart count, so the reconciler may restart it again", async () => {
    const failed = tenantFixture('acme', { status: 'FAILED', resumes: 3, executionName: `${TENANT_ID}-r3`, reconcilerRestarts: 3, updatedAt: '2026-11-26T09:00:00.000Z' });
    table.set(`TENANT#${TENANT_ID}|META`, { pk: `TENANT#${TENANT_ID}`, sk: 'META', ...failed });
    const EXECUTIONS = STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:');
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
    sfn.on(DescribeExecutionCommand, { executionArn: `${EXECUTIONS}:${TENANT_ID}-r3` }).resolves({ status: 'FAILED' });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn' });

    const deps = sdkDeps();
    const ops = createOpsService({ tenants: deps.tenants, fleet: deps.fleet, instances: deps.instances, workflows: deps.workflows, now: deps.now });
    expect(await ops.resumeTenant(TENANT_ID)).toBe(`${TENANT_ID}-r4`);

    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name)).toEqual([`${TENANT_ID}-r4`]);
    const claim = dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input).find((u) => u.ExpressionAttributeValues?.[':name'] === `${TENANT_ID}-r4`)!;
    expect(claim.ConditionExpression).toBe('attribute_exists(#pk) AND #status = :status AND #resumes = :seen');
    expect(claim.ExpressionAttributeValues).toMatchObject({ ':status': 'FAILED', ':seen': 3, ':resumes': 4 });
    expect(claim.UpdateExpression).toContain('REMOVE #restarts');
  });
});
