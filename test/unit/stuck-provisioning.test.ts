import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient, StartExecutionCommand, type ExecutionStatus } from '@aws-sdk/client-sfn';
import { SendEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createStartPending, MAX_RECONCILER_RESTARTS } from '../../functions/reconciler/start-pending';
import type { Tenant } from '../../shared/tenant';
import { sdkDeps, STATE_MACHINE_ARN } from '../support/deps';
import { tenantFixture } from '../support/tenants';

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const ses = mockClient(SESClient);
beforeEach(() => {
  dynamo.reset();
  sfn.reset();
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
});

// sdkDeps' clock: 10:00. Anything written before 09:59:30 is past the reconciler's 30 s grace.
const LONG_AGO = '2026-11-26T09:00:00.000Z';
const JUST_NOW = '2026-11-26T09:59:50.000Z';
const EXECUTIONS = STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:');

const tenant = (id: string, changes: Partial<Tenant> = {}): Tenant =>
  tenantFixture(id, {
    tenantId: id,
    status: 'PROVISIONING',
    createdAt: LONG_AGO,
    updatedAt: LONG_AGO,
    steps: { MarkProvisioning: { status: 'SUCCEEDED', startedAt: LONG_AGO, endedAt: LONG_AGO }, DeployServices: { status: 'RUNNING', startedAt: LONG_AGO } },
    version: 3,
    ...changes,
  });

/**
 * The table holds these tenants: the status index lists them by status, GetItem reads each (with the
 * failure once one was written, as NotifyOps reads it back).
 */
function table(...tenants: Tenant[]) {
  for (const status of ['PENDING', 'PROVISIONING']) {
    dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':status': `STATUS#${status}`, ':before': '2026-11-26T09:59:30.000Z' } }).resolves({ Items: tenants.filter((t) => t.status === status) });
  }
  const failures = new Map<string, unknown>();
  dynamo.on(GetCommand).callsFake((input: { Key: { pk: string } }) => {
    const t = tenants.find((x) => `TENANT#${x.tenantId}` === input.Key.pk);
    const failure = t && failures.get(t.tenantId);
    return { Item: t && (failure ? { ...t, status: 'FAILED', failure } : t) };
  });
  dynamo.on(UpdateCommand).callsFake((input: { Key: { pk: string }; ExpressionAttributeValues?: Record<string, unknown> }) => {
    const failure = input.ExpressionAttributeValues?.[':failure'];
    if (failure) failures.set(input.Key.pk.slice('TENANT#'.length), failure);
    return {};
  });
}

/** DescribeExecution answers by execution name; a name not listed does not exist. */
function executions(states: Record<string, { status: ExecutionStatus; error?: string; cause?: string }>) {
  sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
  for (const [name, state] of Object.entries(states)) sfn.on(DescribeExecutionCommand, { executionArn: `${EXECUTIONS}:${name}` }).resolves(state);
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn' });
}

const updates = () => dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input);
const starts = () => sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
const alerts = () => ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
const run = () => createStartPending(sdkDeps())();

