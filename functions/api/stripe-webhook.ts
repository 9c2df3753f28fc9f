import type Stripe from 'stripe';
import type { StripeReceipt } from '../../shared/api-bodies';
import { createStripeEventHandler, runEventEffects, stripeEventEnvelopeSchema } from '../billing/stripe-events';
import type { Deps } from '../deps';
import type { EventEffects } from '../providers/stripe-event-ledger';
import { header, json, type ApiEvent, type ApiHandler } from './http';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { billing } from '../lambda/billing';
import { compute } from '../lambda/compute';
import { tables } from '../lambda/tables';
import { links } from '../lambda/keys';
import { mail } from '../lambda/mail';
import { secrets } from '../lambda/secrets';
import { smtp } from '../lambda/smtp';
import { storage } from '../lambda/storage';

/** How long one attempt holds an event (longer than the function's 28 s limit). */
export const EVENT_LEASE_MS = 60_000;

type StripeWebhookDeps = Pick<Deps, 'billing' | 'compute' | 'customers' | 'fleet' | 'instances' | 'links' | 'logger' | 'mail' | 'now' | 'platform' | 'secrets' | 'settingsStore' | 'smtp' | 'storage' | 'stripeEvents' | 'tenants'>;

/**
 * POST /api/webhooks/stripe. The signature is checked over the raw body exactly as received. An
 * event is a notice: the tenant's subscriptions are read from billing as they are now and that
 * state is applied (functions/billing/stripe-events.ts), so late, repeated or reordered deliveries
 * end the same. Each event id is claimed by one attempt at a time (a lease): a delivery arriving
 * while another attempt works on it is asked to retry (409); one arriving after it is done is a
 * duplicate (200). A failure before the change is applied gives the claim back; what follows an
 * applied change (instance size, mail, cancelling a duplicate subscription) is written on the claim
 * in the same transaction as the change, so if it fails the next delivery finishes it rather than
 * finding the change applied and doing nothing. 400 for a bad signature or a signed body that is no
 * event, 409/500 when a retry may help, else 200 (also for an event whose object Launchpad cannot
 * use: retrying would not make it usable).
 */
export function createStripeWebhookHandler(deps: StripeWebhookDeps): ApiHandler {
  const handleEvent = createStripeEventHandler(deps);
  const retryLater = json(500, { errors: { body: 'Temporary failure; please retry' } });

  const finish = async (event: Stripe.Event, effects: EventEffects): Promise<boolean> => {
    try {
      await runEventEffects(deps, effects);
      await deps.stripeEvents.finishEvent(event.id, deps.now());
      return true;
    } catch (error) {
      deps.logger.error('Stripe event applied, its effects failed; Stripe will retry them', { id: event.id, type: event.type, error });
      await deps.stripeEvents.releaseEventLease(event.id).catch(() => undefined);
      return false;
    }
  };

  return async (event: ApiEvent) => {
    const raw = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    let verified;
    try {
      verified = await deps.billing.verify(raw, header(event, 'stripe-signature'));
    } catch (error) {
      deps.logger.warn('Stripe webhook refused: signature', { error: error instanceof Error ? error.message : String(error) });
      return json(400, { errors: { signature: 'Invalid or expired Stripe signature' } });
    }
    // Correctly signed is not yet well-formed: without an id, type and time there is nothing to claim or order.
    if (!stripeEventEnvelopeSchema.safeParse(verified).success) {
      deps.logger.warn('Stripe webhook refused: signed, but not an event');
      return json(400, { errors: { body: 'This is not a Stripe event: it needs an id, a type and a created time' } });
    }
    if (!(await deps.stripeEvents.claimEvent(verified.id, deps.now(), EVENT_LEASE_MS))) {
      const earlier = await deps.stripeEvents.takeOverEvent(verified.id, deps.now(), EVENT_LEASE_MS);
      if (earlier.state === 'done') return json(200, { received: true, duplicate: true } satisfies StripeReceipt);
      if (earlier.state === 'busy') return json(409, { errors: { body: 'This event is being processed by another delivery; retry later' } });
      if (earlier.effects) return (await finish(verified, earlier.effects)) ? json(200, { received: true, outcome: 'applied', finished: true } satisfies StripeReceipt) : retryLater;
      // An earlier attempt died before applying anything: handle it as new.
    }
    let handled;
    try {
      handled = await handleEvent(verified);
    } catch (error) {
      deps.logger.error('Stripe event failed; Stripe will retry', { id: verified.id, type: verified.type, error });
      await deps.stripeEvents.releaseEvent(verified.id).catch(() => undefined);
      return retryLater;
    }
    deps.logger.info('Stripe event', { id: verified.id, type: verified.type, outcome: handled.outcome });
    if (handled.effects) return (await finish(verified, handled.effects)) ? json(200, { received: true, outcome: handled.outcome } satisfies StripeReceipt) : retryLater;
    await deps.stripeEvents.finishEvent(verified.id, deps.now());
    return json(200, { received: true, outcome: handled.outcome } satisfies StripeReceipt);
  };
}

export const handler = lambdaEntry(createStripeWebhookHandler, () => ({ ...core(), billing: billing(), compute: compute(), customers: tables().customers, fleet: tables().fleet, instances: tables().instances, links: links(), mail: mail(), platform: platform(), secrets: secrets(), settingsStore: tables().settingsStore, smtp: smtp(), storage: storage(), stripeEvents: tables().stripeEvents, tenants: tables().tenants }));
