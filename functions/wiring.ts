import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CustomerStore } from './providers/customer-store';
import { FleetStore } from './providers/fleet-store';
import { InstanceStore } from './providers/instance-store';
import { MailStore } from './providers/mail-store';
import { PoolStore } from './providers/pool-store';
import { RateLimits } from './providers/rate-limits';
import { SettingsStore } from './providers/settings-store';
import { SignInStore } from './providers/sign-in-store';
import { SignupStore } from './providers/signup-store';
import { StripeEventLedger } from './providers/stripe-event-ledger';
import { TenantStore } from './providers/tenant-store';

/**
 * Every store on the one table, built in one place: for the Lambda wiring (functions/lambda/tables.ts),
 * the embedded default and the tests, so a new store is added once.
 */
export function tableStores(documents: DynamoDBDocumentClient, tableName: string) {
  return {
    tenants: new TenantStore(documents, tableName),
    signups: new SignupStore(documents, tableName),
    stripeEvents: new StripeEventLedger(documents, tableName),
    customers: new CustomerStore(documents, tableName),
    fleet: new FleetStore(documents, tableName),
    settingsStore: new SettingsStore(documents, tableName),
    signIns: new SignInStore(documents, tableName),
    instances: new InstanceStore(documents, tableName),
    poolInstances: new PoolStore(documents, tableName),
    rateLimits: new RateLimits(documents, tableName),
    mailStore: new MailStore(documents, tableName),
  };
}
export type TableStores = ReturnType<typeof tableStores>;
