import { GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import Stripe from 'stripe';
import { isWebhookSecret, parseStripeKeys, STRIPE_SECRET_NAME, type StripeKeys } from '../../shared/stripe-keys';
import { HANDLED_STRIPE_EVENTS } from '../billing/stripe-events';

/** The metadata on what stripe-setup creates in Stripe, by which a rerun finds it again. */
export const STRIPE_SETUP_MARK = { managedBy: 'spaceos-launchpad' } as const;

/** Where Stripe delivers events: the API behind the site's own domain (functions/api/routes.ts). */
export const stripeWebhookUrl = (domain: string) => `https://${domain}/api/webhooks/stripe`;

const marked = (metadata: Stripe.Metadata | null | undefined) => metadata?.managedBy === STRIPE_SETUP_MARK.managedBy;

/** The endpoint delivering to `url` (ours or one added by hand in the Dashboard), by listing every endpoint. */
export async function findWebhookEndpoint(stripe: Stripe, url: string): Promise<Stripe.WebhookEndpoint | undefined> {
  const endpoints = await stripe.webhookEndpoints.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
  return endpoints.find((e) => e.url === url && marked(e.metadata)) ?? endpoints.find((e) => e.url === url);
}

/** Handled events the endpoint does not receive ('*' receives them all). */
export function missingEvents(endpoint: Pick<Stripe.WebhookEndpoint, 'enabled_events'>): string[] {
  if (endpoint.enabled_events.includes('*')) return [];
  return HANDLED_STRIPE_EVENTS.filter((event) => !endpoint.enabled_events.includes(event));
}

/** The billing portal configuration stripe-setup made (found by its metadata). */
export async function findPortalConfiguration(stripe: Stripe): Promise<Stripe.BillingPortal.Configuration | undefined> {
  const configurations = await stripe.billingPortal.configurations.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
  return configurations.find((c) => marked(c.metadata));
}

/**
 * What a tenant admin may do in the portal: cancel (at the period's end: the paid time is kept; the
 * webhook suspends the tenant when the subscription ends), change the card, see invoices.
 */
function portalFeatures(): Stripe.BillingPortal.ConfigurationCreateParams.Features {
  return {
    subscription_cancel: { enabled: true, mode: 'at_period_end' },
    payment_method_update: { enabled: true },
    invoice_history: { enabled: true },
  };
}

function portalMatches(configuration: Stripe.BillingPortal.Configuration, returnUrl: string): boolean {
  const { features } = configuration;
  return (
    configuration.active &&
    configuration.default_return_url === returnUrl &&
    features.subscription_cancel.enabled &&
    features.subscription_cancel.mode === 'at_period_end' &&
    features.payment_method_update.enabled &&
    features.invoice_history.enabled
  );
}

/** Where the keys live (the launchpad/stripe secret): read, and written back with the new signing secret. */
export interface StripeKeysStore {
  read(): Promise<StripeKeys | undefined>;
  write(keys: StripeKeys): Promise<void>;
}

/** The launchpad/stripe secret: its current JSON, and PutSecretValue of the new one (never CreateSecret: the stack owns it). */
export class SecretStripeKeys implements StripeKeysStore {
  constructor(private readonly client: SecretsManagerClient) {}

  async read() {
    try {
      const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: STRIPE_SECRET_NAME }));
      // The generated placeholder is no JSON: an empty object then (secretKey comes from STRIPE_SECRET_KEY).
      return parseStripeKeys(SecretString) ?? {};
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  async write(keys: StripeKeys) {
    await this.client.send(new PutSecretValueCommand({ SecretId: STRIPE_SECRET_NAME, SecretString: JSON.stringify(keys) }));
  }
}

export interface StripeSetupResult {
  lines: string[];
  changed: boolean;
}

/**
 * Converges Stripe on what Launchpad needs: the webhook endpoint at `https://<domain>/api/webhooks/stripe`
 * with every handled event (created, or its events set; on create its signing secret goes into
 * the keys secret, keeping the API key), and a billing portal configuration marked as ours. A second
 * run finds both as they should be and changes nothing.
 */
export async function stripeSetup(stripe: Stripe, keys: StripeKeysStore, domain: string): Promise<StripeSetupResult> {
  const lines: string[] = [];
  let changed = false;
  const url = stripeWebhookUrl(domain);
  const events = [...HANDLED_STRIPE_EVENTS];

  const endpoint = await findWebhookEndpoint(stripe, url);
  if (!endpoint) {
    const stored = await keys.read();
    if (!stored) throw new Error('The launchpad/stripe secret does not exist: deploy first (the Launchpad-Tenancy stack creates it)');
    const created = await stripe.webhookEndpoints.create({
      url,
      enabled_events: events,
      // The events' shape is the one this SDK (and so the webhook handler) is written against.
      api_version: Stripe.API_VERSION,
      description: 'spaceOS Launchpad (npm run ops -- stripe-setup)',
      metadata: { ...STRIPE_SETUP_MARK },
    });
    if (!isWebhookSecret(created.secret)) throw new Error(`Stripe created ${created.id} but returned no signing secret: delete it in the Dashboard and run again`);
    await keys.write({ ...stored, webhookSecret: created.secret });
    lines.push(`Webhook endpoint ${url}: created (${created.id}) with ${events.length} events; its signing secret is stored in launchpad/stripe`);
    changed = true;
  } else {
    const wanted = new Set<string>(events);
    const same = endpoint.enabled_events.length === wanted.size && endpoint.enabled_events.every((e) => wanted.has(e));
    if (!same || endpoint.status !== 'enabled') {
      await stripe.webhookEndpoints.update(endpoint.id, { enabled_events: events, disabled: false });
      lines.push(`Webhook endpoint ${url} (${endpoint.id}): events set to the ${events.length} Launchpad handles${endpoint.status !== 'enabled' ? ', enabled again' : ''}`);
      changed = true;
    } else lines.push(`Webhook endpoint ${url} (${endpoint.id}): unchanged`);
    // Stripe shows an endpoint's signing secret only when it creates it.
    if (!isWebhookSecret((await keys.read())?.webhookSecret)) {
      lines.push(`  Its signing secret is not in launchpad/stripe: copy it from the Dashboard (Developers -> Webhooks -> ${endpoint.id} -> Signing secret) into the secret's webhookSecret, or delete the endpoint and run again`);
    }
  }

  const returnUrl = `https://${domain}`;
  const params = { features: portalFeatures(), default_return_url: returnUrl, metadata: { ...STRIPE_SETUP_MARK } };
  const portal = await findPortalConfiguration(stripe);
  if (!portal) {
    const created = await stripe.billingPortal.configurations.create(params);
    lines.push(`Billing portal configuration: created (${created.id})`);
    changed = true;
  } else if (!portalMatches(portal, returnUrl)) {
    await stripe.billingPortal.configurations.update(portal.id, { ...params, active: true });
    lines.push(`Billing portal configuration ${portal.id}: updated`);
    changed = true;
  } else lines.push(`Billing portal configuration ${portal.id}: unchanged`);

  lines.push(changed ? 'Stripe is set up.' : 'Nothing to change: Stripe was already set up.');
  return { lines, changed };
}
