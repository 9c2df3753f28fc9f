import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMarkActive } from '../../functions/steps/mark-active';
import { startTrialIfDue } from '../../functions/tenant/email-verification';
import { WELCOME_LEASE_MS } from '../../shared/mail-delivery';
import type { Tenant } from '../../shared/tenant';
import { sdkDeps, TABLE_NAME } from '../support/deps';
import { tenantFixture } from '../support/tenants';

/**
 * The welcome mail's marker is written by the write that makes the mail due, in the same
 * DynamoDB transaction (the AWS wiring: DynamoDB through aws-sdk-client-mock). What the retry job
 * does with it is tested against the embedded default in test/integration/welcome-mail-unclaimed.test.ts.
 */
const dynamo = mockClient(DynamoDBDocumentClient);
const AT = new Date('2026-11-26T10:00:00.000Z');
const MARKER_DUE = new Date(AT.getTime() + WELCOME_LEASE_MS).toISOString();
const cancelled = (codes: string[]) => new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

const transactions = () => dynamo.commandCalls(TransactWriteCommand).map((call) => call.args[0].input as TransactWriteCommandInput);
const markerPut = { Put: { TableName: TABLE_NAME, Item: { pk: 'TENANT#id-acme', sk: 'WELCOME_MAIL', tenantId: 'id-acme', gsi1pk: 'MAIL#WELCOME', gsi1sk: MARKER_DUE } } };
const deps = () => sdkDeps({ now: () => AT });

beforeEach(() => {
  dynamo.reset();
});

describe('the trial start (MarkActive or the email confirmation)', () => {
  it('writes trialEndsAt and the welcome marker in one transaction, the marker due once a claiming sender\'s lease would have run out', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    await startTrialIfDue(deps(), 'id-acme');
    const [write] = transactions();
    expect(write?.TransactItems).toHaveLength(2);
    expect(write?.TransactItems?.[0]?.Update).toMatchObject({ Key: { pk: 'TENANT#id-acme', sk: 'META' }, UpdateExpression: expect.stringContaining('trialEndsAt = :trialEndsAt') });
    expect(write?.TransactItems?.[1]).toEqual(markerPut);
  });

  it('is refused as before when the trial is not due or started already, and writes no marker then', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'None']));
    expect(await deps().tenants.startTrial('id-acme', AT.toISOString(), '2026-12-10T10:00:00.000Z', MARKER_DUE)).toBe(false);
  });

  it('is tried again when a concurrent transaction on the tenant cancelled it', async () => {
    dynamo.on(TransactWriteCommand).rejectsOnce(cancelled(['TransactionConflict', 'None'])).resolves({});
    expect(await deps().tenants.startTrial('id-acme', AT.toISOString(), '2026-12-10T10:00:00.000Z', MARKER_DUE)).toBe(true);
    expect(transactions()).toHaveLength(2);
  });
});

describe('MarkActive', () => {
  const provisioning = (changes: Partial<Tenant>) => tenantFixture('acme', { status: 'PROVISIONING', ...changes });

  it('writes an invoiced tenant\'s welcome marker with its move to ACTIVE (it has no trial to start)', async () => {
    dynamo.on(GetCommand).resolves({ Item: { pk: 'TENANT#id-acme', sk: 'META', ...provisioning({ plan: 'paid', billing: 'invoiced' }) } });
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(TransactWriteCommand).resolvesOnce({}).rejects(cancelled(['ConditionalCheckFailed', 'None'])); // the trial start after it: no trial
    await createMarkActive(deps())({ tenantId: 'id-acme' });
    const [activate] = transactions();
    expect(activate?.TransactItems?.[0]?.Update).toMatchObject({ Key: { pk: 'TENANT#id-acme', sk: 'META' }, ExpressionAttributeValues: expect.objectContaining({ ':to': 'ACTIVE' }) });
    expect(activate?.TransactItems?.[1]).toEqual(markerPut);
  });

  it('moves a trial to ACTIVE alone: its marker comes with the trial start', async () => {
    dynamo.on(GetCommand).resolves({ Item: { pk: 'TENANT#id-acme', sk: 'META', ...provisioning({}) } });
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(TransactWriteCommand).resolves({});
    await createMarkActive(deps())({ tenantId: 'id-acme' });
    const activate = dynamo.commandCalls(UpdateCommand).find((call) => call.args[0].input.ExpressionAttributeValues?.[':to'] === 'ACTIVE');
    expect(activate).toBeDefined();
    // The one transaction is the trial start's (trialEndsAt and the marker).
    expect(transactions()).toHaveLength(1);
    expect(transactions()[0]?.TransactItems?.[0]?.Update?.UpdateExpression).toContain('trialEndsAt');
  });
});
