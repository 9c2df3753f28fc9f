import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createOpsService, OpsError, OpsRefusal, type OpsServiceDeps } from '../../functions/ops/ops-service';
import { LEGACY_MAX_RESUMES, resumedExecutionName, type StateMachineName } from '../../functions/providers/workflows';
import { AwsOps, LocalOps, opsBackend } from '../../infra/ops/backend';
import { runOps } from '../../infra/ops/cli';
import type { RolloutSummary } from '../../shared/fleet';
import type { Tenant } from '../../shared/tenant';
import { RecordingWorkflows, TABLE_NAME } from '../support/deps';
import { tenantFixture } from '../support/tenants';

const NOW = new Date('2026-11-26T10:00:00.000Z');

const tenant = tenantFixture;

const summary: RolloutSummary = { runId: 'rollout-2-1', version: '2', startedAt: '2026-11-26T09:00:00.000Z', endedAt: '2026-11-26T09:10:00.000Z', upgraded: ['acme'], rolledBack: [], failed: [], skipped: [] };

const copy = (t: Tenant | undefined) => (t ? structuredClone(t) : undefined);

/** The service on in-memory stores and recording workflows: the rules, without an engine or a table. */
function service(tenants: Tenant[]) {
  const workflows = new RecordingWorkflows();
  const deps: OpsServiceDeps = {
    tenants: {
      listTenants: async () => tenants,
      // Each read its own copy, as from the table: a caller sees the tenant as it was when it read it.
      tenantBySubdomain: async (subdomain) => copy(tenants.find((t) => t.subdomain === subdomain)),
      getTenant: async (tenantId) => copy(tenants.find((t) => t.tenantId === tenantId)),
      // The store's conditional claim, in memory: only while status and resumes are as the claimer saw them.
      claimExecution: async (tenantId, _at, claim) => {
        const t = tenants.find((x) => x.tenantId === tenantId);
        if (!t || t.status !== claim.status || t.resumes !== claim.seen) return false;
        Object.assign(t, { resumes: claim.resumes, executionName: claim.executionName, reconcilerRestarts: claim.reconcilerRestarts });
        return true;
      },
    },
    fleet: { summaries: async () => [summary] },
    instances: { getMany: async () => [] },
    workflows,
    now: () => NOW,
  };
  return { ops: createOpsService(deps), workflows };
}

/** What a call refused with: kind and the API's errors body. */
async function refusal(work: Promise<unknown>): Promise<{ kind: string; errors: Record<string, string> }> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof OpsRefusal)) throw new Error(`Expected a refusal, got ${String(error)}`);
  return { kind: error.kind, errors: error.errors };
}

