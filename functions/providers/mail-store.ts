import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { WelcomeMail } from '../../shared/mail-delivery';
import type { Tenant } from '../../shared/tenant';
import { batchGetAll, indexQueryBefore, keys, TABLE, writtenUnlessRefused } from './table';
import { updateTenantIf, type TenantCondition } from './tenant-store';
import { transactUnlessRefused } from './transact-unless-refused';
import { WELCOME_DUE_PARTITION, welcomeMarkerKey, welcomeMarkerPut } from './welcome-marker';

const { partitionKey: PK, sortKey: SK } = TABLE;

const suppressedKey = (address: string) => ({ [PK]: `SUPPRESSED#${address.toLowerCase()}`, [SK]: 'ADDRESS' });

export interface SuppressedAddress {
  address: string;
  since: string;
  bounceType: string;
  bounceSubType: string;
  tenantId?: string;
}

/**
 * Mail delivery on the one table: the welcome mail's claim and its retry schedule (on the tenant
 * item, with a marker item `TENANT#<id>`/`WELCOME_MAIL` filed under `MAIL#WELCOME` in the status
 * index by when it is due, present from the moment the mail falls due (functions/providers/welcome-marker.ts)
 * until it is settled, so neither a failure, nor a sender dying before or after its claim, loses the
 * mail), and what SES reported: suppressed addresses (`SUPPRESSED#<address>`) and per-tenant bounces
 * and complaints.
 */
