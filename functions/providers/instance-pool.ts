import { DescribeTasksCommand, ListTasksCommand, RunTaskCommand, StopTaskCommand, type ECSClient } from '@aws-sdk/client-ecs';
import type { Environment } from '../../shared/instance';
import { ASSIGN_PATH, unassignedHealthSchema, type AssignedCredentials, type Assignment } from '../../shared/pool';
import { ROUTE_HEADER } from '../../router/forwarded-headers';
import type { Endpoint } from './discovery';
import { TransientError } from '../steps/errors';
import type { InstanceSessions } from './tenant-task-roles';

/**
 * Port for the warm pool's instances: unassigned spaceOS instances started ahead of signups (ECS
 * tasks of the pool's task definition on AWS, stand-in processes on the embedded default).
 */
export interface InstancePool {
  /** Starts one unassigned instance; its id. It is claimable once `endpoint` gives its address and it answers. */
  launch(): Promise<string>;
  /** Its address once it runs; 'gone' when it stopped or never existed; undefined while it starts. */
  endpoint(id: string): Promise<Endpoint | 'gone' | undefined>;
  /** Stops it for good (an instance that was claimed is never put back). Safe to repeat. */
  discard(id: string): Promise<void>;
  /** The ids of every pool instance that runs or starts (leaks are found against the records). */
  running(): Promise<string[]>;
  /**
   * Readies what an assignment will need that takes time to exist; called right after the claim,
   * beside the database steps. Nothing on AWS any more (the instance role is shared and exists from the deploy).
   */
  prepare(tenant: { tenantId: string; subdomain: string }, env: Environment): Promise<void>;
  /** Credentials an assigned instance uses for this tenant's files (AWS: STS, short-lived); none where storage has no IAM (the embedded default). */
  credentialsFor(tenant: { tenantId: string; subdomain: string }, env: Environment): Promise<AssignedCredentials | undefined>;
}

/** The assignment was refused for good (another tenant's instance, a bad request): discard it, do not retry. */
export class AssignmentRefusedError extends Error {
  override name = 'AssignmentRefusedError';
}

/**
 * How long an assignment may take (connect to the database, read the config). A warm task answers in
 * well under a second; a busy machine (the embedded default booting a burst of cold instances on two
 * cores) can take many. Past it the step falls back to the cold path, which is slower still.
 */
export const ASSIGN_TIMEOUT_MS = 30_000;

/**
 * Tells an unassigned instance whom it serves (the instance contract, shared/pool.ts). Resolves
 * once the instance answers 200: it reached the tenant's database and config and serves now.
 */
export async function assignInstance(endpoint: Endpoint, assignment: Assignment, poolKey: string, timeoutMs = ASSIGN_TIMEOUT_MS): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`http://${endpoint.host}:${endpoint.port}${ASSIGN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${poolKey}` },
      body: JSON.stringify(assignment),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new TransientError(`Pool instance at ${endpoint.host}:${endpoint.port} did not answer its assignment: ${String(error)}`);
  }
  if (response.ok) return;
  const detail = await response.text().catch(() => '');
  if (response.status >= 500) throw new TransientError(`Pool instance could not take its assignment (${response.status}): ${detail}`);
  throw new AssignmentRefusedError(`Pool instance refused its assignment (${response.status}): ${detail}`);
}

/**
 * Whether the instance at this address is the pool instance `id` and unassigned (it is then ready).
 * The id matters: a task's address can be another task's a moment later.
 */