describe('ops service', () => {
  it('lists tenants as rows and shows one by subdomain', async () => {
    const { ops } = service([tenant('acme', { appVersion: '2' }), tenant('beta')]);
    expect(await ops.listTenants()).toEqual([
      { tenantId: 'id-acme', subdomain: 'acme', companyName: 'acme Works', status: 'ACTIVE', plan: 'trial', appVersion: '2', createdAt: '2026-11-01T09:00:00.000Z' },
      { tenantId: 'id-beta', subdomain: 'beta', companyName: 'beta Works', status: 'ACTIVE', plan: 'trial', appVersion: null, createdAt: '2026-11-01T09:00:00.000Z' },
    ]);
    expect((await ops.showTenant('acme')).tenant.tenantId).toBe('id-acme');
    expect(await refusal(ops.showTenant('nobody'))).toEqual({ kind: 'not-found', errors: { subdomain: 'No tenant nobody' } });
  });

  it('resumes a FAILED tenant under the next -r<n>, recorded on the tenant; not while that execution runs', async () => {
    const acme = tenant('acme', { status: 'FAILED' });
    const { ops, workflows } = service([acme, tenant('beta')]);
    workflows.started.push('id-acme');
    // RecordingWorkflows runs nothing: its executions stay RUNNING. The first one failed.
    const running = workflows.executionState.bind(workflows);
    workflows.executionState = async (machine, name) => (name === 'id-acme' ? { status: 'FAILED' } : running(machine, name));
    expect(await ops.resume('acme')).toBe('id-acme-r1');
    expect(acme).toMatchObject({ resumes: 1, executionName: 'id-acme-r1' });
    // A second press while -r1 runs would race it: refused, nothing started.
    expect(await refusal(ops.resumeTenant('id-acme'))).toEqual({ kind: 'conflict', errors: { status: 'acme is FAILED and its execution id-acme-r1 is running: wait for it to end, or stop it first' } });
    expect(workflows.started).toEqual(['id-acme', 'id-acme-r1']);
    expect(await refusal(ops.resume('beta'))).toEqual({
      kind: 'conflict',
      errors: { status: 'beta is ACTIVE; only FAILED tenants are resumed, or PENDING/PROVISIONING ones whose execution stopped' },
    });
    expect(await refusal(ops.resumeTenant('id-nobody'))).toEqual({ kind: 'not-found', errors: { tenantId: 'No tenant id-nobody' } });
    expect(await refusal(ops.resume('nobody'))).toMatchObject({ kind: 'not-found' });
  });

  it('resumes a tenant resumed 25 times and more: the number comes from the tenant, with no ceiling', async () => {
    const acme = tenant('acme', { status: 'FAILED', resumes: 40, executionName: 'id-acme-r40' });
    const { ops, workflows } = service([acme]);
    workflows.executionState = async () => ({ status: 'FAILED' });
    expect(await ops.resume('acme')).toBe('id-acme-r41');
    expect(acme.resumes).toBe(41);
  });

  it('resumes a tenant whose 25 resumes were named by the old rule (no counter): after the last one', async () => {
    const { ops, workflows } = service([tenant('acme', { status: 'FAILED' })]);
    const used = ['id-acme', ...Array.from({ length: LEGACY_MAX_RESUMES }, (_, i) => resumedExecutionName('id-acme', i + 1))];
    workflows.started.push(...used);
    workflows.executionState = async (_machine, name) => (used.includes(name) ? { status: 'FAILED' } : undefined);
    expect(await ops.resume('acme')).toBe('id-acme-r26');
  });

  it('resumes a PENDING or PROVISIONING tenant whose execution stopped, and refuses (409) while it runs', async () => {
    const stuck = tenant('stuck', { status: 'PROVISIONING' });
    const busy = tenant('busy', { status: 'PROVISIONING', executionName: 'id-busy-r2', resumes: 2 });
    const lost = tenant('lost', { status: 'PENDING' });
    const { ops, workflows } = service([stuck, busy, lost]);
    workflows.started.push('id-busy-r2');
    const running = workflows.executionState.bind(workflows);
    workflows.executionState = async (machine, name) => (name === 'id-stuck' ? { status: 'ABORTED' } : running(machine, name));
    expect(await ops.resume('stuck')).toBe('id-stuck-r1');
    expect(await ops.resume('lost')).toBe('id-lost-r1'); // its own start never happened
    expect(await refusal(ops.resume('busy'))).toEqual({ kind: 'conflict', errors: { status: 'busy is PROVISIONING and its execution id-busy-r2 is running: wait for it to end, or stop it first' } });
  });

  it('leaves a signup of seconds ago alone: its own execution may still be starting (the reconciler waits as long)', async () => {
    const fresh = tenant('fresh', { status: 'PENDING', updatedAt: new Date(NOW.getTime() - 5_000).toISOString() });
    const { ops, workflows } = service([fresh]);
    workflows.executionState = async () => undefined;
    expect(await refusal(ops.resume('fresh'))).toMatchObject({ kind: 'conflict', errors: { status: expect.stringMatching(/^fresh was signed up moments ago/) } });
    expect(workflows.started).toEqual([]);
  });

  it('of two resumes racing for one tenant, starts one; the other is refused as a conflict', async () => {
    const { ops, workflows } = service([tenant('acme', { status: 'FAILED' })]);
    workflows.executionState = async () => undefined;
    const results = await Promise.allSettled([ops.resume('acme'), ops.resume('acme')]);
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => r.value)).toEqual(['id-acme-r1']);
    const [lost] = results.filter((r) => r.status === 'rejected');
    expect(lost!.reason).toBeInstanceOf(OpsRefusal);
    expect((lost!.reason as OpsRefusal).errors.status).toBe('acme was resumed (or moved on) by someone else just now: look at it again before resuming');
    expect(workflows.started).toEqual(['id-acme-r1']);
  });

  it('offboards under the sweep’s name, a repeat under a name of its own, and a paying customer only with force', async () => {
    const { ops, workflows } = service([tenant('acme'), tenant('paid', { plan: 'paid' }), tenant('busy', { status: 'PROVISIONING' })]);
    expect(await ops.offboard('acme', false)).toBe('offboard-id-acme');
    expect(await ops.offboard('acme', false)).toBe(`offboard-id-acme-${NOW.getTime()}`);
    expect(await refusal(ops.offboard('paid', false))).toEqual({
      kind: 'conflict',
      errors: { status: 'paid is a paying customer: cancel the subscription in Stripe first (the webhook suspends it), or pass --force' },
    });
    expect(await ops.offboard('paid', true)).toBe('offboard-id-paid');
    // Even force does not offboard a tenant halfway through provisioning.
    expect(await refusal(ops.offboard('busy', true))).toMatchObject({ kind: 'conflict' });
    expect(workflows.started).toEqual(['offboard-id-acme', `offboard-id-acme-${NOW.getTime()}`, 'offboard-id-paid']);
  });

  it('validates and starts a rollout named by version and time, and reads its status with its summary', async () => {
    const { ops, workflows } = service([]);
    expect(await refusal(ops.startRollout({ version: 'bad version!' }))).toEqual({ kind: 'invalid', errors: { version: 'A version is an image tag: letters, digits, . _ -' } });
    expect(await refusal(ops.startRollout(undefined))).toMatchObject({ kind: 'invalid' });
    const name = await ops.startRollout({ version: '2' });
    expect(name).toBe(`rollout-2-${NOW.getTime()}`);
    expect(workflows.started).toEqual([name]);
    expect(await ops.rolloutStatus(name)).toEqual({ name, status: 'RUNNING' });

    workflows.started.push('rollout-2-1');
    expect(await ops.rolloutStatus('rollout-2-1')).toEqual({ name: 'rollout-2-1', status: 'RUNNING', summary });
    expect(await refusal(ops.rolloutStatus('rollout-9-9'))).toEqual({ kind: 'not-found', errors: { name: 'No rollout rollout-9-9' } });
  });

  it('asks the state machine an execution name belongs to', async () => {
    const { ops, workflows } = service([]);
    const asked: Array<[StateMachineName, string]> = [];
    workflows.executionState = async (stateMachine, name) => (asked.push([stateMachine, name]), { status: 'SUCCEEDED' });
    for (const name of ['offboard-id-acme', 'rollout-2-1', 'upgrade-2-1', 'id-acme-r1', 'id-acme']) await ops.executionStatus(name);
    expect(asked).toEqual([
      ['offboard-tenant', 'offboard-id-acme'],
      ['roll-out-fleet', 'rollout-2-1'],
      ['roll-out-fleet', 'upgrade-2-1'], // started before the rename
      ['provision-tenant', 'id-acme-r1'],
      ['provision-tenant', 'id-acme'],
    ]);
    workflows.executionState = async () => undefined;
    expect(await refusal(ops.executionStatus('id-x'))).toEqual({ kind: 'not-found', errors: { name: 'No execution id-x' } });
  });
});

