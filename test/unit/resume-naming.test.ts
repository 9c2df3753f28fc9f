import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, ExecutionLimitExceeded, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SfnWorkflows } from '../../functions/providers/sfn-workflows';
import { isResumedExecutionName, resumedExecutionName, stateMachineOfExecution } from '../../functions/providers/workflows';
import { LocalWorkflows, type LocalExecution } from '../../infra/local/local-workflows';
import { sdkDeps } from '../support/deps';
import { tempDir } from '../support/temp-dir';

const sfn = mockClient(SFNClient);
const dynamo = mockClient(DynamoDBDocumentClient);
beforeEach(() => {
  sfn.reset();
  dynamo.reset();
});

const PROVISION = 'arn:aws:states:us-east-1:123456789012:stateMachine:provision-tenant';
const ROLLOUT = 'arn:aws:states:us-east-1:123456789012:stateMachine:roll-out-fleet';
const OFFBOARD = 'arn:aws:states:us-east-1:123456789012:stateMachine:offboard-tenant';
const exists = () => new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} });
const sfnWorkflows = () => new SfnWorkflows(new SFNClient({}), PROVISION, ROLLOUT, OFFBOARD);

describe('the resume naming rule', () => {
  it('names the n-th resume <tenantId>-r<n>, and tells executions apart by name', () => {
    expect(resumedExecutionName('t-1', 1)).toBe('t-1-r1');
    expect(isResumedExecutionName('t-1', resumedExecutionName('t-1', 26))).toBe(true);
    expect(isResumedExecutionName('t-1', 't-10-r1')).toBe(false);
    expect(stateMachineOfExecution(resumedExecutionName('t-1', 3))).toBe('provision-tenant');
    expect(stateMachineOfExecution('t-1')).toBe('provision-tenant');
    expect(stateMachineOfExecution('offboard-t-1-1700000000000')).toBe('offboard-tenant');
    expect(stateMachineOfExecution('rollout-2-1700000000000')).toBe('roll-out-fleet');
    expect(stateMachineOfExecution('upgrade-2-1700000000000')).toBe('roll-out-fleet'); // named before the rename
  });
});

describe('SfnWorkflows.resumeProvisioning', () => {
  it('starts the claimed name, and answers already-started when Step Functions refuses a name already used', async () => {
    sfn.on(StartExecutionCommand, { name: 't-1-r1' }).rejects(exists()).on(StartExecutionCommand, { name: 't-1-r2' }).resolves({ executionArn: 'arn' });

    await expect(sfnWorkflows().resumeProvisioning('t-1', 't-1-r1')).resolves.toBe('already-started');
    await expect(sfnWorkflows().resumeProvisioning('t-1', 't-1-r2')).resolves.toBe('started');

    const calls = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { stateMachineArn: PROVISION, name: 't-1-r1', input: JSON.stringify({ tenantId: 't-1' }) },
      { stateMachineArn: PROVISION, name: 't-1-r2', input: JSON.stringify({ tenantId: 't-1' }) },
    ]);
  });

  it('starts nothing under a name outside the resume rule (another tenant’s, or not -r<n>)', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn' });
    for (const name of ['t-2-r1', 't-1', 't-1-r0', 't-1-rx', 't-1-r1-r2']) await expect(sfnWorkflows().resumeProvisioning('t-1', name), name).rejects.toThrow(/is not a resume of t-1/);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('passes any other error on: it is the caller’s to see', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionLimitExceeded({ message: 'too many', $metadata: {} }));
    await expect(sfnWorkflows().resumeProvisioning('t-1', 't-1-r1')).rejects.toBeInstanceOf(ExecutionLimitExceeded);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });
});

describe('SfnWorkflows.executionState', () => {
  it('describes the execution of the named state machine, and answers undefined for one that does not exist', async () => {
    sfn
      .on(DescribeExecutionCommand, { executionArn: 'arn:aws:states:us-east-1:123456789012:execution:offboard-tenant:offboard-t-1' })
      .resolves({ status: 'FAILED', error: 'States.TaskFailed', cause: 'boom' })
      .on(DescribeExecutionCommand, { executionArn: 'arn:aws:states:us-east-1:123456789012:execution:roll-out-fleet:rollout-2-1' })
      .rejects(new ExecutionDoesNotExist({ message: 'nope', $metadata: {} }));
    const workflows = sfnWorkflows();
    await expect(workflows.executionState('offboard-tenant', 'offboard-t-1')).resolves.toEqual({ status: 'FAILED', error: 'States.TaskFailed', cause: 'boom' });
    await expect(workflows.executionState('roll-out-fleet', 'rollout-2-1')).resolves.toBeUndefined();
  });
});

describe('LocalWorkflows.resumeProvisioning', () => {
  const root = tempDir('launchpad-resume-');
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const recorded = (name: string): LocalExecution => ({
    name,
    stateMachine: 'provision-tenant',
    input: { tenantId: 't-1' },
    status: 'FAILED',
    startDate: '2026-11-26T09:00:00.000Z',
    stopDate: '2026-11-26T09:01:00.000Z',
    error: 'ProvisioningFailed',
    events: [],
  });

  it('refuses a name recorded before, across restarts, as Step Functions does', async () => {
    const dataDir = join(root, 'data');
    mkdirSync(join(dataDir, 'executions'), { recursive: true });
    for (const name of ['t-1', 't-1-r1']) writeFileSync(join(dataDir, 'executions', `${name}.json`), JSON.stringify(recorded(name)));
    // The runs themselves fail at once (no tenant in the mocked table): only their names matter here.
    dynamo.onAnyCommand().rejects(new Error('no table in this test'));
    const deps = sdkDeps();
    const workflows = new LocalWorkflows(() => deps, { dataDir, retryIntervalMs: 0, waitMs: 0 });

    expect(await workflows.resumeProvisioning('t-1', 't-1-r1')).toBe('already-started');
    expect(await workflows.resumeProvisioning('t-1', 't-1-r2')).toBe('started');
    expect(workflows.get('t-1-r2')).toMatchObject({ stateMachine: 'provision-tenant', input: { tenantId: 't-1' } });
    await workflows.drain();

    // Recorded on disk: after a restart -r2 is refused too.
    const restarted = new LocalWorkflows(() => deps, { dataDir, retryIntervalMs: 0, waitMs: 0 });
    expect(await restarted.resumeProvisioning('t-1', 't-1-r2')).toBe('already-started');
    expect(await restarted.executionState('provision-tenant', 't-1-r2')).toMatchObject({ status: 'FAILED' });
    // Names are scoped by state machine, as in Step Functions.
    expect(await restarted.executionState('offboard-tenant', 't-1-r2')).toBeUndefined();
  }, 30_000);
});
