import { isStripeApiKey, isWebhookSecret, parseStripeKeys, STRIPE_SECRET_NAME, type StripeKeys } from '../../../shared/stripe-keys';
import type { Secrets } from '../../providers/secrets';
import { fail, ok, warn, type PreflightCheck } from './check';

export const CLOUDFLARE_TOKEN_SECRET_NAME = 'launchpad/cloudflare-token';

/** Cloudflare API tokens are 40 or more letters, digits, `-` and `_`; CDK's generated placeholder has punctuation. */
const looksLikeCloudflareToken = (value: string) => /^[\w-]{40,}$/.test(value);

/**
 * The third-party secrets the stack creates with placeholder values are set for real. Reads their
 * values (GetSecretValue) and hands them on: the Stripe and Cloudflare checks use the stored keys,
 * so they test what Launchpad will use.
 */
export async function secretChecks(secrets: Secrets): Promise<{ checks: PreflightCheck[]; stripe?: StripeKeys; cloudflareToken?: string }> {
  const [stripeValue, cloudflareValue] = await Promise.all([secrets.get(STRIPE_SECRET_NAME), secrets.get(CLOUDFLARE_TOKEN_SECRET_NAME)]);
  const checks: PreflightCheck[] = [];
  const notDeployed = (name: string) => warn(`Secret ${name}`, 'does not exist yet (the Launchpad-Tenancy stack creates it)', 'Deploy, then put its value (README "Deploy to AWS")');

  const keys = parseStripeKeys(stripeValue);
  if (stripeValue === undefined) checks.push(notDeployed(STRIPE_SECRET_NAME));
  else if (!isStripeApiKey(keys?.secretKey)) checks.push(fail(`Secret ${STRIPE_SECRET_NAME}`, 'still the placeholder: no secretKey (sk_...)', `aws secretsmanager put-secret-value --secret-id ${STRIPE_SECRET_NAME} --secret-string '{"secretKey":"sk_live_..."}', then npm run ops -- stripe-setup`));
  else if (!isWebhookSecret(keys?.webhookSecret)) checks.push(fail(`Secret ${STRIPE_SECRET_NAME}`, 'secretKey set, no webhookSecret (whsec_...): every Stripe event would be refused', 'Run `npm run ops -- stripe-setup` (it stores the signing secret of the endpoint it creates)'));
  else checks.push(ok(`Secret ${STRIPE_SECRET_NAME}`, `secretKey ${keys?.secretKey?.slice(0, 8)}..., webhookSecret set`));

  if (cloudflareValue === undefined) checks.push(notDeployed(CLOUDFLARE_TOKEN_SECRET_NAME));
  else if (!looksLikeCloudflareToken(cloudflareValue)) checks.push(fail(`Secret ${CLOUDFLARE_TOKEN_SECRET_NAME}`, 'still the generated placeholder', `aws secretsmanager put-secret-value --secret-id ${CLOUDFLARE_TOKEN_SECRET_NAME} --secret-string <token with DNS read on the zone>`));
  else checks.push(ok(`Secret ${CLOUDFLARE_TOKEN_SECRET_NAME}`, 'set'));

  return { checks, ...(keys && isStripeApiKey(keys.secretKey) ? { stripe: keys } : {}), ...(cloudflareValue && looksLikeCloudflareToken(cloudflareValue) ? { cloudflareToken: cloudflareValue } : {}) };
}
