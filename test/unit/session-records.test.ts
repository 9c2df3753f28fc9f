import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Sessions } from '../../functions/auth/sessions';
import { SignInStore } from '../../functions/providers/sign-in-store';
import { MemorySecrets, TABLE_NAME } from '../support/deps';

const dynamo = mockClient(DynamoDBDocumentClient);
const now = new Date('2026-11-26T10:00:00.000Z');
const sessions = () => new Sessions(new MemorySecrets(), new SignInStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), TABLE_NAME), 'https://spaceos.io');

beforeEach(() => dynamo.reset());

describe('session records on the table', () => {
  it('records a new session for its 12 hours (TTL), never over another, and keeps only a hash of its id', async () => {
    dynamo.on(PutCommand).resolves({});
    const { cookie, session } = await sessions().cookieFor('tenant-1', 'ada@example.com', now);
    const put = dynamo.commandCalls(PutCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ TableName: TABLE_NAME, ConditionExpression: 'attribute_not_exists(#pk)', Item: { sk: 'LIVE', tenantId: 'tenant-1', email: 'ada@example.com', validUntil: session.expiresAt, expiresAt: session.expiresAt / 1000 } });
    expect(put.Item?.pk).toMatch(/^SESSION#[0-9a-f]{64}$/);
    expect(JSON.stringify(put)).not.toContain(session.sessionId);
    expect(cookie).toMatch(/^lp_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=43200$/);
  });

  it('reads the record strongly consistently, so a sign-out holds from the very next request', async () => {
    dynamo.on(PutCommand).resolves({});
    const s = sessions();
    const { cookie } = await s.cookieFor('tenant-1', 'ada@example.com', now);
    const cookies = [cookie.split(';')[0]!];
    const key = dynamo.commandCalls(PutCommand)[0]!.args[0].input.Item!.pk as string;
    dynamo.on(GetCommand).resolves({ Item: { pk: key, sk: 'LIVE', validUntil: now.getTime() + 1000 } });
    expect(await s.read(cookies, now)).toMatchObject({ tenantId: 'tenant-1' });
    expect(dynamo.commandCalls(GetCommand)[0]!.args[0].input).toMatchObject({ Key: { pk: key, sk: 'LIVE' }, ConsistentRead: true });

    dynamo.on(DeleteCommand).resolves({});
    await s.end(cookies);
    expect(dynamo.commandCalls(DeleteCommand)[0]!.args[0].input.Key).toEqual({ pk: key, sk: 'LIVE' });
    dynamo.on(GetCommand).resolves({});
    expect(await s.read(cookies, now)).toBeUndefined();
  });

  it('does not ask the table about a forged or expired cookie', async () => {
    dynamo.on(PutCommand).resolves({});
    const s = sessions();
    const { cookie } = await s.cookieFor('tenant-1', 'ada@example.com', now);
    const [, signature] = cookie.split(';')[0]!.split('.');
    const forged = `lp_session=${Buffer.from(JSON.stringify({ sessionId: 'x', tenantId: 'tenant-2', email: 'e', expiresAt: now.getTime() + 1e6 })).toString('base64url')}.${signature}`;
    expect(await s.read([forged], now)).toBeUndefined();
    expect(await s.read([cookie.split(';')[0]!], new Date(now.getTime() + 13 * 3_600_000))).toBeUndefined();
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
  });
});