export class MailStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Claims the tenant's welcome mail for one send, if nobody has sent it, nobody holds it and it is
   * due: as read in `tenant` (the conditions compare what was read, so of racing claimers one wins).
   * Returns the claim (its attempt number), or undefined when someone else has it or it is not due.
   */
  async claimWelcome(tenant: Pick<Tenant, 'tenantId' | 'welcomeMail' | 'welcomeEmailSentAt'>, by: string, at: Date, leaseMs: number): Promise<WelcomeMail | undefined> {
    if (tenant.welcomeEmailSentAt) return undefined;
    const previous = tenant.welcomeMail;
    const now = at.toISOString();
    if (previous && !claimable(previous, now)) return undefined;
    const claim: WelcomeMail = { status: 'sending', attempts: (previous?.attempts ?? 0) + 1, by, leaseUntil: new Date(at.getTime() + leaseMs).toISOString(), ...(previous?.lastError ? { lastError: previous.lastError } : {}) };
    const names: Record<string, string> = { '#pk': PK, '#welcomeMail': 'welcomeMail', '#sent': 'welcomeEmailSentAt', '#updatedAt': 'updatedAt', '#version': 'version' };
    const values: Record<string, unknown> = { ':claim': claim, ':at': now, ':one': 1 };
    const conditions = ['attribute_exists(#pk)', 'attribute_not_exists(#sent)'];
    if (!previous) conditions.push('attribute_not_exists(#welcomeMail)');
    else {
      // The state as read is still the state: another claimer (or a settle) changes status or attempts.
      Object.assign(names, { '#status': 'status', '#attempts': 'attempts', '#due': previous.status === 'retrying' ? 'nextAttemptAt' : 'leaseUntil' });
      Object.assign(values, { ':prevStatus': previous.status, ':prevAttempts': previous.attempts });
      conditions.push('#welcomeMail.#status = :prevStatus', '#welcomeMail.#attempts = :prevAttempts', '#welcomeMail.#due <= :at');
    }
    const written = await transactUnlessRefused(this.db, {
      TransactItems: [
        {
          Update: {
            TableName: this.tableName,
            Key: keys.tenant(tenant.tenantId),
            UpdateExpression: 'SET #welcomeMail = :claim, #updatedAt = :at ADD #version :one',
            ConditionExpression: conditions.join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          },
        },
        // Due when the lease runs out: a sender that dies after claiming is replaced by the retry job.
        welcomeMarkerPut(this.tableName, tenant.tenantId, claim.leaseUntil!),
      ],
    });
    // Of two senders claiming at the same moment, the condition (the state each read) lets one win.
    return written ? claim : undefined;
  }

  /**
   * Records how the claimed send ended. Sent: `welcomeEmailSentAt` too, and the marker goes. Retrying:
   * the marker is filed under the next attempt's time. Failed: the marker goes (nothing more is tried).
   * Written only while `claim` is still the tenant's (a sender whose lease ran out and was replaced
   * records nothing); false then.
   */
  async settleWelcome(tenantId: string, claim: WelcomeMail, outcome: WelcomeMail, at: string): Promise<boolean> {
    const marker = outcome.status === 'retrying' ? welcomeMarkerPut(this.tableName, tenantId, outcome.nextAttemptAt!) : { Delete: { TableName: this.tableName, Key: welcomeMarkerKey(tenantId) } };
    const sent = outcome.status === 'sent';
    return transactUnlessRefused(this.db, {
      TransactItems: [
        {
          Update: {
            TableName: this.tableName,
            Key: keys.tenant(tenantId),
            UpdateExpression: `SET #welcomeMail = :outcome, #updatedAt = :at${sent ? ', #sent = if_not_exists(#sent, :at)' : ''} ADD #version :one`,
            ConditionExpression: 'attribute_exists(#pk) AND #welcomeMail.#status = :sending AND #welcomeMail.#attempts = :attempts',
            ExpressionAttributeNames: { '#pk': PK, '#welcomeMail': 'welcomeMail', '#status': 'status', '#attempts': 'attempts', '#updatedAt': 'updatedAt', '#version': 'version', ...(sent ? { '#sent': 'welcomeEmailSentAt' } : {}) },
            ExpressionAttributeValues: { ':outcome': outcome, ':sending': 'sending', ':attempts': claim.attempts, ':at': at, ':one': 1 },
          },
        },
        marker,
      ],
    });
  }

  /** Tenants whose welcome mail is due (a retry's time came, a sender's lease ran out, or it fell due and nobody claimed it), oldest first. */
  async dueWelcomeMails(at: string, limit = 100): Promise<string[]> {
    const { Items = [] } = await this.db.send(new QueryCommand({ ...indexQueryBefore(this.tableName, WELCOME_DUE_PARTITION, at), Limit: limit }));
    return Items.map((item) => String(item.tenantId));
  }

  /**
   * Ends every welcome-mail lease still running, when the senders holding them are known to be dead:
   * the embedded default starting again on its data dir (one process holds it, its claims died with
   * it). Without this a mail claimed just before a crash waited out WELCOME_LEASE_MS (minutes) before
   * the retry job could send it. Each is made due now; a claim taken meanwhile (the condition) is left.
   */
  async endLeases(at: Date): Promise<string[]> {
    const now = at.toISOString();
    const ended: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ ...indexQueryBefore(this.tableName, WELCOME_DUE_PARTITION, '9999'), ExclusiveStartKey: start }));
      start = page.LastEvaluatedKey;
      // The tenants of a page in one BatchGetItem, not one read each.
      const tenants = await batchGetAll(this.db, this.tableName, (page.Items ?? []).map((item) => keys.tenant(String(item.tenantId))), { consistent: true });
      for (const Item of tenants) {
        const tenantId = String(Item.tenantId);
        const mail = Item.welcomeMail as WelcomeMail | undefined;
        if (mail?.status !== 'sending' || (mail.leaseUntil ?? '') <= now) continue;
        const released = await writtenUnlessRefused(
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: keys.tenant(tenantId),
              UpdateExpression: 'SET #welcomeMail.#lease = :now',
              ConditionExpression: '#welcomeMail.#status = :sending AND #welcomeMail.#attempts = :attempts AND #welcomeMail.#lease = :lease',
              ExpressionAttributeNames: { '#welcomeMail': 'welcomeMail', '#status': 'status', '#attempts': 'attempts', '#lease': 'leaseUntil' },
              ExpressionAttributeValues: { ':now': now, ':sending': 'sending', ':attempts': mail.attempts, ':lease': mail.leaseUntil },
            }),
          ),
        );
        // The marker after the claim: had this write failed, the marker would only fall due at the old lease's end.
        if (released) await this.db.send(new PutCommand(welcomeMarkerPut(this.tableName, tenantId, now).Put));
        if (released) ended.push(tenantId);
      }
    } while (start);
    return ended;
  }

  /** Drops a marker whose tenant has nothing left to send (sent meanwhile, or offboarded). */
  async dropWelcomeMarker(tenantId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: welcomeMarkerKey(tenantId) }));
  }

  // --- What SES reported ---

  /**
   * True the first time an SES event (message id and type) is seen: SNS delivers at least once, and
   * a complaint must count once. Kept 30 days (TTL).
   */
  async firstDelivery(eventKey: string, at: Date): Promise<boolean> {
    return writtenUnlessRefused(
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [PK]: `MAILEVENT#${eventKey}`, [SK]: 'SEEN', [TABLE.ttlAttribute]: Math.floor(at.getTime() / 1000) + 30 * 86_400 },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      ),
    );
  }

  /** Forgets an event seen, when applying it failed: the redelivery applies it. */
  async forgetDelivery(eventKey: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { [PK]: `MAILEVENT#${eventKey}`, [SK]: 'SEEN' } }));
  }

  /** A hard bounce: the address gets no more mail from us (the first bounce's time is kept). */
  async suppress(entry: SuppressedAddress): Promise<void> {
    const address = entry.address.toLowerCase();
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: suppressedKey(address),
        UpdateExpression: 'SET #address = :address, #since = if_not_exists(#since, :since), #bounceType = :bounceType, #bounceSubType = :bounceSubType, #lastAt = :since, #count = if_not_exists(#count, :zero) + :one' + (entry.tenantId ? ', #tenantId = :tenantId' : ''),
        ExpressionAttributeNames: { '#address': 'address', '#since': 'since', '#bounceType': 'bounceType', '#bounceSubType': 'bounceSubType', '#lastAt': 'lastBounceAt', '#count': 'bounces', ...(entry.tenantId ? { '#tenantId': 'tenantId' } : {}) },
        ExpressionAttributeValues: { ':address': address, ':since': entry.since, ':bounceType': entry.bounceType, ':bounceSubType': entry.bounceSubType, ':zero': 0, ':one': 1, ...(entry.tenantId ? { ':tenantId': entry.tenantId } : {}) },
      }),
    );
  }

  /** Lifts a suppression (ops, once the address is known to work again). */
  async unsuppress(address: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: suppressedKey(address) }));
  }

  async suppression(address: string): Promise<SuppressedAddress | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: suppressedKey(address), ConsistentRead: true }));
    return Item?.address ? (Item as unknown as SuppressedAddress) : undefined;
  }

  /** The addresses among `addresses` that get no mail (lower-cased). */
  async suppressedAmong(addresses: readonly string[]): Promise<string[]> {
    if (addresses.length === 0) return [];
    const items = await batchGetAll(this.db, this.tableName, addresses.map(suppressedKey));
    return items.filter((item) => item.address).map((item) => String(item.address));
  }

  /** The tenant whose admin address this is (the signup's email claim), if any. */
  async tenantOfAddress(address: string): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.email(address.toLowerCase()) }));
    return Item?.tenantId ? String(Item.tenantId) : undefined;
  }

  /** A hard bounce of the tenant's admin address, for /ops and the settings page; false when the address is not (any more) the admin's. */
  async recordAdminBounce(tenantId: string, address: string, bounce: { at: string; bounceType: string; bounceSubType: string }): Promise<boolean> {
    return this.updateTenant(tenantId, bounce.at, { set: '#bounce = :bounce', names: { '#bounce': 'adminEmailBounce', '#adminEmail': 'adminEmail' }, values: { ':bounce': bounce, ':address': address.toLowerCase() }, condition: '#adminEmail = :address' });
  }

  /** One complaint about mail sent for the tenant. */
  async countComplaint(tenantId: string, at: string): Promise<boolean> {
    return this.updateTenant(tenantId, at, { set: '#last = :at', add: '#count :one', names: { '#last': 'lastComplaintAt', '#count': 'complaintCount' }, values: {} });
  }

  private updateTenant(tenantId: string, at: string, change: Omit<TenantCondition, 'condition'> & { condition?: string }): Promise<boolean> {
    return updateTenantIf(this.db, this.tableName, tenantId, at, { ...change, condition: ['attribute_exists(#pk)', ...(change.condition ? [change.condition] : [])].join(' AND ') });
  }

}

/** Whether a welcome mail in this state may be claimed now: a retry whose time came, or a claim whose lease ran out. */
function claimable(mail: WelcomeMail, now: string): boolean {
  if (mail.status === 'retrying') return (mail.nextAttemptAt ?? '') <= now;
  if (mail.status === 'sending') return (mail.leaseUntil ?? '') <= now;
  return false;
}
