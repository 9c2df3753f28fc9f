import { MessageRejected, SendEmailCommand, SESClient, type SendEmailCommandInput } from '@aws-sdk/client-ses';
import { BatchGetCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { SNSEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSesEvents } from '../../functions/mail-events/ses-events';
import { SesMail } from '../../functions/providers/mail';
import { createRetryWelcomeMail } from '../../functions/scheduled/retry-welcome-mail';
import { createSendWelcomeEmail } from '../../functions/steps/send-welcome-email';
import { MAIL_ERRORS, WELCOME_MAX_ATTEMPTS, WELCOME_RETRY_DELAYS_MS } from '../../shared/mail-delivery';
import { publicStatusView } from '../../shared/public-status';
import { statusView, type Tenant } from '../../shared/tenant';
import { bounceNotification, complaintNotification, snsEventOf } from '../support/ses-notifications';
import { sdkDeps, TABLE_NAME } from '../support/deps';

const dynamo = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESClient);

const ADMIN = 'anna@acme.com';
/** SES in its sandbox: a recipient that is not a verified identity is refused at SendEmail. */
const sandboxRejection = () => new MessageRejected({ message: `Email address is not verified. The following identities failed the check in region US-EAST-1: ${ADMIN}`, $metadata: { httpStatusCode: 400 } });

type Item = Record<string, unknown>;
/**
 * What the table holds, kept by the mocked DynamoDB client: the tenant item, the welcome mail's
 * marker, suppressed addresses and events seen. Writes are applied as the store sends them (the
 * conditions themselves are DynamoDB's, exercised against DynamoDB Local in test/integration/mail-delivery.test.ts).
 */
let table: Map<string, Item>;
const keyOf = (key: Record<string, unknown>) => `${String(key.pk)}|${String(key.sk)}`;
let clock: Date;
let sandbox: boolean;
const sent: SendEmailCommandInput[] = [];

function tenantItem(overrides: Partial<Tenant> = {}): Item {
  return {
    pk: 'TENANT#t-1', sk: 'META', tenantId: 't-1', subdomain: 'acme', companyName: 'Acme', adminName: 'Anna', adminEmail: ADMIN, primaryColor: '#ff5500',
    plan: 'trial', status: 'ACTIVE', createdAt: '2026-11-26T09:00:00.000Z', updatedAt: '2026-11-26T09:55:00.000Z', steps: {}, version: 3,
    urls: { app: 'https://acme.spaceos.io', staging: 'https://acme-stg.spaceos.io' }, trialEndsAt: '2026-12-10T10:00:00.000Z',
    ...overrides,
  };
}
const tenant = () => table.get('TENANT#t-1|META')!;
const marker = () => table.get('TENANT#t-1|WELCOME_MAIL');

