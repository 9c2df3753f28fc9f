import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTenantOnBehalf, type OnBehalfDeps } from '../../functions/ops/create-on-behalf';
import { OpsRefusal } from '../../functions/ops/ops-service';
import type { CreateSignupResult } from '../../functions/providers/signup-store';
import { AwsOps, OpsError, type OpsBackend } from '../../infra/ops/backend';
import { runOps } from '../../infra/ops/cli';
import type { OnBehalfCreated, OnBehalfInput } from '../../shared/on-behalf';
import type { Tenant } from '../../shared/tenant';
import { RecordingWorkflows, TABLE_NAME } from '../support/deps';

const NOW = new Date('2026-12-03T10:00:00.000Z');
const VALID = ['--company', 'Acme Spaces', '--subdomain', 'acme', '--admin-name', 'Anna Admin', '--admin-email', 'anna@acme.com'];

/** A backend whose create answers as told and whose tenant goes through the given statuses, one per look. */
function backend(statuses: Tenant['status'][], create: (request: OnBehalfInput) => Promise<OnBehalfCreated> = async () => ({ tenantId: 'id-1', subdomain: 'acme', execution: 'id-1', statusUrl: '/api/tenants/id-1/status' })) {
  const requests: OnBehalfInput[] = [];
  const fake: Pick<OpsBackend, 'describe' | 'createTenant' | 'showTenant'> = {
    describe: 'a fake',
    createTenant: (request) => {
      requests.push(request);
      return create(request);
    },
    showTenant: async () => {
      const status = statuses.length > 1 ? statuses.shift()! : statuses[0]!;
      return { tenant: { status, ...(status === 'FAILED' ? { failure: { step: 'CreateDatabases', error: 'DbDown', cause: 'no route to db-1' } } : {}) } };
    },
  };
  return { ops: fake as OpsBackend, requests };
}

