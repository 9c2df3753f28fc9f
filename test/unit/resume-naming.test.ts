import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, ExecutionLimitExceeded, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SfnWorkflows } from '../../functions/providers/sfn-workflows';
import { MAX_RESUMES, ResumeLimitError, resumedExecutionName, stateMachineOfExecution } from '../../functions/providers/workflows';
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
    expect(stateMachineOfExecution(resumedExecutionName('t-1', 3))).toBe('provision-tenant');
    expect(stateMachineOfExecution('t-1')).toBe('provision-tenant');
    expect(stateMachineOfExecution('offboard-t-1-1700000000000')).toBe('offboard-tenant');
    expect(stateMachineOfExecution('rollout-2-1700000000000')).toBe('roll-out-fleet');
    expect(stateMachineOfExecution('upgrade-2-1700000000000')).toBe('roll-out-fleet'); // named before the rename
  });
});

describe('SfnWorkflows.resumeProvisioning', () => {
  it('takes the next name when Step Functions refuses one already used: -r1 exists, so -r2', async () => {
    sfn.on(StartExecutionCommand, { name: 't-1-r1' }).rejects(exists()).on(StartExecutionCommand, { name: 't-1-r2' }).resolves({ executionArn: 'arn' });

    await expect(sfnWorkflows().resumeProvisioning('t-1')).resolves.toBe('t-1-r2');

    const calls = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { stateMachineArn: PROVISION, name: 't-1-r1', input: JSON.stringify({ tenantId: 't-1' }) },
      { stateMachineArn: PROVISION, name: 't-1-r2', input: JSON.stringify({ tenantId: 't-1' }) },
    ]);
  });

  it('starts -r1 first when the tenant was never resumed', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn' });
    await expect(sfnWorkflows().resumeProvisioning('t-1')).resolves.toBe('t-1-r1');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('gives up after MAX_RESUMES names instead of trying forever', async () => {
    sfn.on(StartExecutionCommand).rejects(exists());
    await expect(sfnWorkflows().resumeProvisioning('t-1')).rejects.toBeInstanceOf(ResumeLimitError);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(MAX_RESUMES);
    expect(sfn.commandCalls(StartExecutionCommand).at(-1)!.args[0].input.name).toBe(`t-1-r${MAX_RESUMES}`);
  });

  it('does not skip a name for any other error: it is the caller’s to see', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionLimitExceeded({ message: 'too many', $metadata: {} }));
    await expect(sfnWorkflows().resumeProvisioning('t-1')).rejects.toBeInstanceOf(ExecutionLimitExceeded);
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

  it('takes the first name the recorded executions leave free, across restarts', async () => {
    const dataDir = join(root, 'data');
    mkdirSync(join(dataDir, 'executions'), { recursive: true });
    for (const name of ['t-1', 't-1-r1']) writeFileSync(join(dataDir, 'executions', `${name}.json`), JSON.stringify(recorded(name)));
    // The runs themselves fail at once (no tenant in the mocked table): only their names matter here.
    dynamo.onAnyCommand().rejects(new Error('no table in this test'));
    const deps = sdkDeps();
    const workflows = new LocalWorkflows(() => deps, { dataDir, retryIntervalMs: 0, waitMs: 0 });

    expect(await workflows.resumeProvisioning('t-1')).toBe('t-1-r2');
    expect(workflows.get('t-1-r2')).toMatchObject({ stateMachine: 'provision-tenant', input: { tenantId: 't-1' } });
    await workflows.drain();

    // Recorded on disk: after a restart the next resume is -r3, as Step Functions would refuse -r2.
    const restarted = new LocalWorkflows(() => deps, { dataDir, retryIntervalMs: 0, waitMs: 0 });
    expect(await restarted.resumeProvisioning('t-1')).toBe('t-1-r3');
    await restarted.drain();
    expect(await restarted.executionState('provision-tenant', 't-1-r2')).toMatchObject({ status: 'FAILED' });
    // Names are scoped by state machine, as in Step Functions.
    expect(await restarted.executionState('offboard-tenant', 't-1-r2')).toBeUndefined();
  }, 30_000);
});
