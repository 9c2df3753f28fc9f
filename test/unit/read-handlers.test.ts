import { BatchGetCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createHealthHandler } from '../../functions/api/health';
import { createSubdomainAvailabilityHandler } from '../../functions/api/subdomain-availability';
import { createTenantStatusHandler } from '../../functions/api/tenant-status';
import { apiEvent, parseBody } from '../support/api-event';
import { sdkDeps, TABLE_NAME } from '../support/deps';
import { PROVISIONING_STEPS } from '../../shared/provisioning';

const dynamo = mockClient(DynamoDBDocumentClient);
beforeEach(() => dynamo.reset());

const claimed = (...names: string[]) => ({ Responses: { [TABLE_NAME]: names.map((n) => ({ pk: `SUBDOMAIN#${n}` })) } });
const check = (name: string) => createSubdomainAvailabilityHandler(sdkDeps())(apiEvent({ path: `/api/subdomains/${name}`, pathParameters: { name } }));

describe('GET /api/subdomains/{name}', () => {
  it('says a free, valid name is available', async () => {
    dynamo.on(BatchGetCommand).resolves(claimed());
    expect(parseBody(await check('acme'))).toEqual({ available: true });
  });

  it('offers the first free alternative for a taken name', async () => {
    dynamo.on(BatchGetCommand).resolves(claimed('acme', 'acme-2'));
    const result = await check('acme');
    expect(result.statusCode).toBe(200);
    expect(parseBody(result)).toEqual({ available: false, reason: 'This address is already taken', suggestion: 'acme-3' });
  });

  it('explains why an invalid name cannot be had and suggests a valid one', async () => {
    dynamo.on(BatchGetCommand).resolves(claimed());
    expect(parseBody(await check('ad'))).toEqual({ available: false, reason: 'Use at least 3 characters', suggestion: 'ad-hq' });
    expect(parseBody(await check('admin'))).toMatchObject({ available: false, reason: 'This name is reserved', suggestion: 'admin-hq' });
  });
});

const tenantItem = {
  pk: 'TENANT#t-1', sk: 'META', gsi1pk: 'STATUS#PROVISIONING', gsi1sk: '2026-11-26T10:00:01.000Z',
  tenantId: 't-1', subdomain: 'acme', companyName: 'Acme Spaces', adminName: 'Anna', adminEmail: 'anna@acme.com',
  primaryColor: '#ff5500', plan: 'trial', status: 'PROVISIONING', createdAt: '2026-11-26T10:00:00.000Z',
  updatedAt: '2026-11-26T10:00:01.000Z', version: 2, urls: {},
  steps: { MarkProvisioning: { status: 'SUCCEEDED', startedAt: '2026-11-26T10:00:00.500Z', endedAt: '2026-11-26T10:00:01.000Z' } },
};
const status = (id: string) => createTenantStatusHandler(sdkDeps())(apiEvent({ path: `/api/tenants/${id}/status`, pathParameters: { id } }));

describe('GET /api/tenants/{id}/status', () => {
  it('shows the signup progress without the admin contact details', async () => {
    dynamo.on(GetCommand, { Key: { pk: 'TENANT#t-1', sk: 'META' } }).resolves({ Item: tenantItem });
    // Production is deployed and asleep; staging has no record yet.
    const asleep = { pk: 'INSTANCE#acme', sk: 'ROUTE', host: 'acme', tenantId: 't-1', subdomain: 'acme', env: 'prod', plan: 'trial', desiredCount: 1, state: 'sleeping', since: '2026-11-26T11:00:00.000Z', lastRequestAt: '2026-11-26T10:30:00.000Z' };
    dynamo.on(BatchGetCommand).resolves({ Responses: { [TABLE_NAME]: [asleep] } });
    const result = await status('t-1');
    expect(result.statusCode).toBe(200);
    expect(dynamo.commandCalls(BatchGetCommand)[0]!.args[0].input.RequestItems![TABLE_NAME]!.Keys).toEqual([{ pk: 'INSTANCE#acme', sk: 'ROUTE' }, { pk: 'INSTANCE#acme-stg', sk: 'ROUTE' }]);
    expect((parseBody(result) as { instances: unknown }).instances).toEqual({ prod: 'sleeping' });
    const body = parseBody(result) as { steps: Array<{ name: string; status: string }> };
    expect(body).toMatchObject({ tenantId: 't-1', subdomain: 'acme', companyName: 'Acme Spaces', status: 'PROVISIONING', plan: 'trial', urls: {} });
    expect(body.steps[0]).toEqual({ name: 'MarkProvisioning', status: 'SUCCEEDED', startedAt: '2026-11-26T10:00:00.500Z', endedAt: '2026-11-26T10:00:01.000Z' });
    expect(body.steps.map((s) => s.name)).toEqual(PROVISIONING_STEPS.map((s) => s.name));
    expect(body.steps.slice(1).map((s) => s.status)).toEqual(Array(PROVISIONING_STEPS.length - 1).fill('PENDING'));
    expect(result.body).not.toContain('anna@acme.com');
  });

  it('answers 404 for an unknown id, and does not query for a malformed one', async () => {
    dynamo.on(GetCommand).resolves({});
    expect((await status('nope')).statusCode).toBe(404);
    expect((await status('../../etc')).statusCode).toBe(404);
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(1);
  });
});

describe('GET /api/health', () => {
  it('is 200 when the table answers and 503 when it does not', async () => {
    dynamo.on(GetCommand).resolvesOnce({}).rejects(new Error('connection refused'));
    const health = createHealthHandler(sdkDeps());
    expect((await health(apiEvent({ path: '/api/health' }))).statusCode).toBe(200);
    expect((await health(apiEvent({ path: '/api/health' }))).statusCode).toBe(503);
  });
});