export async function answersUnassigned(endpoint: Endpoint, id: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${endpoint.host}:${endpoint.port}/health`, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return false;
    const health = unassignedHealthSchema.safeParse(await response.json());
    return health.success && health.data.instance === id;
  } catch {
    return false;
  }
}

/** Whether an instance's task answers its health check as the given route (`<tenantId>/<env>`, the router's header). */
export async function answersHealthAs(endpoint: Endpoint, route: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${endpoint.host}:${endpoint.port}/health`, { headers: { [ROUTE_HEADER]: route }, signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

export interface EcsPoolConfig {
  cluster: string;
  /** The pool's task definition: the spaceOS image with no tenant in its environment, a task role with no tenant's access. */
  taskDefinition: string;
  subnets: string[];
  securityGroups: string[];
  containerPort: number;
}

/** Every pool task is started with this, so the pool's tasks can be listed apart from tenants' services. */
export const POOL_STARTED_BY = 'launchpad-pool';

/**
 * The warm pool on ECS Fargate: standalone tasks (RunTask), not a service, because a claimed task
 * must leave the pool (a service would replace or scale in whichever task it likes). Launchpad's
 * records (PoolStore) say which task is in which state; `startedBy` lets the reconciler find tasks
 * no record knows (a launch whose record was never written) and stop them.
 */
export class EcsPool implements InstancePool {
  constructor(
    private readonly ecs: ECSClient,
    private readonly sessions: InstanceSessions,
    private readonly config: EcsPoolConfig,
  ) {}

  async prepare(): Promise<void> {}

  /**
   * The shared instance role, assumed for one hour by the step that assigns (the role trusts it) with
   * the tenant's session tags: the pool task then reaches exactly what the tenant's own tasks reach,
   * and nothing once they expire.
   */
  async credentialsFor(tenant: { tenantId: string; subdomain: string }, env: Environment): Promise<AssignedCredentials> {
    return this.sessions.credentials({ ...tenant, env }, `pool-${tenant.tenantId}`);
  }

  async launch(): Promise<string> {
    const { tasks = [], failures = [] } = await this.ecs.send(
      new RunTaskCommand({
        cluster: this.config.cluster,
        taskDefinition: this.config.taskDefinition,
        launchType: 'FARGATE',
        count: 1,
        startedBy: POOL_STARTED_BY,
        networkConfiguration: { awsvpcConfiguration: { subnets: this.config.subnets, securityGroups: this.config.securityGroups, assignPublicIp: 'DISABLED' } },
        tags: [{ key: 'launchpad:role', value: 'pool' }],
      }),
    );
    const arn = tasks[0]?.taskArn;
    // Out of capacity or over a quota: the next refill tries again.
    if (!arn) throw new TransientError(`RunTask started no pool task: ${failures.map((f) => `${f.reason ?? ''} ${f.detail ?? ''}`.trim()).join('; ') || 'no reason given'}`);
    return arn.slice(arn.lastIndexOf('/') + 1);
  }

  async endpoint(id: string): Promise<Endpoint | 'gone' | undefined> {
    const { tasks = [] } = await this.ecs.send(new DescribeTasksCommand({ cluster: this.config.cluster, tasks: [id] }));
    const task = tasks[0];
    if (!task || task.desiredStatus === 'STOPPED' || task.lastStatus === 'STOPPED' || task.lastStatus === 'DEPROVISIONING') return 'gone';
    if (task.lastStatus !== 'RUNNING') return undefined;
    const ip = task.attachments?.flatMap((a) => a.details ?? []).find((d) => d.name === 'privateIPv4Address')?.value;
    return ip ? { host: ip, port: this.config.containerPort } : undefined;
  }

  async discard(id: string): Promise<void> {
    try {
      await this.ecs.send(new StopTaskCommand({ cluster: this.config.cluster, task: id, reason: 'Launchpad: pool instance discarded' }));
    } catch (error) {
      // Stopped and gone already: what discarding wanted.
      if ((error as { name?: string }).name === 'InvalidParameterException') return;
      throw error;
    }
  }

  async running(): Promise<string[]> {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.ecs.send(new ListTasksCommand({ cluster: this.config.cluster, startedBy: POOL_STARTED_BY, desiredStatus: 'RUNNING', nextToken }));
      ids.push(...(page.taskArns ?? []).map((arn) => arn.slice(arn.lastIndexOf('/') + 1)));
      nextToken = page.nextToken;
    } while (nextToken);
    return ids;
  }
}
