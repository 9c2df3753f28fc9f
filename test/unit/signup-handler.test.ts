import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSignupHandler } from '../../functions/api/signup';
import { EXISTING_INSTANCE_SUBJECT, REMOVED_INSTANCE_SUBJECT } from '../../shared/existing-instance-email';
import { apiEvent, parseBody, validSignup } from '../support/api-event';
import { sdkDeps, STATE_MACHINE_ARN, TABLE_NAME } from '../support/deps';

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const ses = mockClient(SESClient);
beforeEach(() => {
  dynamo.reset();
  sfn.reset();
  ses.reset();
  // The limits' counters (under their limits) and the email's claim holder (nobody).
  dynamo.on(UpdateCommand).resolves({});
  dynamo.on(GetCommand).resolves({});
  ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
});

const post = (body: unknown, headers: Record<string, string> = {}) => apiEvent({ method: 'POST', path: '/api/signups', body, headers });
const canceled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

/** The signup's email claim (anna@acme.com) is held by tenant-0, live, with these fields over the defaults. */
function emailHeldBy(tenant: Record<string, unknown>) {
  dynamo.on(TransactWriteCommand).rejects(canceled('None', 'None', 'ConditionalCheckFailed'));
  dynamo.on(GetCommand, { Key: { pk: 'EMAIL#anna@acme.com', sk: 'CLAIM' } }).resolves({ Item: { tenantId: 'tenant-0' } });
  dynamo.on(GetCommand, { Key: { pk: 'TENANT#tenant-0', sk: 'META' } }).resolves({
    Item: { tenantId: 'tenant-0', subdomain: 'first', companyName: 'First', adminName: 'Anna', adminEmail: 'anna@acme.com', primaryColor: '#0f766e', plan: 'trial', status: 'ACTIVE', createdAt: 'x', updatedAt: 'x', steps: {}, urls: {}, version: 3, ...tenant },
  });
}

