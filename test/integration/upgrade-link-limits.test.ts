import { beforeEach, describe, expect, inject, it } from 'vitest';
import { createUpgradeLinkHandler, UPGRADE_LINK_PER_CLIENT } from '../../functions/api/upgrade-link';
import type { Deps } from '../../functions/deps';
import { SesMail } from '../../functions/providers/mail';
import type { Tenant } from '../../shared/tenant';
import { sesClient } from '../../infra/local/emulators';
import { apiEvent } from '../support/api-event';
import { RecordingWorkflows } from '../support/deps';
import { localDeps } from '../support/local-table';
import { mailTo } from '../support/sent-mail';

const sesEndpoint = inject('sesEndpoint');
let deps: Deps;
let clock: Date;
let n = 0;

async function activeTenant(): Promise<Tenant> {
  const id = `up-${Date.now().toString(36)}-${++n}`;
  const at = '2026-12-02T10:00:00.000Z';
  const tenant: Tenant = {
    tenantId: id, subdomain: `up-${id}`, companyName: `Upgrade ${n}`, adminName: 'Uma', adminEmail: `uma+${id}@example.com`, primaryColor: '#123456',
    plan: 'trial', status: 'PENDING', createdAt: at, updatedAt: at, steps: {}, urls: { app: `https://up-${id}.spaceos.io` }, version: 1,
  };
  await deps.signups.createSignup(tenant);
  await deps.tenants.transition(id, 'PROVISIONING', at);
  await deps.tenants.transition(id, 'ACTIVE', at, { trialEndsAt: '2026-12-16T10:00:00.000Z' });
  return tenant;
}

const ask = (tenantId: string, sourceIp = '203.0.113.7') =>
  createUpgradeLinkHandler(deps)(apiEvent({ method: 'POST', path: `/api/tenants/${tenantId}/upgrade-link`, pathParameters: { id: tenantId }, sourceIp }));
const upgradeMails = async (tenant: Tenant) => (await mailTo(sesEndpoint, tenant.adminEmail)).filter((m) => /upgrade link/i.test(m.subject));

beforeEach(async () => {
  clock = new Date('2026-12-02T12:00:00.000Z');
  deps = { ...(await localDeps(new RecordingWorkflows())), mail: new SesMail(sesClient(sesEndpoint), { checkDomainVerification: false }), now: () => clock };
});

describe('POST /api/tenants/{id}/upgrade-link limits', () => {
  it('mails the admin 3 times an hour; the 4th request sends nothing and gets the same answer', async () => {
    const tenant = await activeTenant();
    // From different addresses: the per-tenant limit holds whoever asks.
    const answers = [];
    for (let i = 1; i <= 4; i++) answers.push(await ask(tenant.tenantId, `198.51.100.${i}`));
    expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202, 202]);
    expect(new Set(answers.map((a) => JSON.stringify([a.body, a.headers])))).toHaveProperty('size', 1);
    expect(await upgradeMails(tenant)).toHaveLength(3);

    clock = new Date(clock.getTime() + 3_600_000);
    expect((await ask(tenant.tenantId)).statusCode).toBe(202);
    expect(await upgradeMails(tenant)).toHaveLength(4);
  });

  it('answers an unknown id exactly as a known one', async () => {
    const tenant = await activeTenant();
    const known = await ask(tenant.tenantId, '192.0.2.10');
    const unknown = await ask('00000000-0000-4000-8000-000000000000', '192.0.2.11');
    expect([unknown.statusCode, unknown.body, unknown.headers]).toEqual([known.statusCode, known.body, known.headers]);
  });

  it('refuses one client address asking for many tenants with a 429 and Retry-After, before looking at any tenant', async () => {
    const tenant = await activeTenant();
    for (let i = 0; i < UPGRADE_LINK_PER_CLIENT.limit; i++) expect((await ask(`unknown-${i}`, '192.0.2.99')).statusCode).toBe(202);
    const refused = await ask(tenant.tenantId, '192.0.2.99');
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers?.['retry-after'])).toBe(3600);
    expect(JSON.parse(refused.body ?? '{}')).toMatchObject({ error: expect.stringMatching(/too many/i), retryAfterSeconds: 3600 });
    expect(await upgradeMails(tenant)).toHaveLength(0);
    // Another address is not affected.
    expect((await ask(tenant.tenantId, '192.0.2.100')).statusCode).toBe(202);
    expect(await upgradeMails(tenant)).toHaveLength(1);
  });
});
