import { existsSync, readFileSync } from 'node:fs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import Cloudflare from 'cloudflare';
import Stripe from 'stripe';
import * as z from 'zod/mini';
import { runPreflight, type PreflightSettings } from '../../functions/ops/preflight/run';
import { SecretStripeKeys, stripeSetup, type StripeKeysStore, type StripeSetupResult } from '../../functions/ops/stripe-setup';
import { AwsAccountQuotas } from '../../functions/providers/account-quotas';
import { SecretsManagerSecrets } from '../../functions/providers/secrets';
import { isStripeApiKey, STRIPE_SECRET_NAME } from '../../shared/stripe-keys';
import { fieldErrors } from '../../shared/signup';
import { errorText, type PreflightCheck } from '../../functions/ops/preflight/check';
import { deployConfigSchema } from '../aws/config';
import { OpsError } from './backend';

/**
 * The settings preflight and stripe-setup read: the environment (LAUNCHPAD_DOMAIN,
 * LAUNCHPAD_CLOUDFLARE_ZONE_ID, LAUNCHPAD_STRIPE_PRICE_ID, LAUNCHPAD_TENANT_IMAGE,
 * LAUNCHPAD_TENANT_IMAGE_CREDENTIALS_SECRET_ARN, POOL_SIZE; the Tenancy stack's outputs of those
 * names), else the same keys in cdk.context.json, validated as the deployment validates them.
 */
const settingsSchema = z.extend(
  z.partial(z.pick(deployConfigSchema, { cloudflareZoneId: true, stripePriceId: true, tenantImage: true, tenantImageCredentialsSecretArn: true, poolSize: true })),
  { domain: deployConfigSchema.shape.domain },
);

const ENV: Record<string, keyof z.infer<typeof settingsSchema>> = {
  LAUNCHPAD_DOMAIN: 'domain',
  LAUNCHPAD_CLOUDFLARE_ZONE_ID: 'cloudflareZoneId',
  LAUNCHPAD_STRIPE_PRICE_ID: 'stripePriceId',
  LAUNCHPAD_TENANT_IMAGE: 'tenantImage',
  LAUNCHPAD_TENANT_IMAGE_CREDENTIALS_SECRET_ARN: 'tenantImageCredentialsSecretArn',
  POOL_SIZE: 'poolSize',
};

export function preflightSettings(env: NodeJS.ProcessEnv = process.env, contextFile = 'cdk.context.json'): PreflightSettings {
  const context = existsSync(contextFile) ? (JSON.parse(readFileSync(contextFile, 'utf8')) as Record<string, unknown>) : {};
  const raw: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV)) {
    const value = env[name] || context[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const byKey = Object.fromEntries(Object.entries(ENV).map(([name, key]) => [key, name]));
    throw new OpsError(Object.entries(fieldErrors(parsed.error)).map(([key, message]) => `${byKey[key] ?? key} (or ${key} in ${contextFile}): ${raw[key] === undefined ? 'missing' : message}`).join('\n'));
  }
  return { ...parsed.data, poolSize: parsed.data.poolSize ?? 2, stripeSecretKey: env.STRIPE_SECRET_KEY || undefined, cloudflareApiToken: env.CLOUDFLARE_API_TOKEN || undefined };
}

/** Every check against the account the AWS SDK's credentials and region name. */
export async function preflight(settings: PreflightSettings = preflightSettings()): Promise<PreflightCheck[]> {
  const sts = new STSClient({});
  const { Account: account } = await sts.send(new GetCallerIdentityCommand({})).catch((error: unknown) => {
    throw new OpsError(`No usable AWS credentials (${errorText(error)}): aws configure, aws sso login or AWS_PROFILE, and a region`);
  });
  const region = await sts.config.region();
  return runPreflight(
    {
      ses: new SESv2Client({}),
      ecr: new ECRClient({}),
      secrets: new SecretsManagerSecrets(new SecretsManagerClient({})),
      quotas: new AwsAccountQuotas({ quotas: new ServiceQuotasClient({}), globalQuotas: new ServiceQuotasClient({ region: 'us-east-1' }), iam: new IAMClient({}), ses: new SESClient({}) }),
      account: account ?? '',
      region,
      stripe: (key) => new Stripe(key),
      cloudflare: (apiToken) => new Cloudflare({ apiToken }),
    },
    settings,
  );
}

/**
 * stripe-setup with the key in launchpad/stripe (or STRIPE_SECRET_KEY, which is then stored with
 * the signing secret). The domain as preflight reads it.
 */
export async function runStripeSetup(env: NodeJS.ProcessEnv = process.env): Promise<StripeSetupResult> {
  const { domain } = preflightSettings(env);
  const stored = new SecretStripeKeys(new SecretsManagerClient({}));
  const current = await stored.read();
  const secretKey = env.STRIPE_SECRET_KEY || current?.secretKey;
  if (!isStripeApiKey(secretKey)) throw new OpsError(`No Stripe secret key: set STRIPE_SECRET_KEY, or put {"secretKey":"sk_..."} into ${STRIPE_SECRET_NAME}`);
  const keys: StripeKeysStore = { read: async () => (current === undefined ? undefined : { ...current, secretKey }), write: (value) => stored.write(value) };
  return stripeSetup(new Stripe(secretKey), keys, domain);
}
