import type { ECRClient } from '@aws-sdk/client-ecr';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type Stripe from 'stripe';
import type { AccountQuotas } from '../capacity';
import type { Secrets } from '../../providers/secrets';
import { guarded, warn, type PreflightCheck } from './check';
import { cloudflareChecks, type CloudflareZones } from './cloudflare';
import { imageCheck } from './image';
import { quotaChecks } from './quotas';
import { secretChecks } from './secrets';
import { sesAccountCheck, sesIdentityChecks } from './ses';
import { stripeChecks } from './stripe';

/** What the account is checked against: the deployment's settings (the CDK context keys of the same meaning). */
export interface PreflightSettings {
  domain: string;
  cloudflareZoneId?: string | undefined;
  stripePriceId?: string | undefined;
  tenantImage?: string | undefined;
  tenantImageCredentialsSecretArn?: string | undefined;
  poolSize: number;
  /** Used instead of the stored secrets' values (before the first deploy, or to try another key). */
  stripeSecretKey?: string | undefined;
  cloudflareApiToken?: string | undefined;
}

/** The read-only clients, and the account and region they are in. Stripe and Cloudflare are made from the keys found. */
export interface PreflightDeps {
  ses: SESv2Client;
  ecr: ECRClient;
  secrets: Secrets;
  quotas: AccountQuotas;
  account: string;
  region: string;
  stripe: (secretKey: string) => Stripe;
  cloudflare: (apiToken: string) => CloudflareZones;
}

/**
 * Every check, in the order the README's deploy steps meet them. Only Get, Describe and List calls
 * (and Stripe and Cloudflare GETs): safe against a live account at any time.
 */
export async function runPreflight(deps: PreflightDeps, settings: PreflightSettings): Promise<PreflightCheck[]> {
  let stored: Omit<Awaited<ReturnType<typeof secretChecks>>, 'checks'> = {};
  const secrets = await guarded('Secrets', async () => {
    const { checks, ...found } = await secretChecks(deps.secrets);
    stored = found;
    return checks;
  });
  const stripeKey = settings.stripeSecretKey ?? stored.stripe?.secretKey;
  const cloudflareToken = settings.cloudflareApiToken ?? stored.cloudflareToken;

  const groups = await Promise.all([
    guarded('SES account', () => sesAccountCheck(deps.ses)),
    guarded('SES identities', () => sesIdentityChecks(deps.ses, settings.domain)),
    guarded('Quotas', () => quotaChecks(deps.quotas, settings.poolSize)),
    guarded('Cloudflare', () =>
      cloudflareToken ? cloudflareChecks(deps.cloudflare(cloudflareToken), settings.domain, settings.cloudflareZoneId) : warn('Cloudflare', 'not checked: no token (CLOUDFLARE_API_TOKEN, or a real value in launchpad/cloudflare-token)'),
    ),
    guarded('Stripe', () =>
      stripeKey ? stripeChecks(deps.stripe(stripeKey), { domain: settings.domain, priceId: settings.stripePriceId }) : warn('Stripe', 'not checked: no key (STRIPE_SECRET_KEY, or secretKey in launchpad/stripe)'),
    ),
    guarded('Tenant image', () => imageCheck(deps, settings.tenantImage, settings.tenantImageCredentialsSecretArn)),
  ]);
  return [...groups.flat(), ...secrets];
}
