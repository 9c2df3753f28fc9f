import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DatabaseServer } from '../../shared/database-servers';
import { TransientError } from '../steps/errors';
import { keys, TABLE } from './table';

/** No configured server has room for one more tenant: add a server (configuration) or a bigger class. */
export class NoDatabaseRoomError extends Error {
  override name = 'NoDatabaseRoom';
}

/** Per server: the connection limits of the tenants placed there, summed (one item each). */
const counterKey = (serverId: string) => ({ [TABLE.partitionKey]: `DBSERVER#${serverId}`, [TABLE.sortKey]: 'CONNECTIONS' });

/** A server and how many connections the tenants placed on it may hold (their roles' limits). */
export interface ServerUsage {
  server: DatabaseServer;
  placed: number;
}

/** Attempts before giving up when other signups keep taking the room first (each loses to a real placement). */
const MAX_ATTEMPTS = 10;

/** A transaction that lost to another: a condition no longer held, or another transaction had the item. */
const lostRace = (error: unknown) => error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict');

/**
 * Which Postgres server each tenant is on, and how much of each server is taken. A tenant's
 * server is chosen once and written with its counter in one transaction: the counter's condition
 * keeps two signups from both taking the last room, the tenant's keeps a retry on the first choice.
 */
export class DatabasePlacements {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Connections placed on each server (0 where none yet). */
  async placed(serverIds: readonly string[]): Promise<Record<string, number>> {
    const counts = await Promise.all(
      serverIds.map(async (id) => {
        const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: counterKey(id), ConsistentRead: true }));
        return [id, Number(Item?.used ?? 0)] as const;
      }),
    );
    return Object.fromEntries(counts);
  }

  /** Every server with what is placed on it (ops' capacity report). */
  async usage(servers: readonly DatabaseServer[]): Promise<ServerUsage[]> {
    const placed = await this.placed(servers.map((s) => s.id));
    return servers.map((server) => ({ server, placed: placed[server.id] ?? 0 }));
  }

  /** The tenant's recorded server; undefined while it has none (or the tenant is gone). */
  async serverOf(tenantId: string): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.tenant(tenantId), ConsistentRead: true, ProjectionExpression: 'databaseServer' }));
    return typeof Item?.databaseServer === 'string' ? Item.databaseServer : undefined;
  }

  /**
   * The tenant's server: the recorded one, else the one with most room (capacity less what is
   * placed), taken with `connections` of its room. `legacy` (a tenant whose databases were begun
   * before placement existed) records `db-1` without counting: it never was.
   */
  async place(tenantId: string, servers: readonly DatabaseServer[], connections: number, { legacy = undefined as string | undefined } = {}): Promise<string> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const existing = await this.serverOf(tenantId);
      if (existing) return existing;
      if (legacy) {
        if (await this.record(tenantId, legacy, 0, undefined)) return legacy;
        continue;
      }
      const placed = await this.placed(servers.map((s) => s.id));
      const withRoom = servers
        .map((server, order) => ({ server, order, room: server.capacity - (placed[server.id] ?? 0) }))
        .filter(({ room }) => room >= connections)
        // Most room first; a tie goes to the server listed first.
        .sort((a, b) => b.room - a.room || a.order - b.order);
      const best = withRoom[0];
      if (!best) {
        const state = servers.map((s) => `${s.id} ${placed[s.id] ?? 0}/${s.capacity}`).join(', ');
        throw new NoDatabaseRoomError(`No Postgres server has room for ${connections} more connections (${state}); add a server to the configuration (README "Database placement")`);
      }
      if (await this.record(tenantId, best.server.id, connections, best.server.capacity)) return best.server.id;
      // Lost a race (the room went to another signup, or a concurrent attempt placed this tenant): read again.
    }
    // Other signups kept winning (a burst): the step's Retry tries again in a moment.
    throw new TransientError(`Placing tenant ${tenantId} lost ${MAX_ATTEMPTS} races for database room in a row`);
  }

  /** Records the server on the tenant and (capacity given) takes the room; false when a condition failed. */
  private async record(tenantId: string, serverId: string, connections: number, capacity: number | undefined): Promise<boolean> {
    const tenant = {
      Update: {
        TableName: this.tableName,
        Key: keys.tenant(tenantId),
        UpdateExpression: 'SET databaseServer = :server, databaseConnections = :n',
        ConditionExpression: `attribute_exists(${TABLE.partitionKey}) AND attribute_not_exists(databaseServer)`,
        ExpressionAttributeValues: { ':server': serverId, ':n': connections },
      },
    };
    const counter =
      capacity === undefined
        ? []
        : [
            {
              Update: {
                TableName: this.tableName,
                Key: counterKey(serverId),
                UpdateExpression: 'ADD used :n',
                // Room is checked against the configured capacity now (a server's capacity may be changed in config).
                ConditionExpression: 'attribute_not_exists(used) OR used <= :max',
                ExpressionAttributeValues: { ':n': connections, ':max': capacity - connections },
              },
            },
          ];
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [tenant, ...counter] }));
      return true;
    } catch (error) {
      if (lostRace(error)) return false;
      throw error;
    }
  }

  /**
   * Gives the tenant's room back once (offboarding, after its databases are dropped); a retry finds
   * `databaseReleasedAt` and changes nothing. Tenants never counted (no placement) have nothing to give.
   */
  async release(tenantId: string, at: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) if (await this.releaseOnce(tenantId, at)) return;
    throw new TransientError(`Releasing tenant ${tenantId}'s database room lost ${MAX_ATTEMPTS} races in a row`);
  }

  /** True when done (released now, before, or nothing to release). */
  private async releaseOnce(tenantId: string, at: string): Promise<boolean> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.tenant(tenantId), ConsistentRead: true }));
    const server = typeof Item?.databaseServer === 'string' ? Item.databaseServer : undefined;
    const connections = Number(Item?.databaseConnections ?? 0);
    if (!server || Item?.databaseReleasedAt) return true;
    const marked = {
      Update: {
        TableName: this.tableName,
        Key: keys.tenant(tenantId),
        UpdateExpression: 'SET databaseReleasedAt = :at',
        ConditionExpression: 'databaseServer = :server AND attribute_not_exists(databaseReleasedAt)',
        ExpressionAttributeValues: { ':at': at, ':server': server },
      },
    };
    const counter = { Update: { TableName: this.tableName, Key: counterKey(server), UpdateExpression: 'ADD used :minus', ExpressionAttributeValues: { ':minus': -connections } } };
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: connections > 0 ? [marked, counter] : [marked] }));
      return true;
    } catch (error) {
      // Lost to a concurrent release (the next read finds it done) or to a placement on the same counter.
      if (lostRace(error)) return false;
      throw error;
    }
  }
}