async function run(ops: OpsBackend, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runOps(['tenants', 'create', ...argv], ops, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

describe('npm run ops -- tenants create', () => {
  it('sends only the given fields, then shows each status once until ACTIVE (exit 0)', async () => {
    const { ops, requests } = backend(['PENDING', 'PROVISIONING', 'PROVISIONING', 'ACTIVE']);
    const { code, out, err } = await run(ops, ...VALID, '--plan', 'paid');
    expect(requests).toEqual([{ companyName: 'Acme Spaces', subdomain: 'acme', adminName: 'Anna Admin', adminEmail: 'anna@acme.com', plan: 'paid' }]);
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out).toEqual(['Created acme (id-1); provisioning id-1 on a fake', '  PENDING', '  PROVISIONING', '  ACTIVE', 'acme is live; the welcome mail goes to its admin.']);
  });

  it('exits 1 with the failed step and how to resume when provisioning FAILED', async () => {
    const { code, out } = await run(backend(['PROVISIONING', 'FAILED']).ops, ...VALID);
    expect(code).toBe(1);
    expect(out.at(-1)).toBe('Provisioning failed at CreateDatabases: DbDown no route to db-1; once fixed: npm run ops -- resume acme');
  });

  it('returns at once with --no-wait', async () => {
    const { code, out } = await run(backend(['PENDING']).ops, ...VALID, '--no-wait');
    expect({ code, out }).toEqual({ code: 0, out: ['Created acme (id-1); provisioning id-1 on a fake'] });
  });

  it('prints a refusal as one --flag line per field and exits 1', async () => {
    const refused = backend([], async () => {
      throw new OpsRefusal('conflict', { subdomain: 'This address is already taken; choose another subdomain', adminEmail: 'This email already holds a tenant; use another address' });
    });
    expect(await run(refused.ops, ...VALID)).toEqual({ code: 1, out: [], err: ['--subdomain: This address is already taken; choose another subdomain', '--admin-email: This email already holds a tenant; use another address'] });
  });

  it('exits 2 with the usage for an unknown option or a stray argument, sending nothing', async () => {
    for (const argv of [[...VALID, '--colour', '#000000'], [...VALID, 'extra']]) {
      const { ops, requests } = backend(['ACTIVE']);
      const { code, err } = await run(ops, ...argv);
      expect(code).toBe(2);
      expect(err.join('\n')).toMatch(/tenants create --company <name> --subdomain <sub>/);
      expect(requests).toEqual([]);
    }
  });

  it('lists the command in the usage', async () => {
    const out: string[] = [];
    expect(await runOps(['help'], backend([]).ops, (l) => out.push(l))).toBe(0);
    expect(out.join('\n')).toMatch(/tenants create --company <name>[\s\S]*\[--plan trial\|paid\] \[--no-wait\]/);
  });
});

describe('createTenantOnBehalf', () => {
  function deps(overrides: { zone?: string[]; result?: CreateSignupResult } = {}) {
    const written: Tenant[] = [];
    const workflows = new RecordingWorkflows();
    const d: OnBehalfDeps = {
      signups: { createSignup: async (tenant) => (written.push(tenant), overrides.result ?? { kind: 'created' }) },
      workflows,
      dns: { hasOwnRecord: async (label) => (overrides.zone ?? []).includes(label) },
      logger: { info: () => undefined, error: () => undefined },
      newId: () => 'id-new',
      now: () => NOW,
    };
    return { d, written, workflows };
  }
  const request = { companyName: ' Acme Spaces ', subdomain: 'ACME', adminName: 'Anna Admin', adminEmail: 'Anna@Acme.com' };

  it('writes a verified tenant created by ops (no verifyBy), a trial by default, and starts its provisioning', async () => {
    const { d, written, workflows } = deps();
    expect(await createTenantOnBehalf(d, request)).toEqual({ tenantId: 'id-new', subdomain: 'acme', execution: 'id-new', statusUrl: '/api/tenants/id-new/status' });
    expect(written).toEqual([{ tenantId: 'id-new', subdomain: 'acme', companyName: 'Acme Spaces', adminName: 'Anna Admin', adminEmail: 'anna@acme.com', primaryColor: '#4f46e5', plan: 'trial', createdBy: 'ops', status: 'PENDING', createdAt: NOW.toISOString(), updatedAt: NOW.toISOString(), steps: {}, urls: {}, version: 1 }]);
    expect(workflows.started).toEqual(['id-new']);
  });

  it('marks a paid tenant as invoiced', async () => {
    const { d, written } = deps();
    await createTenantOnBehalf(d, { ...request, plan: 'paid' });
    expect(written[0]).toMatchObject({ plan: 'paid', billing: 'invoiced' });
  });

  it('keeps the tenant when provisioning does not start (the reconciler starts it)', async () => {
    const { d, written, workflows } = deps();
    workflows.failuresLeft = 1;
    await expect(createTenantOnBehalf(d, request)).resolves.toMatchObject({ tenantId: 'id-new' });
    expect(written).toHaveLength(1);
  });

  it('refuses bad input, a name the zone holds and a name or email taken, writing nothing for the first two', async () => {
    const bad = deps();
    await expect(createTenantOnBehalf(bad.d, { ...request, subdomain: 'www', adminEmail: 'x' }).catch((e: OpsRefusal) => [e.kind, e.errors])).resolves.toEqual([
      'invalid',
      { subdomain: 'This name is reserved', adminEmail: 'Enter a valid email address, like anna@example.com' },
    ]);
    const shadowed = deps({ zone: ['acme-stg'] });
    await expect(createTenantOnBehalf(shadowed.d, request).catch((e: OpsRefusal) => [e.kind, e.errors])).resolves.toEqual(['conflict', { subdomain: 'This address is already taken; choose another subdomain' }]);
    expect([...bad.written, ...shadowed.written]).toEqual([]);
    const taken = deps({ result: { kind: 'taken', fields: ['adminEmail'] } });
    await expect(createTenantOnBehalf(taken.d, request).catch((e: OpsRefusal) => [e.kind, e.errors])).resolves.toEqual(['conflict', { adminEmail: 'This email already holds a tenant; use another address' }]);
    expect(taken.workflows.started).toEqual([]);
  });
});

describe('tenants create against AWS', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const sfn = mockClient(SFNClient);
  const saved = { ...process.env };
  beforeEach(() => {
    dynamo.reset();
    sfn.reset();
  });
  afterEach(() => {
    process.env = { ...saved };
  });
  const PROVISION = 'arn:aws:states:eu-west-1:123456789012:stateMachine:provision-tenant';
  const aws = () => new AwsOps({ table: TABLE_NAME, provisionArn: PROVISION, rolloutArn: PROVISION.replace('provision-tenant', 'roll-out-fleet'), offboardArn: PROVISION.replace('provision-tenant', 'offboard-tenant') });

  it('needs the Cloudflare zone to check the name against, and writes nothing without it', async () => {
    delete process.env.CLOUDFLARE_API_TOKEN;
    process.env.LAUNCHPAD_CLOUDFLARE_ZONE_ID = 'zone';
    process.env.LAUNCHPAD_DOMAIN = 'spaceos.example';
    const error = await runOps(['tenants', 'create', ...VALID], aws(), () => undefined, () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpsError);
    expect((error as Error).message).toMatch(/CLOUDFLARE_API_TOKEN is not set/);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
