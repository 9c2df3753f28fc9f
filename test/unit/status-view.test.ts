import { BatchGetCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTenantStatusHandler } from '../../functions/api/tenant-status';
import { FAILED_STEP_MESSAGE } from '../../shared/public-status';
import { apiEvent, parseBody } from '../support/api-event';
import { sdkDeps, TABLE_NAME } from '../support/deps';

const dynamo = mockClient(DynamoDBDocumentClient);
beforeEach(() => dynamo.reset());

const RAW_CAUSE = 'invalid byte sequence for encoding "UTF8": 0x00 (INSERT INTO users (name) VALUES ($1) on db.internal:5432, role t_acme_prod)';
const failedTenant = {
  pk: 'TENANT#t-1', sk: 'META', gsi1pk: 'STATUS#FAILED', gsi1sk: '2026-11-26T10:00:05.000Z',
  tenantId: 't-1', subdomain: 'acme', companyName: 'Acme Spaces', adminName: 'Anna', adminEmail: 'anna@acme.com',
  primaryColor: '#ff5500', plan: 'trial', status: 'FAILED', createdAt: '2026-11-26T10:00:00.000Z',
  updatedAt: '2026-11-26T10:00:05.000Z', version: 4, urls: {},
  steps: {
    MarkProvisioning: { status: 'SUCCEEDED', startedAt: '2026-11-26T10:00:00.500Z', endedAt: '2026-11-26T10:00:01.000Z' },
    CreateDatabases: { status: 'FAILED', startedAt: '2026-11-26T10:00:01.000Z', endedAt: '2026-11-26T10:00:04.000Z', error: RAW_CAUSE },
  },
  failure: { step: 'CreateDatabases', error: 'DatabaseError', cause: RAW_CAUSE, at: '2026-11-26T10:00:05.000Z' },
};

describe('the public status of a failed signup', () => {
  it('says the step failed in plain words and never shows the internal cause', async () => {
    dynamo.on(GetCommand, { Key: { pk: 'TENANT#t-1', sk: 'META' } }).resolves({ Item: failedTenant });
    dynamo.on(BatchGetCommand).resolves({ Responses: { [TABLE_NAME]: [] } });
    const result = await createTenantStatusHandler(sdkDeps())(apiEvent({ path: '/api/tenants/t-1/status', pathParameters: { id: 't-1' } }));
    expect(result.statusCode).toBe(200);
    expect(result.body).not.toContain('UTF8');
    expect(result.body).not.toContain('db.internal');
    expect(result.body).not.toContain('DatabaseError');
    const body = parseBody(result) as { status: string; steps: Array<{ name: string; status: string; error?: string }> };
    expect(body.status).toBe('FAILED');
    expect(body.steps.find((s) => s.name === 'CreateDatabases')).toEqual({ name: 'CreateDatabases', status: 'FAILED', startedAt: '2026-11-26T10:00:01.000Z', endedAt: '2026-11-26T10:00:04.000Z', error: FAILED_STEP_MESSAGE });
    expect(body.steps.filter((s) => s.error !== undefined).map((s) => s.name)).toEqual(['CreateDatabases']);
  });
});
