import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { Deps } from '../../functions/deps';
import { createDocumentClient } from '../../functions/providers/dynamodb';
import { TenantStore } from '../../functions/providers/tenant-store';
import { SettingsStore } from '../../functions/providers/settings-store';
import { SignInStore } from '../../functions/providers/sign-in-store';
import { FleetStore } from '../../functions/providers/fleet-store';
import type { Workflows } from '../../functions/providers/workflows';
import { ensureTable } from '../../infra/local/dynamodb-local';
import { sdkDeps } from './deps';

/** A fresh table on the shared DynamoDB Local, and Deps wired to it with the real stores. */
export async function localDeps(workflows: Workflows): Promise<Deps> {
  const endpoint = inject('dynamoDbEndpoint');
  const tableName = `launchpad-${randomUUID()}`;
  await ensureTable(endpoint, tableName);
  const documents = createDocumentClient(endpoint);
  return sdkDeps({
    store: new TenantStore(documents, tableName),
    settingsStore: new SettingsStore(documents, tableName),
    signIns: new SignInStore(documents, tableName),
    fleet: new FleetStore(documents, tableName),
    workflows,
    now: () => new Date(),
    newId: () => randomUUID(),
  });
}
