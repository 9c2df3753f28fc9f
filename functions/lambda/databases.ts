import { TenantDatabases } from '../providers/tenant-databases';
import { platform } from './core';
import { once } from './env';
import { secrets } from './secrets';

export const databases = once(() => {
  const admin = once(async () => {
    const { database } = platform();
    const { username, password } = JSON.parse((await secrets().get(database.adminSecretName)) ?? '{}') as { username: string; password: string };
    // RDS requires TLS; the RDS CA bundle reaches the function through NODE_EXTRA_CA_CERTS.
    return { host: database.host, port: database.port, user: username, password, database: 'postgres', ssl: true };
  });
  return new TenantDatabases(admin, secrets());
});
