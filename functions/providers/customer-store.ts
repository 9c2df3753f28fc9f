import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from './table';

/** Stripe customer id -> tenant id, linked at checkout: later invoice events name only the customer. */
export class CustomerStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async linkCustomer(customerId: string, tenantId: string): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.customer(customerId), tenantId } }));
  }

  async tenantForCustomer(customerId: string): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.customer(customerId) }));
    return Item ? String(Item.tenantId) : undefined;
  }
}
