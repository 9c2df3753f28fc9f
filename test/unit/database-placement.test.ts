import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DatabasePlacements, NoDatabaseRoomError } from '../../functions/providers/database-placement';
import { placedTenant } from '../../functions/steps/await-placement';
import { TransientError } from '../../functions/steps/errors';
import { tenantFixture } from '../support/tenants';
import { rdsMaxConnections, roleConnectionLimit, serverCapacity, TENANT_CONNECTIONS, tenantsPerServer, type DatabaseServer } from '../../shared/database-servers';

const dynamo = mockClient(DynamoDBDocumentClient);
const TABLE = 'launchpad';
const placements = () => new DatabasePlacements(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), TABLE);
const server = (id: string, capacity: number): DatabaseServer => ({ id, host: '127.0.0.1', port: 5432, adminSecretName: 'admin', capacity });
const SERVERS = [server('db-1', 140), server('db-2', 140)];

/** The table as the mock answers it: counters by server, the tenant's recorded server. */
function table({ used = {} as Record<string, number>, tenantServer = undefined as string | undefined } = {}) {
  dynamo.on(GetCommand).callsFake((input: { Key: { pk: string } }) => {
    const { pk } = input.Key;
    if (pk.startsWith('DBSERVER#')) {
      const id = pk.slice('DBSERVER#'.length);
      return { Item: id in used ? { used: used[id] } : undefined };
    }
    return { Item: { tenantId: 't-1', ...(tenantServer ? { databaseServer: tenantServer } : {}) } };
  });
}

const cancelled = (codes: string[]) => new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
const transactions = () => dynamo.commandCalls(TransactWriteCommand).map((call) => call.args[0].input as TransactWriteCommandInput);
const serverOf = (input: TransactWriteCommandInput) => input.TransactItems?.[0]?.Update?.ExpressionAttributeValues?.[':server'];

beforeEach(() => dynamo.reset());