describe('the reconciler on AWS (DescribeExecution answers)', () => {
  it('restarts a PROVISIONING tenant whose execution TIMED_OUT as the next resume, claimed on the tenant', async () => {
    table(tenant('t-1'));
    executions({ 't-1': { status: 'TIMED_OUT', error: 'States.Timeout' } });

    expect(await run()).toEqual({ started: [], restarted: ['t-1'], failed: [] });

    expect(starts()).toEqual(['t-1-r1']);
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toMatchObject({ stateMachineArn: STATE_MACHINE_ARN, input: '{"tenantId":"t-1"}' });
    // The claim: number and name written together, only while nobody else claimed one (no resumes yet) and still PROVISIONING.
    const [claim] = updates();
    expect(claim!.ConditionExpression).toBe('attribute_exists(#pk) AND #status = :status AND attribute_not_exists(#resumes)');
    expect(claim!.ExpressionAttributeValues).toMatchObject({ ':status': 'PROVISIONING', ':resumes': 1, ':name': 't-1-r1', ':restarts': 1 });
    expect(alerts()).toEqual([]);
  });

  it('restarts when the recorded execution does not exist (ExecutionDoesNotExist), after the one it records', async () => {
    table(tenant('t-1', { executionName: 't-1-r4', resumes: 4, reconcilerRestarts: 1 }));
    executions({ 't-1': { status: 'FAILED' } });

    expect((await run()).restarted).toEqual(['t-1']);
    expect(starts()).toEqual(['t-1-r5']);
    expect(updates()[0]!.ExpressionAttributeValues).toMatchObject({ ':seen': 4, ':resumes': 5, ':restarts': 2 });
  });

  it('leaves a tenant whose execution is RUNNING alone', async () => {
    table(tenant('t-1', { executionName: 't-1-r1', resumes: 1 }), tenant('t-2', { status: 'PENDING', steps: {} }));
    executions({ 't-1-r1': { status: 'RUNNING' }, 't-2': { status: 'RUNNING' } });

    expect(await run()).toEqual({ started: [], restarted: [], failed: [] });
    expect(starts()).toEqual([]);
    expect(updates()).toEqual([]);
    expect(alerts()).toEqual([]);
  });

  it('starts a PENDING signup whose StartExecution was lost under its own name, as before', async () => {
    table(tenant('t-1', { status: 'PENDING', steps: {} }));
    executions({});

    expect(await run()).toEqual({ started: ['t-1'], restarted: [], failed: [] });
    expect(starts()).toEqual(['t-1']);
    expect(updates()).toEqual([]);
  });

  it('marks FAILED with an ExecutionLost failure and alerts ops once the restarts are used up (SUCCEEDED, tenant not ACTIVE)', async () => {
    table(tenant('t-1', { executionName: 't-1-r3', resumes: 3, reconcilerRestarts: MAX_RECONCILER_RESTARTS }));
    executions({ 't-1-r3': { status: 'SUCCEEDED' } });

    expect(await run()).toEqual({ started: [], restarted: [], failed: ['t-1'] });

    expect(starts()).toEqual([]);
    const failing = updates().find((u) => u.UpdateExpression?.includes('#status = :to'))!;
    // Only if no resume claimed a new execution meanwhile, and nothing else failed it first.
    expect(failing.ConditionExpression).toContain('#resumes = :resumesSeen');
    expect(failing.ConditionExpression).toContain('#status = :statusSeen');
    expect(failing.ExpressionAttributeValues).toMatchObject({ ':to': 'FAILED', ':resumesSeen': 3, ':statusSeen': 'PROVISIONING' });
    const failure = failing.ExpressionAttributeValues![':failure'] as { step: string; error: string; cause: string };
    expect(failure).toMatchObject({ step: 'DeployServices', error: 'ExecutionLost' });
    expect(failure.cause).toMatch(/execution t-1-r3 ended SUCCEEDED while the tenant was PROVISIONING; the reconciler restarted it 3 times already/);
    // The status page no longer shows that step running.
    const step = updates().find((u) => u.UpdateExpression === 'SET #steps.#step = :record')!;
    expect(step.ExpressionAttributeValues).toMatchObject({ ':record': { status: 'FAILED' } });

    const [alert] = alerts();
    expect(alert!.Destination!.ToAddresses).toEqual(['cs@spaceos.io']);
    expect(alert!.Message!.Subject!.Data).toBe('[Launchpad] Provisioning failed for t-1 at DeployServices');
    expect(alert!.Message!.Body!.Text!.Data).toMatch(/Error: ExecutionLost/);
    expect(alert!.Message!.Body!.Text!.Data).toContain('t-1-r3 ended SUCCEEDED');
  });

  it('does not restart an execution a person stopped (ABORTED): FAILED with the alert at once', async () => {
    table(tenant('t-1'));
    executions({ 't-1': { status: 'ABORTED' } });

    expect(await run()).toEqual({ started: [], restarted: [], failed: ['t-1'] });
    expect(starts()).toEqual([]);
    expect(alerts()[0]!.Message!.Body!.Text!.Data).toContain('Provisioning execution t-1 was stopped (ABORTED)');
  });

  it('never touches a tenant within the grace period: not listed before it, nor written to within it', async () => {
    // Listed (it entered PROVISIONING long ago) but resumed just now: its new execution may not be visible yet.
    table(tenant('t-1', { updatedAt: JUST_NOW, executionName: 't-1-r1', resumes: 1 }));
    executions({});

    expect(await run()).toEqual({ started: [], restarted: [], failed: [] });
    expect(sfn.calls()).toEqual([]);
    expect(updates()).toEqual([]);
    // The status index is asked only for tenants that entered their status before now - 30 s.
    const queried = dynamo.commandCalls(QueryCommand).map((c) => c.args[0].input.ExpressionAttributeValues);
    expect(queried).toEqual([
      { ':status': 'STATUS#PENDING', ':before': '2026-11-26T09:59:30.000Z' },
      { ':status': 'STATUS#PROVISIONING', ':before': '2026-11-26T09:59:30.000Z' },
    ]);
  });

  it('starts nothing when another resume claimed the tenant first (the claim’s condition fails)', async () => {
    table(tenant('t-1'));
    executions({ 't-1': { status: 'FAILED' } });
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    expect(await run()).toEqual({ started: [], restarted: [], failed: [] });
    expect(starts()).toEqual([]);
  });

  it('fails the run (the job’s Errors alarm) when the alert cannot be sent, after marking the tenant FAILED', async () => {
    table(tenant('t-1'));
    executions({ 't-1': { status: 'ABORTED' } });
    ses.on(SendEmailCommand).rejects(new Error('SES is down'));

    await expect(run()).rejects.toThrow(/could not be repaired or their alert sent/);
    expect(updates().some((u) => u.ExpressionAttributeValues?.[':to'] === 'FAILED')).toBe(true);
  });
});
