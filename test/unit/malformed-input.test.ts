import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import Stripe from 'stripe';
import { beforeEach, describe, expect, it } from 'vitest';
import { createStripeWebhookHandler } from '../../functions/api/stripe-webhook';
import { createSubdomainAvailabilityHandler } from '../../functions/api/subdomain-availability';
import { apiEvent, parseBody } from '../support/api-event';
import { sdkDeps, TABLE_NAME, TEST_WEBHOOK_SECRET } from '../support/deps';

// Issue 14, finding 7: anonymous or signed input that used to end in a 500 (or a crash).

const dynamo = mockClient(DynamoDBDocumentClient);
beforeEach(() => {
  dynamo.reset();
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
});

describe('GET /api/subdomains/{name} with a broken percent-encoding', () => {
  it.each(['%', '%E0%A4%A', 'acme%ZZ', '%ED%A0%80'])('answers 400 with a field error for %s, looking nothing up', async (name) => {
    const result = await createSubdomainAvailabilityHandler(sdkDeps())(apiEvent({ path: `/api/subdomains/${name}`, pathParameters: { name } }));
    expect(result.statusCode).toBe(400);
    expect(parseBody(result).errors).toHaveProperty('name');
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('still decodes a well-formed one', async () => {
    dynamo.on(BatchGetCommand).resolves({ Responses: { [TABLE_NAME]: [] } });
    const result = await createSubdomainAvailabilityHandler(sdkDeps())(apiEvent({ path: '/api/subdomains/%41cme', pathParameters: { name: '%41cme' } }));
    expect(result.statusCode).toBe(200);
    expect(parseBody(result)).toEqual({ available: true });
  });
});

const deliver = (payload: string) =>
  createStripeWebhookHandler(sdkDeps())(
    apiEvent({ method: 'POST', path: '/api/webhooks/stripe', body: payload, headers: { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: TEST_WEBHOOK_SECRET }) } }),
  );
const signedEvent = (type: string, data: unknown) => JSON.stringify({ id: 'evt_unusable', object: 'event', type, created: 1_764_150_000, livemode: false, data });

describe('POST /api/webhooks/stripe with a correctly signed event Launchpad cannot use', () => {
  const HANDLED = ['checkout.session.completed', 'customer.subscription.updated', 'customer.subscription.deleted', 'invoice.payment_failed', 'invoice.paid'];
  const UNUSABLE_DATA: Array<[string, unknown]> = [
    ['a null object', { object: null }],
    ['no object', {}],
    ['no data at all', undefined],
    ['a string for an object', { object: 'cs_123' }],
    ['an over-long tenant or customer id', { object: { client_reference_id: 'x'.repeat(3000), customer: 'c'.repeat(3000), metadata: { tenantId: 't'.repeat(3000) }, id: 'sub_1', status: 'active' } }],
  ];
  for (const type of HANDLED) {
    it.each(UNUSABLE_DATA)(`acknowledges ${type} with %s: 200, nothing changed, and the event is done (a retry is a duplicate)`, async (_, data) => {
      const result = await deliver(signedEvent(type, data));
      expect(result.statusCode).toBe(200);
      expect(parseBody(result)).toMatchObject({ received: true, outcome: 'ignored' });
      // No tenant was looked for or changed.
      expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
      expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
      expect(dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input.UpdateExpression)).toEqual([expect.stringContaining('#done = :at')]);
    });
  }

  it.each<[string, string]>([
    ['JSON null', 'null'],
    ['an array', '[]'],
    ['an object without an id', JSON.stringify({ type: 'invoice.paid', created: 1_764_150_000, data: { object: {} } })],
    ['a number for an id', JSON.stringify({ id: 5, type: 'invoice.paid', created: 1_764_150_000, data: { object: {} } })],
    ['an id longer than a key may be', JSON.stringify({ id: `evt_${'x'.repeat(3000)}`, type: 'invoice.paid', created: 1_764_150_000, data: { object: {} } })],
    ['a time that is not a number', JSON.stringify({ id: 'evt_1', type: 'invoice.paid', created: 'yesterday', data: { object: {} } })],
  ])('refuses %s with 400, claiming nothing', async (_, payload) => {
    const result = await deliver(payload);
    expect(result.statusCode).toBe(400);
    expect(parseBody(result).errors).toHaveProperty('body');
    expect(dynamo.calls()).toHaveLength(0);
  });
});