describe('database placement', () => {
  it('sizes roles from the pool sizes and peak tasks, and servers from max_connections less the reserve', () => {
    expect(roleConnectionLimit('prod')).toBe(10);
    expect(roleConnectionLimit('stg')).toBe(4);
    expect(TENANT_CONNECTIONS).toBe(14);
    expect(rdsMaxConnections('db.t4g.medium')).toBe(405);
    expect(serverCapacity(405)).toBe(405 - 41);
    expect(serverCapacity(100)).toBe(80); // the reserve is at least 20
    expect(tenantsPerServer(rdsMaxConnections('db.t4g.medium'))).toBe(26);
  });

  it('places a new tenant on the server with most room, counter and tenant in one transaction', async () => {
    table({ used: { 'db-1': 28 } });
    dynamo.on(TransactWriteCommand).resolves({});
    expect(await placements().place('t-1', SERVERS, TENANT_CONNECTIONS)).toBe('db-2');
    const [write] = transactions();
    expect(serverOf(write!)).toBe('db-2');
    expect(write!.TransactItems?.[0]?.Update?.ConditionExpression).toContain('attribute_not_exists(databaseServer)');
    expect(write!.TransactItems?.[1]?.Update).toMatchObject({ Key: { pk: 'DBSERVER#db-2', sk: 'CONNECTIONS' }, UpdateExpression: 'ADD used :n', ExpressionAttributeValues: { ':n': 14, ':max': 140 - 14 } });
  });

  it('breaks a tie by the order of the configuration', async () => {
    table();
    dynamo.on(TransactWriteCommand).resolves({});
    expect(await placements().place('t-1', SERVERS, TENANT_CONNECTIONS)).toBe('db-1');
  });

  it('keeps the recorded server on a retry or resume, taking no room again', async () => {
    table({ used: { 'db-1': 140 }, tenantServer: 'db-1' });
    expect(await placements().place('t-1', SERVERS, TENANT_CONNECTIONS)).toBe('db-1');
    expect(transactions()).toHaveLength(0);
  });

  it('refuses with NoDatabaseRoom when no server has room for a whole tenant, writing nothing', async () => {
    table({ used: { 'db-1': 140, 'db-2': 130 } });
    const error = await placements().place('t-1', SERVERS, TENANT_CONNECTIONS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoDatabaseRoomError);
    expect((error as Error).name).toBe('NoDatabaseRoom');
    expect((error as Error).message).toMatch(/db-1 140\/140, db-2 130\/140/);
    expect(transactions()).toHaveLength(0);
  });

  it('loses the last room to a concurrent signup (the counter condition) and takes the next server', async () => {
    // db-2 looked emptier, but another signup took its last room between the read and the write.
    const used = { 'db-1': 112, 'db-2': 98 };
    table({ used });
    dynamo
      .on(TransactWriteCommand)
      .callsFakeOnce(() => {
        used['db-2'] = 140;
        throw cancelled(['None', 'ConditionalCheckFailed']);
      })
      .resolves({});
    expect(await placements().place('t-1', SERVERS, TENANT_CONNECTIONS)).toBe('db-1');
    expect(transactions().map(serverOf)).toEqual(['db-2', 'db-1']);
  });

  it('takes the placement a concurrent attempt for the same tenant recorded (the tenant condition)', async () => {
    let recorded: string | undefined;
    dynamo.on(GetCommand).callsFake((input: { Key: { pk: string } }) => (input.Key.pk.startsWith('DBSERVER#') ? { Item: undefined } : { Item: { tenantId: 't-1', ...(recorded ? { databaseServer: recorded } : {}) } }));
    dynamo.on(TransactWriteCommand).callsFakeOnce(() => {
      recorded = 'db-2';
      throw cancelled(['ConditionalCheckFailed', 'None']);
    });
    expect(await placements().place('t-1', SERVERS, TENANT_CONNECTIONS)).toBe('db-2');
    expect(transactions()).toHaveLength(1);
  });

  it('records a tenant begun before placement on db-1 without counting it', async () => {
    table({ used: { 'db-1': 0 } });
    dynamo.on(TransactWriteCommand).resolves({});
    expect(await placements().place('t-1', SERVERS, TENANT_CONNECTIONS, { legacy: 'db-1' })).toBe('db-1');
    const [write] = transactions();
    expect(write!.TransactItems).toHaveLength(1);
    expect(write!.TransactItems?.[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':server': 'db-1', ':n': 0 });
  });

  it('gives the room back once on release, with the marker in the same transaction', async () => {
    dynamo.on(GetCommand).resolves({ Item: { tenantId: 't-1', databaseServer: 'db-2', databaseConnections: 14 } });
    dynamo.on(TransactWriteCommand).resolves({});
    await placements().release('t-1', '2026-12-03T06:00:00.000Z');
    const [write] = transactions();
    expect(write!.TransactItems?.[1]?.Update).toMatchObject({ Key: { pk: 'DBSERVER#db-2' }, ExpressionAttributeValues: { ':minus': -14 } });
    expect(write!.TransactItems?.[0]?.Update?.ConditionExpression).toContain('attribute_not_exists(databaseReleasedAt)');

    dynamo.reset();
    dynamo.on(GetCommand).resolves({ Item: { tenantId: 't-1', databaseServer: 'db-2', databaseConnections: 14, databaseReleasedAt: '2026-12-03T06:00:00.000Z' } });
    await placements().release('t-1', '2026-12-03T06:01:00.000Z');
    expect(transactions()).toHaveLength(0);
  });
});

describe('RenderConfig waiting for the placement', () => {
  const tenants = (answers: Array<ReturnType<typeof tenantFixture>>) => {
    const calls: string[] = [];
    return { calls, store: { getTenant: async (tenantId: string) => (calls.push(tenantId), answers.shift()) } as never };
  };

  it('renders at once for a placed tenant, and for one whose databases predate placement (on db-1)', async () => {
    const placed = tenantFixture('acme', { databaseServer: 'db-2' });
    const legacy = tenantFixture('old', { steps: { CreateDatabases: { status: 'SUCCEEDED' } } });
    const { calls, store } = tenants([]);
    expect(await placedTenant({ tenants: store }, placed)).toBe(placed);
    expect(await placedTenant({ tenants: store }, legacy)).toBe(legacy);
    expect(calls).toHaveLength(0);
  });

  it('reads the tenant again until CreateDatabases has recorded its server', async () => {
    const { calls, store } = tenants([tenantFixture('acme'), tenantFixture('acme', { databaseServer: 'db-2' })]);
    expect((await placedTenant({ tenants: store }, tenantFixture('acme'))).databaseServer).toBe('db-2');
    expect(calls).toEqual(['id-acme', 'id-acme']);
  });

  it('fails transiently (the Retry asks again) when nothing is placed in time', async () => {
    const { store } = tenants([]);
    await expect(placedTenant({ tenants: store }, tenantFixture('acme'), 0)).rejects.toBeInstanceOf(TransientError);
  });
});
