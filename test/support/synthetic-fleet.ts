import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { indexKeys, indexPartition, keys } from '../../functions/providers/table';
import { instanceHosts } from '../../shared/instance';
import type { Tenant } from '../../shared/tenant';

const DAY_MS = 86_400_000;

/** A verified trial, ACTIVE since its creation, its trial ending well after today (nothing is due). */
export function syntheticTenant(i: number, now: Date): Tenant {
  const createdAt = new Date(now.getTime() - (i % 10) * DAY_MS - i).toISOString();
  return {
    tenantId: `scale-${String(i).padStart(5, '0')}`,
    subdomain: `scale-${i}`,
    companyName: `Scale Spaces ${i}`,
    adminName: 'Anna Admin',
    adminEmail: `admin${i}@scale-${i}.example`,
    primaryColor: '#336699',
    plan: 'trial',
    status: 'ACTIVE',
    createdAt,
    updatedAt: createdAt,
    trialEndsAt: new Date(now.getTime() + 20 * DAY_MS).toISOString(),
    emailVerifiedAt: createdAt,
    appVersion: '1.0.0',
    steps: {},
    urls: { app: `http://scale-${i}.localhost`, staging: `http://scale-${i}-stg.localhost` },
    version: 3,
  } as Tenant;
}

/**
 * `count` running tenants written straight to the table as the stores write them (tenant item with
 * its status index keys, subdomain claim, one routing record per instance), 8 batch writes at a time.
 * Returns the items written.
 */
export async function seedSyntheticFleet(documents: DynamoDBDocumentClient, tableName: string, count: number, now: Date): Promise<Array<Record<string, unknown>>> {
  const tenants = Array.from({ length: count }, (_, i) => syntheticTenant(i, now));
  const items = tenants.flatMap((tenant) => [
    { ...keys.tenant(tenant.tenantId), ...indexKeys(indexPartition.status(tenant.status), tenant.createdAt), type: 'tenant', ...tenant },
    { ...keys.subdomain(tenant.subdomain), tenantId: tenant.tenantId, createdAt: tenant.createdAt },
    ...instanceHosts(tenant.subdomain).map((host, e) => ({ ...keys.instance(host), host, tenantId: tenant.tenantId, subdomain: tenant.subdomain, env: e === 0 ? 'prod' : 'stg', plan: 'trial', desiredCount: 1, state: 'sleeping', since: tenant.createdAt, lastRequestAt: tenant.createdAt })),
  ]);
  const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, b) => items.slice(b * 25, b * 25 + 25));
  for (let i = 0; i < batches.length; i += 8) {
    await Promise.all(
      batches.slice(i, i + 8).map(async (batch) => {
        let pending: Array<Record<string, unknown>> = batch;
        while (pending.length > 0) {
          const { UnprocessedItems } = await documents.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending.map((Item) => ({ PutRequest: { Item } })) } }));
          pending = (UnprocessedItems?.[tableName] ?? []).map((r) => r.PutRequest!.Item!);
        }
      }),
    );
  }
  return items;
}
