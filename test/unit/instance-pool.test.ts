import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeTasksCommand, ECSClient, InvalidParameterException, ListTasksCommand, RunTaskCommand, ServerException, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../functions/providers/discovery';
import { answersUnassigned, assignInstance, EcsPool, POOL_STARTED_BY } from '../../functions/providers/instance-pool';
import { ASSIGN_PATH, type Assignment } from '../../shared/pool';
import { InstanceSessions } from '../../functions/providers/tenant-task-roles';
import { INSTANCE_ROLE_ARN, POOL_CONFIG } from '../support/deps';

const ecs = mockClient(ECSClient);
const sts = mockClient(STSClient);
const pool = () => new EcsPool(new ECSClient({ region: 'us-east-1' }), new InstanceSessions(new STSClient({ region: 'us-east-1' }), INSTANCE_ROLE_ARN), POOL_CONFIG);
const taskArn = (id: string) => `arn:aws:ecs:us-east-1:123456789012:task/spaceos/${id}`;
const runningTask = (ip: string): Task => ({
  lastStatus: 'RUNNING',
  desiredStatus: 'RUNNING',
  attachments: [{ type: 'ElasticNetworkInterface', details: [{ name: 'subnetId', value: 'subnet-a' }, { name: 'privateIPv4Address', value: ip }] }],
});

beforeEach(() => {
  ecs.reset();
  sts.reset();
});

describe('ECS warm pool: launching instances', () => {
  it('starts one private Fargate task of the pool task definition, marked as a pool task, and returns its task id', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: taskArn('abc123') }], failures: [] });

    await expect(pool().launch()).resolves.toBe('abc123');

    const calls = ecs.commandCalls(RunTaskCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toMatchObject({
      cluster: 'spaceos',
      taskDefinition: POOL_CONFIG.taskDefinition,
      launchType: 'FARGATE',
      count: 1,
      startedBy: 'launchpad-pool',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } },
    });
    expect(POOL_STARTED_BY).toBe('launchpad-pool');
  });

  it('fails retryably with the reason when Fargate has no capacity (the next refill tries again)', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'RESOURCE:FARGATE', detail: 'capacity unavailable' }] });

    const error = await pool().launch().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('TransientError');
    expect((error as Error).message).toContain('RESOURCE:FARGATE');
  });
});

describe('ECS warm pool: finding an instance', () => {
  it('gives the private IP and container port of a running task', async () => {
    ecs.on(DescribeTasksCommand, { cluster: 'spaceos', tasks: ['abc123'] }).resolves({ tasks: [runningTask('10.0.1.23')] });

    await expect(pool().endpoint('abc123')).resolves.toEqual({ host: '10.0.1.23', port: 8080 });
  });

  it.each(['PROVISIONING', 'PENDING'])('has no address yet while the task is %s', async (lastStatus) => {
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ lastStatus, desiredStatus: 'RUNNING' }] });

    await expect(pool().endpoint('abc123')).resolves.toBeUndefined();
  });

  it.each<[string, Task[]]>([
    ['the task stopped', [{ lastStatus: 'STOPPED', desiredStatus: 'STOPPED' }]],
    ['the task is being stopped', [{ ...runningTask('10.0.1.23'), desiredStatus: 'STOPPED' }]],
    ['ECS knows no such task', []],
  ])('reports the instance gone when %s', async (_case, tasks) => {
    ecs.on(DescribeTasksCommand).resolves({ tasks, failures: tasks.length ? [] : [{ arn: taskArn('abc123'), reason: 'MISSING' }] });

    await expect(pool().endpoint('abc123')).resolves.toBe('gone');
  });
});