beforeEach(() => {
  dynamo.reset();
  ses.reset();
  sent.length = 0;
  sandbox = true;
  clock = new Date('2026-11-26T10:00:00.000Z');
  table = new Map([['TENANT#t-1|META', tenantItem()]]);
  dynamo.on(GetCommand).callsFake(({ Key }: { Key: Item }) => ({ Item: structuredClone(table.get(keyOf(Key))) }));
  dynamo.on(BatchGetCommand).callsFake(({ RequestItems }: { RequestItems: Record<string, { Keys: Item[] }> }) => ({
    Responses: { [TABLE_NAME]: RequestItems[TABLE_NAME]!.Keys.flatMap((k) => (table.has(keyOf(k)) ? [table.get(keyOf(k))!] : [])) },
  }));
  dynamo.on(PutCommand).callsFake(({ Item }: { Item: Item }) => {
    if (String(Item.pk).startsWith('MAILEVENT#') && table.has(keyOf(Item))) throw Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' });
    table.set(keyOf(Item), Item);
    return {};
  });
  dynamo.on(DeleteCommand).callsFake(({ Key }: { Key: Item }) => (table.delete(keyOf(Key)), {}));
  dynamo.on(UpdateCommand).callsFake((input: { Key: Item; UpdateExpression: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Item }) => {
    const item = table.get(keyOf(input.Key)) ?? { ...input.Key };
    const values = input.ExpressionAttributeValues ?? {};
    if (input.UpdateExpression === 'SET #steps.#step = :record') (item.steps as Item)[input.ExpressionAttributeNames!['#step']!] = values[':record'];
    if (values[':bounce']) item.adminEmailBounce = values[':bounce'];
    if (input.ExpressionAttributeNames?.['#count'] === 'complaintCount') item.complaintCount = Number(item.complaintCount ?? 0) + 1;
    if (String(input.Key.pk).startsWith('SUPPRESSED#')) Object.assign(item, { address: values[':address'], since: item.since ?? values[':since'], bounceType: values[':bounceType'] });
    table.set(keyOf(input.Key), item);
    return {};
  });
  dynamo.on(TransactWriteCommand).callsFake(({ TransactItems }: { TransactItems: Array<{ Update?: { Key: Item; ExpressionAttributeValues: Item }; Put?: { Item: Item }; Delete?: { Key: Item } }> }) => {
    for (const write of TransactItems) {
      if (write.Update) {
        const item = table.get(keyOf(write.Update.Key))!;
        const values = write.Update.ExpressionAttributeValues;
        item.welcomeMail = values[':claim'] ?? values[':outcome'];
        if ((values[':outcome'] as { status?: string } | undefined)?.status === 'sent') item.welcomeEmailSentAt ??= values[':at'];
      }
      if (write.Put) table.set(keyOf(write.Put.Item), write.Put.Item);
      if (write.Delete) table.delete(keyOf(write.Delete.Key));
    }
    return {};
  });
  dynamo.on(QueryCommand).callsFake(({ ExpressionAttributeValues }: { ExpressionAttributeValues: Item }) => ({
    Items: [...table.values()].filter((i) => i.gsi1pk === ExpressionAttributeValues[':status'] && String(i.gsi1sk) < String(ExpressionAttributeValues[':before'])),
  }));
  ses.on(SendEmailCommand).callsFake((input: SendEmailCommandInput) => {
    if (sandbox && input.Destination?.ToAddresses?.includes(ADMIN)) throw sandboxRejection();
    sent.push(input);
    return { MessageId: `m-${sent.length}` };
  });
});

function deps() {
  const base = sdkDeps({ now: () => clock });
  // The mail adapter as Lambda wires it: suppressed addresses come from the table.
  return { ...base, mail: new SesMail(new SESClient({ region: 'us-east-1' }), { suppressions: base.mailStore }) };
}
const welcomeMails = () => sent.filter((m) => m.Destination?.ToAddresses?.includes(ADMIN));
const opsMails = () => sent.filter((m) => m.Destination?.ToAddresses?.includes('cs@spaceos.io'));
const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));

