import type Stripe from 'stripe';
import { createStripeEventHandler, eventEffectsSchema, runEventEffects, type EventEffects } from '../billing/stripe-events';
import { lambdaEntry, type Deps } from '../deps';
import { header, json, type ApiEvent, type ApiHandler } from './http';

/**
 * POST /api/webhooks/stripe. The signature is checked over the raw body exactly as received; each
 * event id is processed once (claimed with a conditional write, given back if applying it fails so
 * Stripe's retry gets another chance). What follows an applied change (instance size, mail) is
 * written on the claim in the same transaction as the change and cleared when done, so a retry
 * finishes it rather than finding the change applied and doing nothing. 400 for a bad signature, 500 when a retry may help, else 200.
 */
export function createStripeWebhookHandler(deps: Deps): ApiHandler {
  const handleEvent = createStripeEventHandler(deps);

  const finish = async (event: Stripe.Event, effects: EventEffects) => {
    try {
      await runEventEffects(deps, effects);
      await deps.store.clearEventEffects(event.id);
      return true;
    } catch (error) {
      deps.logger.error('Stripe event applied, its effects failed; Stripe will retry them', { id: event.id, type: event.type, error });
      return false;
    }
  };
  const retryLater = json(500, { errors: { body: 'Temporary failure; please retry' } });

  return async (event: ApiEvent) => {
    const raw = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    let verified;
    try {
      verified = await deps.billing.verify(raw, header(event, 'stripe-signature'));
    } catch (error) {
      deps.logger.warn('Stripe webhook refused: signature', { error: error instanceof Error ? error.message : String(error) });
      return json(400, { errors: { signature: 'Invalid or expired Stripe signature' } });
    }
    if (!(await deps.store.claimEvent(verified.id, deps.now()))) {
      const pending = eventEffectsSchema.safeParse(await deps.store.pendingEventEffects(verified.id));
      if (!pending.success) return json(200, { received: true, duplicate: true });
      return (await finish(verified, pending.data)) ? json(200, { received: true, outcome: 'applied', finished: true }) : retryLater;
    }
    let handled;
    try {
      handled = await handleEvent(verified);
    } catch (error) {
      deps.logger.error('Stripe event failed; Stripe will retry', { id: verified.id, type: verified.type, error });
      await deps.store.releaseEvent(verified.id).catch(() => undefined);
      return retryLater;
    }
    deps.logger.info('Stripe event', { id: verified.id, type: verified.type, outcome: handled.outcome });
    // The effects were stored on the claim together with the change.
    if (handled.effects && !(await finish(verified, handled.effects))) return retryLater;
    return json(200, { received: true, outcome: handled.outcome });
  };
}

export const handler = lambdaEntry(createStripeWebhookHandler);
