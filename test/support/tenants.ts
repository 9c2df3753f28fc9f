import type { Tenant } from '../../shared/tenant';

/**
 * A tenant item as the store keeps it, for tests that put tenants into a (mocked) table: a trial of
 * "<subdomain> Works", admin anna@<subdomain>.example; `changes` set what the test is about.
 */
export const tenantFixture = (subdomain: string, changes: Partial<Tenant> = {}): Tenant => ({
  tenantId: `id-${subdomain}`,
  subdomain,
  companyName: `${subdomain} Works`,
  adminName: 'Anna',
  adminEmail: `anna@${subdomain}.example`,
  primaryColor: '#ff5500',
  plan: 'trial',
  status: 'ACTIVE',
  createdAt: '2026-11-01T09:00:00.000Z',
  updatedAt: '2026-11-01T09:00:00.000Z',
  steps: {},
  urls: {},
  version: 1,
  ...changes,
});
