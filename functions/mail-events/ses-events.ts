import type { SNSEvent } from 'aws-lambda';
import { normalizeSesNotification, sesNotificationSchema, TENANT_MAIL_TAG, type SesNotification } from '../../shared/mail-delivery';
import { fieldErrors } from '../../shared/signup';
import type { Deps } from '../deps';
import { lambdaEntry } from '../lambda/entry';
import { core } from '../lambda/core';
import { tables } from '../lambda/tables';

export type MailEventDeps = Pick<Deps, 'mailStore' | 'logger' | 'now'>;

export type MailEventResult =
  | { kind: 'invalid'; errors: Record<string, string> }
  | { kind: 'ignored'; reason: string }
  | { kind: 'bounce'; bounceType: string; suppressed: string[]; adminOf: string[] }
  | { kind: 'complaint'; tenantId?: string };

const TAG_VALUE = /^[A-Za-z0-9_-]{1,64}$/;

/** The tenant a mail was sent for: its message tag (mail as the tenant), else the admin whose address it went to. */
async function tenantOf({ mailStore }: MailEventDeps, event: SesNotification, address: string): Promise<string | undefined> {
  const tagged = event.mail.tags?.[TENANT_MAIL_TAG]?.[0];
  if (tagged && TAG_VALUE.test(tagged)) return tagged;
  return mailStore.tenantOfAddress(address);
}

async function apply(deps: MailEventDeps, event: SesNotification): Promise<MailEventResult> {
  const { mailStore, logger, now } = deps;
  if (event.eventType === 'Complaint') {
    const tenantId = await tenantOf(deps, event, event.complaint.complainedRecipients[0]!.emailAddress);
    if (tenantId) await mailStore.countComplaint(tenantId, now().toISOString());
    logger.warn('SES complaint', { tenantId, messageId: event.mail.messageId, feedbackType: event.complaint.complaintFeedbackType });
    return { kind: 'complaint', ...(tenantId ? { tenantId } : {}) };
  }
  const { bounceType, bounceSubType, bouncedRecipients } = event.bounce;
  // Soft bounces (full mailbox, a server down) are SES's to retry; only a hard bounce means the address is dead.
  if (bounceType !== 'Permanent') {
    logger.info('SES soft bounce (not suppressed)', { bounceType, bounceSubType, messageId: event.mail.messageId });
    return { kind: 'bounce', bounceType, suppressed: [], adminOf: [] };
  }
  const at = now().toISOString();
  const suppressed: string[] = [];
  const adminOf: string[] = [];
  for (const { emailAddress: address } of bouncedRecipients) {
    const tenantId = await tenantOf(deps, event, address);
    await mailStore.suppress({ address, since: at, bounceType, bounceSubType, ...(tenantId ? { tenantId } : {}) });
    suppressed.push(address);
    // Shown on /ops and in the admin's settings when the bounced address is the tenant's admin's.
    if (tenantId && (await mailStore.recordAdminBounce(tenantId, address, { at, bounceType, bounceSubType }))) adminOf.push(tenantId);
  }
  logger.warn('SES hard bounce: addresses suppressed', { suppressed, adminOf, bounceSubType, messageId: event.mail.messageId });
  return { kind: 'bounce', bounceType, suppressed, adminOf };
}

/**
 * One SES notification (the body SES publishes: a JSON object, untrusted): a hard bounce suppresses
 * the address (no more mail goes to it) and marks the tenant whose admin it is; a complaint is
 * counted on the tenant. Other event types are ignored; a malformed one is refused with field
 * errors, never a crash. Each event applies once (SNS delivers at least once). The same function
 * takes a sample event on the embedded default (POST /ops/api/mail-events), which has no SES feedback.
 */
export async function applySesNotification(deps: MailEventDeps, input: unknown): Promise<MailEventResult> {
  const normalized = normalizeSesNotification(input);
  const type = typeof normalized === 'object' && normalized !== null ? (normalized as { eventType?: unknown }).eventType : undefined;
  if (typeof type === 'string' && type !== 'Bounce' && type !== 'Complaint') return { kind: 'ignored', reason: `event type ${type.slice(0, 40)}` };
  const parsed = sesNotificationSchema.safeParse(normalized);
  if (!parsed.success) return { kind: 'invalid', errors: fieldErrors(parsed.error) };
  const event = parsed.data;
  // A bounce applies idempotently (the suppression keeps its first time, the tenant mark is conditional):
  // applied on every delivery, a run that died halfway is finished by the redelivery. A complaint is
  // counted, so it is recorded as seen first (a run that dies after that loses one count, never doubles one).
  if (event.eventType === 'Bounce') return apply(deps, event);
  const key = `${event.mail.messageId}#${event.eventType}`;
  if (!(await deps.mailStore.firstDelivery(key, deps.now()))) return { kind: 'ignored', reason: 'seen before' };
  try {
    return await apply(deps, event);
  } catch (error) {
    await deps.mailStore.forgetDelivery(key);
    throw error;
  }
}

/** The SNS subscription: each record's message is one SES notification (a JSON string). */
export function createSesEvents(deps: MailEventDeps) {
  return async (event: SNSEvent): Promise<{ results: MailEventResult['kind'][] }> => {
    const results: MailEventResult['kind'][] = [];
    for (const record of event.Records ?? []) {
      let body: unknown;
      try {
        body = JSON.parse(record.Sns?.Message ?? '') as unknown;
      } catch {
        body = undefined;
      }
      // Thrown errors (the table) make SNS/Lambda retry, then the dead-letter queue; a malformed message never parses, so it is logged and dropped.
      const result = await applySesNotification(deps, body);
      if (result.kind === 'invalid') deps.logger.error('Malformed SES notification dropped', { errors: result.errors, messageId: record.Sns?.MessageId });
      results.push(result.kind);
    }
    return { results };
  };
}

export const handler = lambdaEntry(createSesEvents, () => ({ ...core(), mailStore: tables().mailStore }));
