import { createStripeEventHandler } from '../billing/stripe-events';
import { lambdaEntry, type Deps } from '../deps';
import { header, json, type ApiEvent, type ApiHandler } from './http';

/**
 * POST /api/webhooks/stripe. The signature is checked over the raw body exactly as received; each
 * event id is processed once (claimed with a conditional write, given back if processing fails so
 * Stripe's retry gets another chance). 400 for a bad signature, 500 when a retry may help, else 200.
 */
export function createStripeWebhookHandler(deps: Deps): ApiHandler {
  const handleEvent = createStripeEventHandler(deps);
  return async (event: ApiEvent) => {
    const raw = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    let verified;
    try {
      verified = await deps.billing.verify(raw, header(event, 'stripe-signature'));
    } catch (error) {
      deps.logger.warn('Stripe webhook refused: signature', { error: error instanceof Error ? error.message : String(error) });
      return json(400, { errors: { signature: 'Invalid or expired Stripe signature' } });
    }
    if (!(await deps.store.claimEvent(verified.id, deps.now()))) return json(200, { received: true, duplicate: true });
    try {
      const outcome = await handleEvent(verified);
      deps.logger.info('Stripe event', { id: verified.id, type: verified.type, outcome });
      return json(200, { received: true, outcome });
    } catch (error) {
      deps.logger.error('Stripe event failed; Stripe will retry', { id: verified.id, type: verified.type, error });
      await deps.store.releaseEvent(verified.id).catch(() => undefined);
      return json(500, { errors: { body: 'Temporary failure; please retry' } });
    }
  };
}

export const handler = lambdaEntry(createStripeWebhookHandler);
