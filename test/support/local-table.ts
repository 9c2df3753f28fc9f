import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { Deps } from '../../functions/deps';
import { createDocumentClient } from '../../functions/providers/dynamodb';
import { tableStores } from '../../functions/wiring';
import type { Workflows } from '../../functions/providers/workflows';
import { ensureTable } from '../../infra/local/dynamodb-local';
import { Sessions } from '../../functions/auth/sessions';
import { MemorySecrets, sdkDeps, testPlatform } from './deps';

/** A fresh table on the shared DynamoDB Local, and Deps wired to it with the real stores. */
export async function localDeps(workflows: Workflows): Promise<Deps> {
  const endpoint = inject('dynamoDbEndpoint');
  const tableName = `launchpad-${randomUUID()}`;
  await ensureTable(endpoint, tableName);
  const stores = tableStores(createDocumentClient(endpoint), tableName);
  return sdkDeps({
    ...stores,
    // Sessions are recorded on the table too: on this one, not on sdkDeps' (mocked) one.
    sessions: new Sessions(new MemorySecrets(), stores.signIns, testPlatform.siteUrl),
    workflows,
    now: () => new Date(),
    newId: () => randomUUID(),
  });
}