describe('ECS warm pool: discarding and listing instances', () => {
  it('stops the task in the pool cluster', async () => {
    ecs.on(StopTaskCommand).resolves({});

    await pool().discard('abc123');

    const calls = ecs.commandCalls(StopTaskCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toMatchObject({ cluster: 'spaceos', task: 'abc123' });
  });

  it('treats a task that is already gone as discarded (safe to repeat)', async () => {
    ecs.on(StopTaskCommand).rejects(new InvalidParameterException({ message: 'The referenced task was not found.', $metadata: {} }));

    await expect(pool().discard('abc123')).resolves.toBeUndefined();
  });

  it('lets any other ECS failure through, so the discard is retried', async () => {
    ecs.on(StopTaskCommand).rejects(new ServerException({ message: 'Internal error', $metadata: {} }));

    await expect(pool().discard('abc123')).rejects.toThrow('Internal error');
  });

  it('lists every running pool task across all pages of ListTasks', async () => {
    ecs
      .on(ListTasksCommand)
      .resolvesOnce({ taskArns: [taskArn('t1'), taskArn('t2')], nextToken: 'page-2' })
      .resolvesOnce({ taskArns: [taskArn('t3')] });

    await expect(pool().running()).resolves.toEqual(['t1', 't2', 't3']);

    const inputs = ecs.commandCalls(ListTasksCommand).map((call) => call.args[0].input);
    expect(inputs).toHaveLength(2);
    for (const input of inputs) expect(input).toMatchObject({ cluster: 'spaceos', startedBy: 'launchpad-pool', desiredStatus: 'RUNNING' });
    expect(inputs[0]!.nextToken).toBeUndefined();
    expect(inputs[1]!.nextToken).toBe('page-2');
  });
});

describe("ECS warm pool: a tenant's credentials", () => {
  it('assumes the shared instance role for one hour with the tenant\'s session tags and returns the credentials with an ISO expiry', async () => {
    const expiration = new Date('2026-11-26T11:00:00.000Z');
    sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIA123', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: expiration } });

    await expect(pool().credentialsFor({ tenantId: 't-1', subdomain: 'acme' }, 'prod')).resolves.toEqual({
      accessKeyId: 'ASIA123',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiration: '2026-11-26T11:00:00.000Z',
    });

    const calls = sts.commandCalls(AssumeRoleCommand);
    expect(calls).toHaveLength(1);
    // The tags are what the role's policy reaches by (its files, its sender, its SMTP password): this tenant's, this environment.
    expect(calls[0]!.args[0].input).toEqual({
      RoleArn: INSTANCE_ROLE_ARN,
      RoleSessionName: 'pool-t-1',
      DurationSeconds: 3600,
      Tags: [{ Key: 'tenantId', Value: 't-1' }, { Key: 'subdomain', Value: 'acme' }, { Key: 'environment', Value: 'prod' }],
    });
  });

  it('has nothing to prepare at a claim: the role is shared and exists from the deploy', async () => {
    await pool().prepare();
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });
});

describe('Pool instance contract over HTTP', () => {
  interface Received {
    method?: string;
    url?: string;
    headers: IncomingHttpHeaders;
    body: string;
  }
  let server: Server;
  let endpoint: Endpoint;
  let received: Received[];
  let reply: { status: number; body: string };

  const assignment: Assignment = {
    instanceId: 'task-1',
    tenantId: 't-1',
    env: 'prod',
    hostname: 'acme.spaceos.io',
    configKey: 'tenants/t-1/config/prod/config.yml',
    themeKey: 'tenants/t-1/theme.css',
    version: '1.2.3',
    database: { host: 'db.internal', port: 5432, database: 't_acme_prod', user: 't_acme_prod', password: 'pw' },
  };

  beforeEach(async () => {
    received = [];
    reply = { status: 200, body: '{}' };
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        received.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
  });

  afterEach(async () => {
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('posts the assignment with the pool key and resolves once the instance accepts it', async () => {
    await expect(assignInstance(endpoint, assignment, 'pool-key')).resolves.toBeUndefined();

    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', url: ASSIGN_PATH });
    expect(received[0]!.url).toBe('/_spaceos/assign');
    expect(received[0]!.headers.authorization).toBe('Bearer pool-key');
    expect(JSON.parse(received[0]!.body)).toEqual(assignment);
  });

  it('fails retryably when the instance cannot take its assignment yet (503)', async () => {
    reply = { status: 503, body: 'database not reachable' };

    await expect(assignInstance(endpoint, assignment, 'pool-key')).rejects.toMatchObject({ name: 'TransientError' });
  });

  it('fails retryably when nothing listens at the address (connection refused)', async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));

    await expect(assignInstance(endpoint, assignment, 'pool-key')).rejects.toMatchObject({ name: 'TransientError' });
  });

  it('fails for good when the instance refuses the assignment (409: it serves someone already)', async () => {
    reply = { status: 409, body: 'already assigned' };

    await expect(assignInstance(endpoint, assignment, 'pool-key')).rejects.toMatchObject({ name: 'AssignmentRefusedError', message: expect.stringContaining('409') });
  });

  it('counts an instance as ready only when its health check says it is this pool instance, unassigned', async () => {
    reply = { status: 200, body: JSON.stringify({ status: 'unassigned', instance: 'task-1' }) };
    await expect(answersUnassigned(endpoint, 'task-1')).resolves.toBe(true);
    expect(received.at(-1)?.url).toBe('/health');

    // Another task now holds the address the record has (the recorded one stopped).
    await expect(answersUnassigned(endpoint, 'task-0')).resolves.toBe(false);

    reply = { status: 200, body: JSON.stringify({ status: 'unassigned' }) };
    await expect(answersUnassigned(endpoint, 'task-1')).resolves.toBe(false);

    reply = { status: 200, body: JSON.stringify({ status: 'ok', instance: 'task-1' }) };
    await expect(answersUnassigned(endpoint, 'task-1')).resolves.toBe(false);

    reply = { status: 503, body: JSON.stringify({ status: 'unassigned', instance: 'task-1' }) };
    await expect(answersUnassigned(endpoint, 'task-1')).resolves.toBe(false);

    reply = { status: 200, body: 'not json' };
    await expect(answersUnassigned(endpoint, 'task-1')).resolves.toBe(false);
  });
});