describe('the ops CLI against AWS (the same service on DynamoDB and Step Functions)', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const sfn = mockClient(SFNClient);
  beforeEach(() => {
    dynamo.reset();
    sfn.reset();
  });
  const PROVISION = 'arn:aws:states:eu-west-1:123456789012:stateMachine:provision-tenant';
  const aws = () =>
    new AwsOps({ table: TABLE_NAME, provisionArn: PROVISION, rolloutArn: `${PROVISION.replace('provision-tenant', 'roll-out-fleet')}`, offboardArn: `${PROVISION.replace('provision-tenant', 'offboard-tenant')}` });
  const withTenant = (t: Tenant) => {
    dynamo.on(GetCommand, { Key: { pk: `SUBDOMAIN#${t.subdomain}`, sk: 'CLAIM' } }).resolves({ Item: { tenantId: t.tenantId } });
    dynamo.on(GetCommand, { Key: { pk: `TENANT#${t.tenantId}`, sk: 'META' } }).resolves({ Item: t });
  };

  it('resumes under the next free name: -r1 was used (before resumes were counted), so -r2', async () => {
    withTenant(tenant('acme', { status: 'FAILED' }));
    const missing = new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });
    const execution = (name: string) => `arn:aws:states:eu-west-1:123456789012:execution:provision-tenant:${name}`;
    sfn.on(DescribeExecutionCommand).rejects(missing).on(DescribeExecutionCommand, { executionArn: execution('id-acme') }).resolves({ status: 'FAILED' }).on(DescribeExecutionCommand, { executionArn: execution('id-acme-r1') }).resolves({ status: 'FAILED' });
    sfn.on(StartExecutionCommand, { name: 'id-acme-r1' }).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} })).on(StartExecutionCommand, { name: 'id-acme-r2' }).resolves({ executionArn: 'arn' });
    const lines: string[] = [];
    expect(await runOps(['resume', 'acme'], aws(), (l) => lines.push(l))).toBe(0);
    expect(lines).toEqual(['Started id-acme-r2; watch it on /ops (or the Step Functions console)']);
    expect(sfn.commandCalls(StartExecutionCommand).at(-1)!.args[0].input).toEqual({ stateMachineArn: PROVISION, name: 'id-acme-r2', input: '{"tenantId":"id-acme"}' });
  });

  it('reads the rollout machine from LAUNCHPAD_ROLLOUT_ARN, or from its old name LAUNCHPAD_UPGRADE_ARN with a deprecation line', () => {
    const env = { LAUNCHPAD_TABLE: TABLE_NAME, LAUNCHPAD_PROVISION_ARN: PROVISION, LAUNCHPAD_OFFBOARD_ARN: PROVISION.replace('provision-tenant', 'offboard-tenant') };
    const rollout = PROVISION.replace('provision-tenant', 'roll-out-fleet');
    const warnings: string[] = [];
    expect(opsBackend({ ...env, LAUNCHPAD_ROLLOUT_ARN: rollout }, (l) => warnings.push(l))).toBeInstanceOf(AwsOps);
    expect(warnings).toEqual([]);
    expect(opsBackend({ ...env, LAUNCHPAD_UPGRADE_ARN: rollout }, (l) => warnings.push(l))).toBeInstanceOf(AwsOps);
    expect(warnings).toEqual([expect.stringMatching(/LAUNCHPAD_UPGRADE_ARN is deprecated: set LAUNCHPAD_ROLLOUT_ARN/)]);
    expect(() => opsBackend(env, () => undefined)).toThrow(/set all of .*LAUNCHPAD_ROLLOUT_ARN/);
    expect(opsBackend({}, () => undefined)).toBeInstanceOf(LocalOps);
  });

  it('refuses with the same message as the local API, as an error the CLI prints', async () => {
    withTenant(tenant('acme'));
    const error = await runOps(['resume', 'acme'], aws(), () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpsError);
    expect((error as OpsError).message).toBe('acme is ACTIVE; only FAILED tenants are resumed, or PENDING/PROVISIONING ones whose execution stopped');
    expect(sfn.calls()).toHaveLength(0);
  });
});