describe('the welcome mail when SES refuses it (sandbox: recipient not verified)', () => {
  it('ends SendWelcomeEmail well with the tenant ACTIVE, the mail retrying, ops alerted and the page told without internals', async () => {
    await expect(createSendWelcomeEmail(deps())({ tenantId: 't-1' })).resolves.toEqual({ tenantId: 't-1' });

    expect(tenant().status).toBe('ACTIVE');
    expect(tenant().welcomeEmailSentAt).toBeUndefined();
    expect(tenant().welcomeMail).toMatchObject({ status: 'retrying', attempts: 1, lastError: MAIL_ERRORS.rejected, nextAttemptAt: new Date(clock.getTime() + WELCOME_RETRY_DELAYS_MS[0]).toISOString() });
    expect((tenant().steps as Record<string, { status: string }>).SendWelcomeEmail?.status).toBe('SUCCEEDED');
    // No refused transition: nothing tried to move the tenant anywhere.
    expect(dynamo.commandCalls(UpdateCommand).filter((c) => c.args[0].input.UpdateExpression?.includes('#status = :to'))).toHaveLength(0);
    expect(marker()).toMatchObject({ gsi1pk: 'MAIL#WELCOME', gsi1sk: (tenant().welcomeMail as { nextAttemptAt: string }).nextAttemptAt });

    expect(opsMails()).toHaveLength(1);
    expect(opsMails()[0]!.Message?.Subject?.Data).toBe('[Launchpad] Welcome mail not delivered yet for acme');
    expect(opsMails()[0]!.Message?.Body?.Text?.Data).toContain('Email address is not verified');

    const view = publicStatusView(statusView(tenant() as unknown as Tenant));
    expect(view.welcomeMail).toBe('retrying');
    expect(JSON.stringify(view)).not.toMatch(/not verified|MessageRejected|US-EAST-1/);
  });

  it('is sent by the retry job once it is due and SES accepts it, exactly once', async () => {
    await createSendWelcomeEmail(deps())({ tenantId: 't-1' });
    const retry = createRetryWelcomeMail(deps());

    sandbox = false; // the address was verified (or production access granted)
    expect(await retry()).toEqual({ sent: [], retrying: [], failed: [] }); // not due yet
    expect(welcomeMails()).toHaveLength(0);

    advance(WELCOME_RETRY_DELAYS_MS[0] + 1000);
    expect(await retry()).toEqual({ sent: ['t-1'], retrying: [], failed: [] });
    expect(welcomeMails()).toHaveLength(1);
    expect(welcomeMails()[0]!.Message?.Subject?.Data).toBe('Your spaceOS instance for Acme is ready');
    // Tagged with the tenant: SES's bounce and complaint events name it.
    expect(welcomeMails()[0]!.Tags).toEqual([{ Name: 'tenant', Value: 't-1' }]);
    expect(tenant()).toMatchObject({ welcomeMail: { status: 'sent', attempts: 2, by: 'retry' }, welcomeEmailSentAt: clock.toISOString() });
    expect(marker()).toBeUndefined();
    expect(publicStatusView(statusView(tenant() as unknown as Tenant)).welcomeMail).toBeUndefined();

    advance(24 * 3_600_000);
    expect(await retry()).toEqual({ sent: [], retrying: [], failed: [] });
    await createSendWelcomeEmail(deps())({ tenantId: 't-1' }); // a resumed provisioning
    expect(welcomeMails()).toHaveLength(1);
  });

  it('gives up after the last attempt: failed, ops alerted, no more attempts', async () => {
    await createSendWelcomeEmail(deps())({ tenantId: 't-1' });
    const retry = createRetryWelcomeMail(deps());
    for (let attempt = 2; attempt <= WELCOME_MAX_ATTEMPTS; attempt++) {
      advance(WELCOME_RETRY_DELAYS_MS[attempt - 2]! + 1000);
      expect(await retry()).toEqual(attempt < WELCOME_MAX_ATTEMPTS ? { sent: [], retrying: ['t-1'], failed: [] } : { sent: [], retrying: [], failed: ['t-1'] });
    }
    expect(tenant().welcomeMail).toMatchObject({ status: 'failed', attempts: WELCOME_MAX_ATTEMPTS, lastError: MAIL_ERRORS.rejected });
    expect(tenant().welcomeMail).not.toHaveProperty('nextAttemptAt');
    expect(marker()).toBeUndefined();
    // Told twice: at the first failure and when giving up; the attempts between are only logged.
    expect(opsMails().map((m) => m.Message?.Subject?.Data)).toEqual(['[Launchpad] Welcome mail not delivered yet for acme', '[Launchpad] Welcome mail given up for acme']);
    expect(publicStatusView(statusView(tenant() as unknown as Tenant)).welcomeMail).toBe('failed');

    advance(7 * 86_400_000);
    expect(await retry()).toEqual({ sent: [], retrying: [], failed: [] });
    expect(ses.commandCalls(SendEmailCommand).filter((c) => c.args[0].input.Destination?.ToAddresses?.includes(ADMIN))).toHaveLength(WELCOME_MAX_ATTEMPTS);
  });

  it('takes over a claim whose sender died before sending, once its lease has run out', async () => {
    sandbox = false;
    // A sender claimed the mail (marker filed at the lease's end) and crashed.
    const leaseUntil = new Date(clock.getTime() + 60_000).toISOString();
    table.get('TENANT#t-1|META')!.welcomeMail = { status: 'sending', attempts: 1, by: 'provisioning', leaseUntil };
    table.set('TENANT#t-1|WELCOME_MAIL', { pk: 'TENANT#t-1', sk: 'WELCOME_MAIL', tenantId: 't-1', gsi1pk: 'MAIL#WELCOME', gsi1sk: leaseUntil });
    const retry = createRetryWelcomeMail(deps());
    await createSendWelcomeEmail(deps())({ tenantId: 't-1' }); // provisioning again while the lease holds: not its turn
    expect(welcomeMails()).toHaveLength(0);
    advance(61_000);
    expect(await retry()).toEqual({ sent: ['t-1'], retrying: [], failed: [] });
    expect(welcomeMails()).toHaveLength(1);
  });
});

