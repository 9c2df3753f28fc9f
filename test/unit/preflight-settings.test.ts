import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { preflightSettings } from '../../infra/ops/preflight';
import { tempDir } from '../support/temp-dir';

describe('preflight settings', () => {
  it('reads the environment first, then cdk.context.json, validated as the deployment validates them', () => {
    const file = join(tempDir('preflight-'), 'cdk.context.json');
    writeFileSync(file, JSON.stringify({ domain: 'spaceos.io', stripePriceId: 'price_ctx', tenantImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/spaceos:1.0', poolSize: 3 }));
    expect(preflightSettings({ LAUNCHPAD_STRIPE_PRICE_ID: 'price_env', STRIPE_SECRET_KEY: 'sk_test_x' }, file)).toEqual({
      domain: 'spaceos.io',
      stripePriceId: 'price_env',
      tenantImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/spaceos:1.0',
      poolSize: 3,
      stripeSecretKey: 'sk_test_x',
      cloudflareApiToken: undefined,
    });
  });

  it('names the variable of a missing or malformed value', () => {
    const none = join(tempDir('preflight-'), 'absent.json');
    expect(() => preflightSettings({}, none)).toThrow('LAUNCHPAD_DOMAIN (or domain in');
    expect(() => preflightSettings({ LAUNCHPAD_DOMAIN: 'spaceos.io', LAUNCHPAD_STRIPE_PRICE_ID: 'prod_1' }, none)).toThrow(/LAUNCHPAD_STRIPE_PRICE_ID .*a Stripe price id/);
  });
});
