import { indexKeys, PARTITION, TABLE, type TransactItem } from './table';

/** The sparse index partition of welcome mails not settled yet, by when each is due (a retry, a lease running out, or a mail never claimed). */
export const WELCOME_DUE_PARTITION = 'MAIL#WELCOME';

export const welcomeMarkerKey = (tenantId: string) => ({ [TABLE.partitionKey]: PARTITION.tenant(tenantId), [TABLE.sortKey]: 'WELCOME_MAIL' });

/**
 * The welcome mail's marker (`TENANT#<id>`/`WELCOME_MAIL`), filed under `MAIL#WELCOME` by when the
 * retry job should look at the mail next. Written by the write that makes the mail due (the trial
 * start, an invoiced tenant's ACTIVE: TenantStore) and re-filed by each claim and settle (MailStore),
 * in the same transaction as each, so no mail is owed without one.
 */
export const welcomeMarkerPut = (tableName: string, tenantId: string, dueAt: string) =>
  ({ Put: { TableName: tableName, Item: { ...welcomeMarkerKey(tenantId), tenantId, ...indexKeys(WELCOME_DUE_PARTITION, dueAt) } } }) satisfies TransactItem;
