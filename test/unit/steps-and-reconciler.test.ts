import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createStartPending } from '../../functions/reconciler/start-pending';
import { createMarkProvisioning } from '../../functions/steps/mark-provisioning';
import { TransitionRefusedError } from '../../functions/providers/tenant-store';
import { sdkDeps } from '../support/deps';

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
beforeEach(() => {
  dynamo.reset();
  sfn.reset();
});

const tenant = (id: string, status = 'PENDING') => ({
  tenantId: id, subdomain: id, companyName: 'Acme', adminName: 'Anna', adminEmail: `${id}@acme.com`, primaryColor: '#ff5500',
  plan: 'trial', status, createdAt: '2026-11-26T09:00:00.000Z', updatedAt: '2026-11-26T09:00:00.000Z', steps: {}, urls: {}, version: 1,
});

describe('MarkProvisioning step', () => {
  it('moves the tenant to PROVISIONING with a lifecycle condition and records the step', async () => {
    dynamo.on(GetCommand).resolves({ Item: tenant('t-1') });
    dynamo.on(UpdateCommand).resolves({});
    await expect(createMarkProvisioning(sdkDeps())({ tenantId: 't-1' })).resolves.toEqual({ tenantId: 't-1' });

    const updates = dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    const transition = updates.find((u) => u.UpdateExpression?.includes('#status = :to'))!;
    expect(transition.ConditionExpression).toMatch(/#status IN \(/);
    expect(Object.values(transition.ExpressionAttributeValues!)).toEqual(expect.arrayContaining(['PROVISIONING', 'PENDING', 'FAILED']));
    const recorded = updates.filter((u) => u.UpdateExpression === 'SET #steps.#step = :record').map((u) => (u.ExpressionAttributeValues![':record'] as { status: string }).status);
    expect(recorded).toEqual(['RUNNING', 'SUCCEEDED']);
  });

  it('records FAILED with the reason and rethrows for the state machine when the lifecycle refuses', async () => {
    dynamo.on(GetCommand).resolves({ Item: tenant('t-1', 'DELETED') });
    dynamo.on(UpdateCommand).callsFake((input: { UpdateExpression: string }) => {
      if (input.UpdateExpression.includes('#status = :to')) throw new ConditionalCheckFailedException({ message: 'failed', $metadata: {} });
      return {};
    });
    await expect(createMarkProvisioning(sdkDeps())({ tenantId: 't-1' })).rejects.toBeInstanceOf(TransitionRefusedError);
    const last = dynamo.commandCalls(UpdateCommand).at(-1)!.args[0].input.ExpressionAttributeValues![':record'] as { status: string; error: string };
    expect(last.status).toBe('FAILED');
    expect(last.error).toMatch(/cannot move to PROVISIONING/);
  });
});

describe('reconciler', () => {
  it('starts provisioning for signups stuck in PENDING past the grace period, never twice', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] }).on(QueryCommand, { ExpressionAttributeValues: { ':status': 'STATUS#PENDING', ':before': '2026-11-26T09:59:30.000Z' } }).resolves({ Items: [tenant('t-1'), tenant('t-2')] });
    for (const id of ['t-1', 't-2']) dynamo.on(GetCommand, { Key: { pk: `TENANT#${id}`, sk: 'META' } }).resolves({ Item: tenant(id) });
    // Neither has an execution the reconciler can see: t-2's start got through just before it asked.
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'nope', $metadata: {} }));
    sfn.on(StartExecutionCommand, { name: 't-1' }).resolves({}).on(StartExecutionCommand, { name: 't-2' }).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));

    const { started } = await createStartPending(sdkDeps())();

    expect(started).toEqual(['t-1']);
    const query = dynamo.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(query.IndexName).toBe('byStatus');
    expect(query.ExpressionAttributeValues).toEqual({ ':status': 'STATUS#PENDING', ':before': '2026-11-26T09:59:30.000Z' });
  });
});
