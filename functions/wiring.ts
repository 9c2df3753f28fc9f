import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FleetStore } from './providers/fleet-store';
import { SettingsStore } from './providers/settings-store';
import { SignInStore } from './providers/sign-in-store';
import { TenantStore } from './providers/tenant-store';

/**
 * Every store on the one table, built in one place: for the Lambda wiring (functions/lambda/tables.ts),
 * the embedded default and the tests, so a new store is added once.
 */
export function tableStores(documents: DynamoDBDocumentClient, tableName: string) {
  return {
    store: new TenantStore(documents, tableName),
    settingsStore: new SettingsStore(documents, tableName),
    signIns: new SignInStore(documents, tableName),
    fleet: new FleetStore(documents, tableName),
  };
}
export type TableStores = ReturnType<typeof tableStores>;
