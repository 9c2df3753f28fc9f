import { describe, expect, it } from 'vitest';
import exampleContext from '../../infra/aws/example-context.json';
import { deployConfig, DeployConfigError } from '../../infra/aws/config';

describe('deployment settings', () => {
  it('accepts the documented example', () => {
    expect(deployConfig((key) => (exampleContext as Record<string, unknown>)[key])).toMatchObject({ domain: 'spaceos.example' });
  });

  it('names every missing or malformed value and how to pass it', () => {
    const context: Record<string, unknown> = { domain: 'Not A Domain', opsEmail: 'ops@spaceos.io' };
    let message = '';
    try {
      deployConfig((key) => context[key]);
    } catch (error) {
      expect(error).toBeInstanceOf(DeployConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain('domain: a DNS name like spaceos.io');
    for (const key of ['cloudflareZoneId', 'tenantImage', 'stripePriceId', 'instanceCertificateArn']) expect(message).toContain(`${key}: missing (pass -c ${key}=...)`);
    expect(message).not.toContain('opsEmail');
  });

  it('requires the admin secret of an imported database', () => {
    expect(() => deployConfig((key) => ({ ...(exampleContext as Record<string, unknown>), databaseEndpoint: 'db.internal:5432' })[key])).toThrow(/databaseAdminSecretArn/);
  });
});
