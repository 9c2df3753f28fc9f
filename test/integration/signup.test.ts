import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSignupHandler } from '../../functions/api/signup';
import { createSubdomainAvailabilityHandler } from '../../functions/api/subdomain-availability';
import { createTenantStatusHandler } from '../../functions/api/tenant-status';
import type { Deps } from '../../functions/deps';
import { createStartPending } from '../../functions/reconciler/start-pending';
import { LocalDns } from '../../infra/local/local-dns';
import { LocalWorkflows } from '../../infra/local/local-workflows';
import { apiEvent, parseBody, validSignup } from '../support/api-event';
import { RecordingWorkflows } from '../support/deps';
import { localDeps } from '../support/local-table';

const post = (body: unknown, headers: Record<string, string> = {}) => apiEvent({ method: 'POST', path: '/api/signups', body, headers });
const statusOf = (deps: Deps, id: string) =>
  createTenantStatusHandler(deps)(apiEvent({ path: `/api/tenants/${id}/status`, pathParameters: { id } })).then(parseBody);

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('signups against DynamoDB Local', () => {
  it('lets exactly one of 50 concurrent signups for one subdomain through; the rest get 409 on subdomain', async () => {
    const workflows = new RecordingWorkflows();
    const signup = createSignupHandler(await localDeps(workflows));

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => signup(post(validSignup({ subdomain: 'contested', adminEmail: `admin${i}@acme.com` })))),
    );

    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 202)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(49);
    for (const result of results.filter((r) => r.statusCode === 409)) expect(Object.keys(parseBody(result).errors!)).toEqual(['subdomain']);
    expect(workflows.started).toHaveLength(1);
  });

  it('refuses names the zone already holds (autodiscover, a record below a name, a record at its staging host): the wildcard would not reach them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'launchpad-zone-'));
    dirs.push(dir);
    const zone = new LocalDns(join(dir, 'dns.json'));
    // The zone file, as someone editing it would: a record at atelier-stg (a staging-looking name) and one below workshop.
    writeFileSync(join(dir, 'dns.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'dns.json'), 'utf8')), 'atelier-stg': 'own record', 'mail.workshop': 'own record' }));
    const deps = { ...(await localDeps(new RecordingWorkflows())), dns: zone };
    const signup = createSignupHandler(deps);
    const available = createSubdomainAvailabilityHandler(deps);
    for (const name of ['autodiscover', 'autoconfig', 'mta-sts', 'atelier', 'workshop']) {
      const result = await signup(post(validSignup({ subdomain: name, adminEmail: `owner@${name}.example` })));
      expect(result.statusCode, name).toBe(409);
      expect(parseBody(result).errors, name).toEqual({ subdomain: 'This address is already taken; try another one' });
      expect(parseBody(await available(apiEvent({ path: `/api/subdomains/${name}`, pathParameters: { name } }))), name).toMatchObject({ available: false });
    }
    expect((await signup(post(validSignup({ subdomain: 'atelier-one', adminEmail: 'owner@atelier-one.example' })))).statusCode).toBe(202);
  });

  it('allows one live trial per email', async () => {
    const signup = createSignupHandler(await localDeps(new RecordingWorkflows()));
    expect((await signup(post(validSignup({ subdomain: 'first', adminEmail: 'Owner@Acme.com' })))).statusCode).toBe(202);
    const second = await signup(post(validSignup({ subdomain: 'second', adminEmail: 'owner@acme.com' })));
    expect(second.statusCode).toBe(409);
    expect(Object.keys(parseBody(second).errors!)).toEqual(['adminEmail']);
  });

  it('returns the same 202 for a retried submit with the same Idempotency-Key, creating one tenant', async () => {
    const workflows = new RecordingWorkflows();
    const deps = await localDeps(workflows);
    const signup = createSignupHandler(deps);
    const headers = { 'idempotency-key': 'b0b5f1d4-retry-key' };

    const [first, retry] = [await signup(post(validSignup(), headers)), await signup(post(validSignup(), headers))];
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => signup(post(validSignup(), headers))));

    expect(first.statusCode).toBe(202);
    // The same signup back (a fresh admin token is fine: both are valid for it).
    const { adminToken: _, ...firstBody } = parseBody(first);
    for (const again of [retry, ...concurrent]) expect(parseBody(again)).toMatchObject({ ...firstBody, adminToken: expect.any(String) });
    expect(workflows.started).toEqual([parseBody(first).tenantId]);
    // Without the key, the same form is a second signup and collides.
    expect((await signup(post(validSignup()))).statusCode).toBe(409);
  });

  it('shows a taken subdomain as unavailable with a free suggestion', async () => {
    const deps = await localDeps(new RecordingWorkflows());
    await createSignupHandler(deps)(post(validSignup({ subdomain: 'acme' })));
    const check = createSubdomainAvailabilityHandler(deps);
    const taken = await check(apiEvent({ pathParameters: { name: 'acme' } }));
    expect(parseBody(taken)).toEqual({ available: false, reason: 'This address is already taken', suggestion: 'acme-2' });
    expect(parseBody(await check(apiEvent({ pathParameters: { name: 'acme-2' } })))).toEqual({ available: true });
  });

  it('starts provision-tenant on the local engine once per tenant, also across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'launchpad-'));
    dirs.push(dataDir);
    let deps: Deps | undefined;
    const workflows = new LocalWorkflows(() => deps!, { dataDir, retryIntervalMs: 0 });
    deps = await localDeps(workflows);

    const accepted = await createSignupHandler(deps)(post(validSignup()));
    const { tenantId } = parseBody(accepted) as { tenantId: string };
    const execution = await workflows.settled(tenantId);

    expect(execution?.events.slice(0, 3).map((e) => [e.type, e.state])).toEqual([['ExecutionStarted', undefined], ['StateEntered', 'MarkProvisioning'], ['StateExited', 'MarkProvisioning']]);
    const status = await statusOf(deps, tenantId);
    expect((status.steps as unknown[])[0]).toEqual(expect.objectContaining({ name: 'MarkProvisioning', status: 'SUCCEEDED', startedAt: expect.any(String), endedAt: expect.any(String) }));
    // Same name again: the engine refuses to provision twice...
    await expect(workflows.startProvisioning({ tenantId })).resolves.toBe('already-started');
    // ...also after a restart, because executions are recorded under the data dir.
    await expect(new LocalWorkflows(() => deps!, { dataDir }).startProvisioning({ tenantId })).resolves.toBe('already-started');
  });

  it('keeps the tenant PENDING when the start fails, and the reconciler starts it later', async () => {
    const workflows = new RecordingWorkflows();
    workflows.failuresLeft = 1;
    let clock = new Date('2026-11-26T10:00:00Z');
    const deps = { ...(await localDeps(workflows)), now: () => clock };

    const accepted = await createSignupHandler(deps)(post(validSignup()));
    const { tenantId } = parseBody(accepted) as { tenantId: string };
    expect(accepted.statusCode).toBe(202);
    expect(workflows.started).toEqual([]);
    expect((await statusOf(deps, tenantId)).status).toBe('PENDING');

    const reconcile = createStartPending(deps);
    expect((await reconcile()).started).toEqual([]); // still within the grace period
    clock = new Date('2026-11-26T10:01:00Z');
    expect((await reconcile()).started).toEqual([tenantId]);
    expect((await reconcile()).started).toEqual([]); // already started: never twice
    expect(workflows.started).toEqual([tenantId]);
  });
});
