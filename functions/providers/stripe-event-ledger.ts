import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { isConditionFailure, keys, TABLE, writtenUnlessRefused, type TransactItem } from './table';

const { partitionKey: PK } = TABLE;
const EVENT_TTL_SECONDS = 30 * 24 * 60 * 60;

/**
 * What follows an applied change, kept on the event's claim until done: a failure after the
 * change was stored (ECS, SES) is finished by Stripe's retry of the same event, which would
 * otherwise find the change applied and do nothing.
 */
export const eventEffectsSchema = z.object({
  tenantId: z.string(),
  size: z.optional(z.enum(['paid', 'suspended'])),
  /** The instances were stopped (SUSPENDED): they catch up with the fleet's version before starting. */
  wake: z.optional(z.boolean()),
  mail: z.optional(z.enum(['thank-you', 'payment-failed'])),
  /** A second live subscription of the tenant (two checkouts paid): cancelled and refunded, or ops is told. */
  duplicates: z.optional(z.array(z.string())),
});
export type EventEffects = z.infer<typeof eventEffectsSchema>;

/**
 * An event claimed before, as a new delivery finds it: `done` (a duplicate); `busy` (another
 * attempt holds the lease); `abandoned` (the last attempt failed or died; this one now holds the
 * lease), with the `effects` still to run if its change was applied, without if nothing was.
 */
export type EventTakeOver = { state: 'done' } | { state: 'busy' } | { state: 'abandoned'; effects?: EventEffects };

/**
 * Stripe webhook events by id, each claimed by one attempt at a time. A claim item is leased
 * (`leaseUntil` ahead), abandoned (`leaseUntil` passed or released to 0) or done (`doneAt`); no
 * item means free. Items expire after 30 days, long after Stripe stops retrying.
 */
export class StripeEventLedger {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Claims a webhook event id for one attempt, leased for `leaseMs` (the attempt's time limit);
   * false if another attempt claimed it already (see `takeOverEvent`).
   */
  async claimEvent(eventId: string, at: Date, leaseMs: number): Promise<boolean> {
    return writtenUnlessRefused(
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.stripeEvent(eventId), receivedAt: at.toISOString(), leaseUntil: at.getTime() + leaseMs, [TABLE.ttlAttribute]: Math.floor(at.getTime() / 1000) + EVENT_TTL_SECONDS },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      ),
    );
  }

  /** For an event claimed before: takes its lease over if the claim is abandoned (see `EventTakeOver`). */
  async takeOverEvent(eventId: string, at: Date, leaseMs: number): Promise<EventTakeOver> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.stripeEvent(eventId),
          UpdateExpression: 'SET #lease = :until',
          ConditionExpression: 'attribute_exists(#lease) AND #lease < :now AND attribute_not_exists(#done)',
          ExpressionAttributeNames: { '#lease': 'leaseUntil', '#done': 'doneAt' },
          ExpressionAttributeValues: { ':until': at.getTime() + leaseMs, ':now': at.getTime() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      // Effects this version cannot read count as none: the event is handled again, and reads
      // the state it would apply, which is applied already.
      const effects = eventEffectsSchema.safeParse(Attributes?.effects);
      return { state: 'abandoned', ...(effects.success ? { effects: effects.data } : {}) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.stripeEvent(eventId), ConsistentRead: true }));
    // Claims from before leases existed carry neither: they were finished or given back.
    return { state: Item && Item.doneAt === undefined && typeof Item.leaseUntil === 'number' ? 'busy' : 'done' };
  }

  /**
   * The write that stores an event's effects on its claim, for the transaction that applies its
   * change (TenantStore.applyBillingEvent); it fails if the claim is gone.
   */
  effectsWrite(eventId: string, effects: EventEffects): TransactItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.stripeEvent(eventId),
        UpdateExpression: 'SET #effects = :effects',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK, '#effects': 'effects' },
        ExpressionAttributeValues: { ':effects': effects },
      },
    };
  }

  /** The event is fully handled: later deliveries are duplicates. */
  async finishEvent(eventId: string, at: Date): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.stripeEvent(eventId),
        UpdateExpression: 'SET #done = :at REMOVE #effects, #lease',
        ExpressionAttributeNames: { '#done': 'doneAt', '#effects': 'effects', '#lease': 'leaseUntil' },
        ExpressionAttributeValues: { ':at': at.toISOString() },
      }),
    );
  }

  /** The effects failed: the next delivery may take them over at once (the claim is abandoned). */
  async releaseEventLease(eventId: string): Promise<void> {
    await this.db.send(new UpdateCommand({ TableName: this.tableName, Key: keys.stripeEvent(eventId), UpdateExpression: 'SET #lease = :zero', ExpressionAttributeNames: { '#lease': 'leaseUntil' }, ExpressionAttributeValues: { ':zero': 0 } }));
  }

  /** Gives a claimed event back (free) after a failure before its change was applied, so Stripe's retry is processed. */
  async releaseEvent(eventId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.stripeEvent(eventId) }));
  }
}
