import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

/** How often a transaction cancelled by a concurrent one on the same items is tried. */
const CONFLICT_ATTEMPTS = 4;

/**
 * A conditional transaction's outcome: true when written, false when a condition refused it (any
 * other error throws). Two writers transacting on the same item at the same moment can cancel each
 * other (TransactionConflict) instead of one winning: tried again, the conditions (the state each
 * writer read) tell which one won.
 */
export async function transactUnlessRefused(db: DynamoDBDocumentClient, input: TransactWriteCommandInput): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.send(new TransactWriteCommand(input));
      return true;
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []).map((r) => r.Code) : [];
      if (reasons.includes('ConditionalCheckFailed')) return false;
      if (!reasons.includes('TransactionConflict') || attempt >= CONFLICT_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30));
    }
  }
}
