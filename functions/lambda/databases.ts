import { databaseServersOf } from '../../shared/database-servers';
import { DatabasePlacements } from '../providers/database-placement';
import { createDocumentClient } from '../providers/dynamodb';
import { TenantDatabases } from '../providers/tenant-databases';
import { platform } from './core';
import { once, required } from './env';
import { secrets } from './secrets';

export const databases = once(() => {
  const servers = databaseServersOf(platform());
  // One admin config per server, read from its secret when first needed (a warm function keeps it).
  const admins = new Map(
    servers.map((server) => [
      server.id,
      once(async () => {
        const { username, password } = JSON.parse((await secrets().get(server.adminSecretName)) ?? '{}') as { username: string; password: string };
        // RDS requires TLS; the RDS CA bundle reaches the function through NODE_EXTRA_CA_CERTS.
        return { host: server.host, port: server.port, user: username, password, database: 'postgres', ssl: true };
      }),
    ]),
  );
  const admin = (id: string) => admins.get(id)?.() ?? Promise.reject(new Error(`Database server ${id} is not configured`));
  return new TenantDatabases({ servers, admin }, secrets(), new DatabasePlacements(createDocumentClient(), required('TABLE_NAME')));
});
