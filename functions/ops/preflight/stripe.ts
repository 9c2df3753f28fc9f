import Stripe from 'stripe';
import { findPortalConfiguration, findWebhookEndpoint, missingEvents, stripeWebhookUrl } from '../stripe-setup';
import { errorText, fail, ok, warn, type PreflightCheck } from './check';

const code = (error: unknown) => (typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined);
const SETUP = 'Run `npm run ops -- stripe-setup` (it creates or updates it, and stores the signing secret)';

/**
 * The key works (balance), the paid plan's price exists here and is recurring, the webhook endpoint
 * delivers every event the webhook handles, and the portal configuration is there. Reads only.
 */
export async function stripeChecks(stripe: Stripe, settings: { domain: string; priceId?: string | undefined }): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  let live: boolean;
  try {
    live = (await stripe.balance.retrieve()).livemode;
  } catch (error) {
    return [fail('Stripe API key', `refused: ${errorText(error)}`, 'Put a working secret key (sk_live_...) into launchpad/stripe as secretKey')];
  }
  checks.push(live ? ok('Stripe API key', 'works, live mode') : warn('Stripe API key', 'works, but in test mode: nobody can really pay', 'Put the live secret key (sk_live_...) into launchpad/stripe when you launch'));

  if (!settings.priceId) checks.push(warn('Stripe price', 'not checked: LAUNCHPAD_STRIPE_PRICE_ID (or stripePriceId in cdk.context.json) is not set'));
  else {
    try {
      const price = await stripe.prices.retrieve(settings.priceId);
      const what = `${price.id}: ${price.unit_amount === null ? '?' : (price.unit_amount / 100).toFixed(2)} ${price.currency.toUpperCase()}`;
      if (!price.active) checks.push(fail('Stripe price', `${what} is archived`, 'Use an active price as stripePriceId'));
      else if (price.type !== 'recurring' || !price.recurring) checks.push(fail('Stripe price', `${what} is a one-time price; checkout subscribes, so it must be recurring`, 'Create a recurring price for the paid plan and deploy with it as stripePriceId'));
      else checks.push(ok('Stripe price', `${what} per ${price.recurring.interval_count > 1 ? `${price.recurring.interval_count} ` : ''}${price.recurring.interval}`));
    } catch (error) {
      if (code(error) !== 'resource_missing') throw error;
      checks.push(fail('Stripe price', `${settings.priceId} does not exist in this account${live ? '' : ' in test mode'}`, 'Create the price in the same account and mode as the key, and deploy with its id'));
    }
  }

  const url = stripeWebhookUrl(settings.domain);
  const endpoint = await findWebhookEndpoint(stripe, url);
  if (!endpoint) checks.push(fail('Stripe webhook', `no endpoint delivers to ${url}`, SETUP));
  else {
    const missing = missingEvents(endpoint);
    if (endpoint.status !== 'enabled') checks.push(fail('Stripe webhook', `${endpoint.id} is ${endpoint.status}`, SETUP));
    else if (missing.length) checks.push(fail('Stripe webhook', `${endpoint.id} does not receive ${missing.join(', ')}`, SETUP));
    else if (endpoint.api_version && endpoint.api_version !== Stripe.API_VERSION) {
      checks.push(warn('Stripe webhook', `${endpoint.id} sends events in API version ${endpoint.api_version}; Launchpad reads ${Stripe.API_VERSION}`, 'Delete the endpoint in the Dashboard and run `npm run ops -- stripe-setup` (an endpoint\'s version cannot be changed)'));
    } else checks.push(ok('Stripe webhook', `${endpoint.id} -> ${url}, every handled event`));
  }

  const portal = await findPortalConfiguration(stripe);
  const portalFix = 'Run `npm run ops -- stripe-setup` (it creates or updates the configuration)';
  if (!portal) checks.push(warn('Stripe billing portal', 'no configuration made by stripe-setup', portalFix));
  else checks.push(portal.active ? ok('Stripe billing portal', portal.id) : warn('Stripe billing portal', `${portal.id} is inactive`, portalFix));
  return checks;
}
