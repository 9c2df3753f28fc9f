import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { dashboardUrl } from '../../functions/ops/console-links';
import { opsConsoleUrl, platformFromEnv, type Platform } from '../../functions/platform';
import { createDetectDrift } from '../../functions/scheduled/detect-drift';
import { testPlatform } from '../support/deps';

const ENV = {
  INSTANCE_URL_TEMPLATE: 'https://{host}.spaceos.io', MAIL_DOMAIN: 'clients.spaceos.io', LAUNCHPAD_SENDER: 'launchpad@spaceos.io', OPS_EMAIL: 'cs@spaceos.io',
  SITE_URL: 'https://signup.spaceos.io', TENANT_BUCKET: 'b', TENANT_DB_HOST: 'db', TENANT_DB_ADMIN_SECRET: 's',
};
const DASHBOARD = 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/launchpad-operations';

describe('the ops link of alert mails', () => {
  it('is the operations dashboard of the Lambda region on AWS (<site>/ops is the signup page there)', () => {
    expect(dashboardUrl('eu-west-1')).toBe(DASHBOARD);
    expect(opsConsoleUrl(platformFromEnv({ ...ENV, AWS_REGION: 'eu-west-1' }))).toBe(DASHBOARD);
    expect(opsConsoleUrl(platformFromEnv({ ...ENV, AWS_REGION: 'eu-west-1', OPS_CONSOLE_URL: 'https://ops.example/x' }))).toBe('https://ops.example/x');
  });

  it('is /ops of the site where nothing else is set (the embedded default sets it to its own /ops)', () => {
    expect(opsConsoleUrl(platformFromEnv(ENV))).toBe('https://signup.spaceos.io/ops');
    expect(opsConsoleUrl({ siteUrl: 'http://localhost:3000' })).toBe('http://localhost:3000/ops');
  });

  it('is what the drift mail links to', async () => {
    const sent: Array<{ text: string; html: string }> = [];
    const tenant = { tenantId: 't-1', subdomain: 'acme', status: 'ACTIVE', plan: 'trial', steps: {}, urls: {}, createdAt: '', updatedAt: '', version: 1 };
    const platform: Platform = { ...testPlatform, opsConsoleUrl: DASHBOARD };
    const detect = createDetectDrift({
      platform,
      now: () => new Date('2026-12-03T12:00:00.000Z'),
      logger: new Logger({ serviceName: 'launchpad', logLevel: 'SILENT' }),
      tenants: { listByStatus: async (status: string) => (status === 'ACTIVE' ? [tenant] : []), setAttributes: async () => undefined, clearAttributes: async () => undefined },
      compute: { existingServices: async () => new Set<string>() },
      instances: { getMany: async () => [] },
      mail: { send: async (email: { text: string; html: string }) => void sent.push(email) },
    } as never);
    expect((await detect()).drifted).toEqual([{ subdomain: 'acme', missing: expect.arrayContaining(['service prod', 'routing acme']) }]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain(DASHBOARD);
    expect(sent[0]!.text).not.toContain('spaceos.io/ops');
  });
});