describe('POST /api/signups', () => {
  it('claims subdomain and email with the tenant in one conditional transaction, then starts provisioning', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn' });

    const result = await createSignupHandler(sdkDeps())(post(validSignup({ adminEmail: 'Anna@Acme.com' })));

    expect(result.statusCode).toBe(202);
    // No admin token for whoever posted the form: the verification gives it.
    expect(parseBody(result)).toEqual({ tenantId: 'tenant-1', statusUrl: '/api/tenants/tenant-1/status' });
    const [write] = dynamo.commandCalls(TransactWriteCommand);
    const puts = write!.args[0].input.TransactItems!.map((item) => item.Put!);
    expect(puts.map((p) => `${p.Item!.pk}|${p.Item!.sk}`)).toEqual(['TENANT#tenant-1|META', 'SUBDOMAIN#acme|CLAIM', 'EMAIL#anna@acme.com|CLAIM']);
    for (const put of puts) {
      expect(put.TableName).toBe(TABLE_NAME);
      expect(put.ConditionExpression).toBe('attribute_not_exists(#pk)');
    }
    expect(puts[0]!.Item).toMatchObject({ status: 'PENDING', plan: 'trial', gsi1pk: 'STATUS#PENDING', companyName: 'Acme Spaces' });
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      name: 'tenant-1',
      input: JSON.stringify({ tenantId: 'tenant-1' }),
    });
  });

  it('mails the typed address a fixed-text verification link, from Launchpad\'s own name, with nothing the signer typed', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({});
    const phishy = 'PayPal Security: verify at paypa1.example';
    await createSignupHandler(sdkDeps())(post(validSignup({ companyName: phishy, adminName: phishy, adminEmail: 'victim@acme.com' })));

    const [sent] = ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
    expect(sent).toMatchObject({ Source: 'launchpad@spaceos.io', Destination: { ToAddresses: ['victim@acme.com'] }, Message: { Subject: { Data: 'Confirm your email address for spaceOS' } } });
    expect(JSON.stringify(sent)).not.toMatch(/PayPal|paypa1/);
    expect(sent!.Message!.Body!.Text!.Data).toMatch(/https:\/\/spaceos\.io\/verify\?tenant=tenant-1&token=\d+\.[\w-]+/);
  });

  it('refuses addresses of disposable mail services, and writes nothing', async () => {
    const result = await createSignupHandler(sdkDeps())(post(validSignup({ adminEmail: 'someone@mailinator.com' })));
    expect(result.statusCode).toBe(400);
    expect(parseBody(result).errors).toEqual({ adminEmail: expect.stringContaining('disposable') });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('answers 429 with Retry-After once a limit is reached (per client address first), and claims nothing', async () => {
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'limit', $metadata: {} }));
    const result = await createSignupHandler(sdkDeps())(post(validSignup()));
    expect(result.statusCode).toBe(429);
    expect(Number(result.headers?.['retry-after'])).toBeGreaterThan(0);
    expect(parseBody(result)).toMatchObject({ error: expect.stringContaining('your network') });
    expect(dynamo.commandCalls(UpdateCommand)[0]!.args[0].input.Key).toMatchObject({ pk: expect.stringContaining('signup:client:') });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(ses.calls()).toHaveLength(0);
  });

  it('sends the link again, instead of 409, when the email belongs to a signup never verified (202 checkInbox)', async () => {
    emailHeldBy({ verifyBy: '2026-11-27T10:00:00.000Z' });

    const result = await createSignupHandler(sdkDeps())(post(validSignup({ subdomain: 'second', adminEmail: 'anna@acme.com' })));

    expect(result.statusCode).toBe(202);
    expect(parseBody(result)).toEqual({ checkInbox: true });
    const [sent] = ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
    expect(sent).toMatchObject({ Destination: { ToAddresses: ['anna@acme.com'] }, Message: { Subject: { Data: 'Confirm your email address for spaceOS' } } });
    expect(sent!.Message!.Body!.Text!.Data).toContain('tenant=tenant-0');
    expect(sfn.calls()).toHaveLength(0);
  });

  it('mails the admin of a confirmed instance a fixed-text sign-in link, with the same 202 checkInbox and nothing the signer typed', async () => {
    dynamo.on(PutCommand).resolves({});
    emailHeldBy({ adminEmail: 'Anna@acme.com', verifyBy: '2026-11-27T10:00:00.000Z', emailVerifiedAt: '2026-11-26T09:00:00.000Z' });
    const phishy = 'PayPal Security: verify at paypa1.example';

    const result = await createSignupHandler(sdkDeps())(post(validSignup({ subdomain: 'second', companyName: phishy, adminName: phishy, adminEmail: 'anna@acme.com' })));

    expect(result.statusCode).toBe(202);
    expect(parseBody(result)).toEqual({ checkInbox: true });
    const mails = ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ Source: 'launchpad@spaceos.io', Destination: { ToAddresses: ['Anna@acme.com'] }, Message: { Subject: { Data: EXISTING_INSTANCE_SUBJECT } } });
    expect(JSON.stringify(mails[0])).not.toMatch(/PayPal|paypa1|First|Anna,/);
    expect(mails[0]!.Message!.Body!.Text!.Data).toMatch(/https:\/\/spaceos\.io\/signin\?token=[\w%-]+/);
    // The link's token is stored (hashed) for the tenant, as the magic link's is.
    expect(dynamo.commandCalls(PutCommand).map((c) => c.args[0].input.Item)).toContainEqual(expect.objectContaining({ tenantId: 'tenant-0', email: 'Anna@acme.com' }));
    expect(dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input.Key)).toContainEqual(expect.objectContaining({ pk: 'RATE#verify-resend:tenant-0' }));
    expect(sfn.calls()).toHaveLength(0);
  });

  it.each(['DELETING', 'DELETED'])('answers the same 202 for the address of an instance %s (claims held through the cooling-off), mailing why nothing was set up', async (status) => {
    emailHeldBy({ status, emailVerifiedAt: '2026-11-26T09:00:00.000Z' });
    const phishy = 'PayPal Security: verify at paypa1.example';

    const result = await createSignupHandler(sdkDeps())(post(validSignup({ subdomain: 'second', companyName: phishy, adminEmail: 'anna@acme.com' })));

    // Not a 409: that would tell anyone the address was a customer's a month ago.
    expect(result.statusCode).toBe(202);
    expect(parseBody(result)).toEqual({ checkInbox: true });
    const mails = ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ Source: 'launchpad@spaceos.io', Destination: { ToAddresses: ['anna@acme.com'] }, Message: { Subject: { Data: REMOVED_INSTANCE_SUBJECT } } });
    expect(JSON.stringify(mails[0])).not.toMatch(/PayPal|paypa1|First|signin\?token/);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('answers 429, mailing nothing, once the taken email was mailed its limit for the hour', async () => {
    emailHeldBy({});
    dynamo.on(UpdateCommand, { Key: { pk: 'RATE#verify-resend:tenant-0' } }).rejects(new ConditionalCheckFailedException({ message: 'limit', $metadata: {} }));

    const result = await createSignupHandler(sdkDeps())(post(validSignup({ subdomain: 'second', adminEmail: 'anna@acme.com' })));

    expect(result.statusCode).toBe(429);
    expect(parseBody(result)).toMatchObject({ error: expect.stringContaining('mailed this address a few times') });
    expect(ses.calls()).toHaveLength(0);
  });

  it('answers 400 naming the field for an invalid email, and writes nothing', async () => {
    const result = await createSignupHandler(sdkDeps())(post(validSignup({ adminEmail: 'not-an-email' })));
    expect(result.statusCode).toBe(400);
    expect(Object.keys(parseBody(result).errors!)).toEqual(['adminEmail']);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it.each([
    ['no body', undefined],
    ['broken JSON', '{"companyName":'],
    ['a JSON array', '[]'],
  ])('answers 400, not 500, for %s', async (_, body) => {
    const result = await createSignupHandler(sdkDeps())(post(body));
    expect(result.statusCode).toBe(400);
    expect(parseBody(result).errors).toBeTypeOf('object');
  });

  it.each([
    [['None', 'ConditionalCheckFailed', 'None'], ['subdomain']],
    [['None', 'None', 'ConditionalCheckFailed'], ['adminEmail']],
    // The email taken too is never named: the answer must not tell that it is someone's.
    [['None', 'ConditionalCheckFailed', 'ConditionalCheckFailed'], ['subdomain']],
  ])('maps cancellation reasons %j to 409 on %j', async (codes, fields) => {
    dynamo.on(TransactWriteCommand).rejects(canceled(...codes));
    const result = await createSignupHandler(sdkDeps())(post(validSignup()));
    expect(result.statusCode).toBe(409);
    expect(Object.keys(parseBody(result).errors!)).toEqual(fields);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('retries a transaction conflict with a concurrent signup until the outcome is clear', async () => {
    dynamo.on(TransactWriteCommand).rejectsOnce(canceled('None', 'TransactionConflict', 'None')).resolves({});
    sfn.on(StartExecutionCommand).resolves({});
    const result = await createSignupHandler(sdkDeps())(post(validSignup()));
    expect(result.statusCode).toBe(202);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('still accepts the signup when Step Functions is down: the tenant stays PENDING for the reconciler', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    sfn.on(StartExecutionCommand).rejects(new Error('Service unavailable'));
    const result = await createSignupHandler(sdkDeps())(post(validSignup()));
    expect(result.statusCode).toBe(202);
  });

  describe('with an Idempotency-Key', () => {
    const key = '6c1d0f7e-5b1f-4a47-9d3f-0c8f3d8a9b21';

    it('puts the key in the same transaction as the claims', async () => {
      dynamo.on(TransactWriteCommand).resolves({});
      sfn.on(StartExecutionCommand).resolves({});
      await createSignupHandler(sdkDeps())(post(validSignup(), { 'idempotency-key': key }));
      const puts = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
      expect(puts[0]!.Put!.Item).toMatchObject({ pk: `IDEMPOTENCY#${key}`, tenantId: 'tenant-1' });
      expect(puts[0]!.Put!.Item!.expiresAt).toBeTypeOf('number');
    });

    it('returns the first 202 for a retried submit, and starting again is harmless', async () => {
      const deps = sdkDeps();
      dynamo.on(TransactWriteCommand).resolvesOnce({}).rejects(canceled('ConditionalCheckFailed', 'None', 'ConditionalCheckFailed', 'ConditionalCheckFailed'));
      sfn.on(StartExecutionCommand).resolvesOnce({}).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
      const handler = createSignupHandler(deps);
      const first = await handler(post(validSignup(), { 'Idempotency-Key': key }));
      const firstPut = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![0]!.Put!.Item!;
      dynamo.on(GetCommand).resolves({ Item: firstPut });

      const retry = await handler(post(validSignup(), { 'Idempotency-Key': key }));

      expect(retry.statusCode).toBe(202);
      expect(parseBody(retry)).toEqual(parseBody(first));
    });

    it('refuses a key reused for a different signup', async () => {
      dynamo.on(TransactWriteCommand).rejects(canceled('ConditionalCheckFailed', 'None', 'None', 'None'));
      dynamo.on(GetCommand).resolves({ Item: { pk: `IDEMPOTENCY#${key}`, tenantId: 'other', requestHash: 'different' } });
      const result = await createSignupHandler(sdkDeps())(post(validSignup(), { 'idempotency-key': key }));
      expect(result.statusCode).toBe(422);
      expect(parseBody(result).errors).toHaveProperty('Idempotency-Key');
    });

    it('answers 400 for a malformed key', async () => {
      const result = await createSignupHandler(sdkDeps())(post(validSignup(), { 'idempotency-key': 'x' }));
      expect(result.statusCode).toBe(400);
      expect(parseBody(result).errors).toHaveProperty('Idempotency-Key');
    });
  });
});