describe('the welcome mail owed across other changes', () => {
  it('still goes to an admin who upgraded while it was being retried (no trial end any more)', async () => {
    await createSendWelcomeEmail(deps())({ tenantId: 't-1' });
    // Paid meanwhile: the trial end goes, the mail it is owed stays.
    delete table.get('TENANT#t-1|META')!.trialEndsAt;
    Object.assign(table.get('TENANT#t-1|META')!, { plan: 'paid' });
    sandbox = false;
    advance(WELCOME_RETRY_DELAYS_MS[0] + 1000);
    expect(await createRetryWelcomeMail(deps())()).toEqual({ sent: ['t-1'], retrying: [], failed: [] });
    expect(welcomeMails()).toHaveLength(1);
    expect(marker()).toBeUndefined();
  });

  it('tries its claim again when a racing sender\'s transaction collided with it (TransactionConflict), instead of dropping the mail', async () => {
    sandbox = false;
    const { TransactionCanceledException } = await import('@aws-sdk/client-dynamodb');
    const collided = () => Object.assign(new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {} }), { CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }] });
    // The first claim collides; the mock's table is left as it was, so the second claim is the first to land.
    dynamo.on(TransactWriteCommand).rejectsOnce(collided()).resolves({});
    await createSendWelcomeEmail(deps())({ tenantId: 't-1' });
    const claims = dynamo.commandCalls(TransactWriteCommand).filter((c) => JSON.stringify(c.args[0].input).includes(':claim'));
    expect(claims).toHaveLength(2);
    expect(welcomeMails()).toHaveLength(1);
  });
});

describe('SES bounce and complaint events', () => {
  const handle = (message: unknown) => createSesEvents(deps())(snsEventOf(message) as unknown as SNSEvent);

  it('suppresses an address after a hard bounce, marks its tenant, and sends it nothing more', async () => {
    expect(await handle(bounceNotification('Anna@Acme.com', { tags: { tenant: ['t-1'] } }))).toEqual({ results: ['bounce'] });
    expect(table.get(`SUPPRESSED#${ADMIN}|ADDRESS`)).toMatchObject({ address: ADMIN, bounceType: 'Permanent' });
    expect(tenant().adminEmailBounce).toMatchObject({ bounceType: 'Permanent', bounceSubType: 'General' });

    // A later welcome mail is not sent to the suppressed address: given up at once, ops told.
    sandbox = false;
    await createSendWelcomeEmail(deps())({ tenantId: 't-1' });
    expect(welcomeMails()).toHaveLength(0);
    expect(tenant().welcomeMail).toMatchObject({ status: 'failed', attempts: 1, lastError: MAIL_ERRORS.suppressed });
    expect(opsMails().map((m) => m.Message?.Subject?.Data)).toEqual(['[Launchpad] Welcome mail given up for acme']);
    // Nor any other mail through the adapter.
    expect(await deps().mail.send({ from: 'launchpad@spaceos.io', to: [ADMIN], subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' })).toBe('');
    expect(welcomeMails()).toHaveLength(0);
  });

  it('does not suppress on a soft bounce', async () => {
    expect(await handle(bounceNotification(ADMIN, { bounceType: 'Transient', tags: { tenant: ['t-1'] } }))).toEqual({ results: ['bounce'] });
    expect(table.has(`SUPPRESSED#${ADMIN}|ADDRESS`)).toBe(false);
    expect(tenant().adminEmailBounce).toBeUndefined();
  });

  it('counts a complaint on the tenant once, however often SNS delivers it', async () => {
    const complaint = complaintNotification(ADMIN, { tags: { tenant: ['t-1'] } });
    expect(await handle(complaint)).toEqual({ results: ['complaint'] });
    expect(await handle(complaint)).toEqual({ results: ['ignored'] });
    expect(tenant().complaintCount).toBe(1);
    // Without our tag (mail sent before tags existed), the tenant is found by its admin's email claim.
    table.set(`EMAIL#${ADMIN}|CLAIM`, { pk: `EMAIL#${ADMIN}`, sk: 'CLAIM', tenantId: 't-1' });
    expect(await handle(complaintNotification(ADMIN, { messageId: 'other-message' }))).toEqual({ results: ['complaint'] });
    expect(tenant().complaintCount).toBe(2);
  });

  it('drops a malformed notification without a crash and without touching anything', async () => {
    const before = structuredClone([...table.entries()]);
    for (const message of ['not json', '{}', JSON.stringify({ eventType: 'Bounce', bounce: { bounceType: 'Permanent' } }), JSON.stringify({ ...bounceNotification(ADMIN), bounce: { ...bounceNotification(ADMIN).bounce, bouncedRecipients: [{ emailAddress: 'no-at-sign' }] } })]) {
      expect(await handle(message)).toEqual({ results: ['invalid'] });
    }
    expect(await handle({ eventType: 'Delivery', mail: {} })).toEqual({ results: ['ignored'] });
    expect([...table.entries()]).toEqual(before);
  });
});
