import { describe, expect, it } from 'vitest';
import { smokeTestInstance } from '../../functions/steps/smoke-test';
import { createSmokeTestVersion } from '../../functions/steps/smoke-test-version';
import type { Tenant } from '../../shared/tenant';
import { initialSettings } from '../../shared/settings';
import { testPlatform } from '../support/deps';

const tenant = {
  tenantId: 't-1', subdomain: 'acme', companyName: 'Acme Spaces', adminName: 'Ada', adminEmail: 'ada@acme.com', primaryColor: '#0f766e',
  plan: 'trial', status: 'PROVISIONING', createdAt: 'x', updatedAt: 'x', steps: {}, urls: {}, version: 1,
} satisfies Tenant;
const healthy = async (url: string) => (url.endsWith('/theme.css') ? { status: 200, body: ':root { --brand-primary: #0f766e; }' } : { status: 200, body: '<h1>Acme Spaces</h1><link href="/theme.css">' });

describe('SmokeTest', () => {
  it('passes an instance that shows the company in its colours, production and staging', async () => {
    await expect(smokeTestInstance({ platform: testPlatform, probe: healthy }, tenant)).resolves.toBeUndefined();
  });

  it('retries an instance that does not answer in time (TransientError: the state machine backs off and tries again)', async () => {
    const slow = async (url: string) => (url.includes('acme-stg') ? Promise.reject(new Error(`Timed out after 5000 ms: ${url}`)) : healthy(url));
    await expect(smokeTestInstance({ platform: testPlatform, probe: slow }, tenant)).rejects.toMatchObject({ name: 'TransientError', message: expect.stringContaining('Timed out') });
  });

  it('retries when the router answers that it could not reach the instance (502, 503, 504), and fails for good on a 404 from the instance', async () => {
    for (const status of [502, 503, 504]) {
      const unreachable = async (url: string) => (url.includes('acme-stg') ? { status, body: 'Bad gateway' } : healthy(url));
      await expect(smokeTestInstance({ platform: testPlatform, probe: unreachable }, tenant), String(status)).rejects.toMatchObject({ name: 'TransientError', message: expect.stringContaining(`(${status})`) });
    }
    const missing = async (url: string) => (url.includes('acme-stg') ? { status: 404, body: 'Not found' } : healthy(url));
    await expect(smokeTestInstance({ platform: testPlatform, probe: missing }, tenant)).rejects.toMatchObject({ name: 'SmokeTestFailedError' });
  });

  it('fails for good on a wrong answer (no retry makes a missing brand colour appear)', async () => {
    const unbranded = async (url: string) => (url.endsWith('/theme.css') ? { status: 200, body: ':root {}' } : healthy(url));
    await expect(smokeTestInstance({ platform: testPlatform, probe: unbranded }, tenant)).rejects.toMatchObject({ name: 'SmokeTestFailedError' });
  });
});

describe('SmokeTestVersion', () => {
  const probed: string[] = [];
  let reads = 0;
  let stored: Tenant = tenant;
  let serve = healthy;
  const deps = {
    platform: testPlatform,
    probe: async (url: string) => (probed.push(url), serve(url)),
    tenants: { getTenant: async (id: string) => (reads++, id === tenant.tenantId ? stored : undefined) },
    now: () => new Date(),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  } as unknown as Parameters<typeof createSmokeTestVersion>[0]; // only what the step reads

  it('probes the tenant\'s instances while it reads the tenant, and passes a healthy one', async () => {
    probed.length = 0;
    await expect(createSmokeTestVersion(deps)({ tenantId: 't-1', subdomain: 'acme' })).resolves.toEqual({ tenantId: 't-1', subdomain: 'acme' });
    expect(probed.map((u) => new URL(u).hostname.split('.')[0])).toEqual(['acme', 'acme', 'acme-stg']);
  });

  it('finds the subdomain on the tenant for a rollout started before the definition passed it', async () => {
    probed.length = 0;
    await createSmokeTestVersion(deps)({ tenantId: 't-1' });
    expect(probed.some((u) => u.includes('undefined'))).toBe(false);
    expect(probed).toHaveLength(3);
  });

  it('fails for a tenant that is gone', async () => {
    await expect(createSmokeTestVersion(deps)({ tenantId: 'gone', subdomain: 'gone' })).rejects.toMatchObject({ name: 'UnknownTenantError' });
  });

  describe('with the branding planned for the wave', () => {
    const item = { tenantId: 't-1', subdomain: 'acme', expected: { companyName: 'Acme Spaces', primaryColor: '#0f766e' } };
    const recoloured = async (url: string) => (url.endsWith('/theme.css') ? { status: 200, body: ':root { --brand-primary: #7c3aed; }' } : healthy(url));
    const reset = () => ((reads = 0), (stored = tenant), (serve = healthy));
    // The tenant as stored after its admin changed the brand colour in the settings.
    const recolouredTo = (primaryColor: string): Tenant => ({ ...tenant, settings: { ...initialSettings(tenant), branding: { ...initialSettings(tenant).branding, primaryColor } } });

    it('checks the pages against it without reading the tenant (a wave\'s tenants all reach this step at once)', async () => {
      reset();
      await expect(createSmokeTestVersion(deps)({ tenantId: 't-1', subdomain: 'acme', item })).resolves.toMatchObject({ tenantId: 't-1' });
      expect(reads).toBe(0);
    });

    it('reads the tenant when the pages differ from the plan, and passes pages that show branding changed since', async () => {
      reset();
      stored = recolouredTo('#7c3aed');
      serve = recoloured;
      await expect(createSmokeTestVersion(deps)({ tenantId: 't-1', subdomain: 'acme', item })).resolves.toMatchObject({ tenantId: 't-1' });
      expect(reads).toBe(1);
    });

    it('fails pages that show neither the planned nor the current branding, naming the current colour', async () => {
      reset();
      stored = recolouredTo('#b45309');
      serve = recoloured;
      const failed = createSmokeTestVersion(deps)({ tenantId: 't-1', subdomain: 'acme', item });
      await expect(failed).rejects.toMatchObject({ name: 'SmokeTestFailedError', message: expect.stringContaining('#b45309') });
      await expect(failed).rejects.not.toMatchObject({ message: expect.stringContaining('#0f766e') });
      expect(reads).toBe(1);
    });

    it('does not trust a malformed planned branding: reads the tenant as a run without one does', async () => {
      reset();
      await expect(createSmokeTestVersion(deps)({ tenantId: 't-1', subdomain: 'acme', item: { ...item, expected: { companyName: 'Acme Spaces' } as never } })).resolves.toMatchObject({ tenantId: 't-1' });
      expect(reads).toBe(1);
    });

    it('fails an instance that answers an error without reading the tenant (no branding makes a 500 pass)', async () => {
      reset();
      serve = async (url: string) => (url.endsWith('/theme.css') ? { status: 500, body: 'boom' } : healthy(url));
      await expect(createSmokeTestVersion(deps)({ tenantId: 't-1', subdomain: 'acme', item })).rejects.toMatchObject({ name: 'SmokeTestFailedError', message: expect.stringContaining('theme.css answered 500') });
      expect(reads).toBe(0);
    });
  });
});
