import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StepRecord } from '../../shared/provisioning';
import { tenantSchema, type Tenant } from '../../shared/tenant';
import { fleetStep } from '../../functions/steps/fleet-step';
import { defineStep } from '../../functions/steps/run-step';
import { emfStepMetrics, loggerForTenant, STEP_METRICS, stepMetricsOfProcess, type StepMetrics } from '../../functions/steps/step-metrics';
import { TransientError } from '../../functions/steps/errors';

const tenant: Tenant = tenantSchema.parse({
  tenantId: 't-1', subdomain: 'acme', companyName: 'Acme', adminName: 'A', adminEmail: 'a@acme.example', primaryColor: '#336699',
  plan: 'trial', status: 'PROVISIONING', createdAt: '2026-12-01T10:00:00.000Z', updatedAt: '2026-12-01T10:00:00.000Z', steps: {}, urls: {}, version: 1,
});

/** The EMF lines Powertools Metrics prints to stdout while `run` runs. */
async function emfLinesOf(run: () => Promise<unknown>): Promise<Array<Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> } }>> {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await run().catch(() => undefined);
  } finally {
    write.mockRestore();
  }
  return lines.filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line) as never);
}

/** Tenant store stand-in: the one tenant, steps recorded in order; a clock 1.5 s per reading. */
function stepDeps(stepMetrics?: StepMetrics) {
  const recorded: Array<[string, StepRecord]> = [];
  const steps: Tenant['steps'] = {};
  let ms = Date.parse('2026-12-01T10:00:00.000Z');
  return {
    recorded,
    deps: {
      logger: new Logger({ serviceName: 'launchpad', logLevel: 'SILENT' }),
      now: () => new Date((ms += 1500)),
      tenants: { getTenant: async (id: string) => (id === tenant.tenantId ? { ...tenant, steps: { ...steps } } : undefined),
        recordStep: async (_id: string, step: string, record: StepRecord) => {
          steps[step] = record;
          recorded.push([step, record]);
        },
      },
      ...(stepMetrics ? { stepMetrics } : {}),
    } as never,
  };
}

describe('step metrics (EMF from the step runner)', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('prints StepDuration and StepSucceeded with the Step and StateMachine dimensions in the Launchpad namespace', async () => {
    const metrics = emfStepMetrics(new Metrics({ namespace: STEP_METRICS.namespace, serviceName: STEP_METRICS.serviceName }));
    const step = defineStep('MarkActive', async () => undefined);
    const [line, ...more] = await emfLinesOf(() => step(stepDeps(metrics).deps)({ tenantId: 't-1' }));
    expect(more).toEqual([]);
    const [spec] = line!._aws.CloudWatchMetrics;
    expect(spec!.Namespace).toBe('Launchpad');
    expect(spec!.Dimensions).toEqual([expect.arrayContaining(['service', 'StateMachine', 'Step'])]);
    expect(spec!.Metrics).toEqual(expect.arrayContaining([{ Name: 'StepDuration', Unit: 'Milliseconds' }, { Name: 'StepSucceeded', Unit: 'Count' }]));
    expect(line).toMatchObject({ Step: 'MarkActive', StateMachine: 'provision-tenant', service: 'launchpad', StepSucceeded: 1 });
    // From the RUNNING record's start to SUCCEEDED: two clock readings apart.
    expect(line!.StepDuration).toBe(1500);
  });

  it('counts a failed attempt as StepFailed (a TransientError too) and still rethrows it for the state machine', async () => {
    const metrics = emfStepMetrics(new Metrics({ namespace: STEP_METRICS.namespace, serviceName: STEP_METRICS.serviceName }));
    const step = defineStep('DeployServices', async () => {
      throw new TransientError('ECS throttled');
    });
    const { deps, recorded } = stepDeps(metrics);
    let thrown: unknown;
    const [line] = await emfLinesOf(() => step(deps)({ tenantId: 't-1' }).catch((error: unknown) => void (thrown = error)));
    expect(thrown).toBeInstanceOf(TransientError);
    expect(line).toMatchObject({ Step: 'DeployServices', StateMachine: 'provision-tenant', StepFailed: 1 });
    expect(line).not.toHaveProperty('StepSucceeded');
    expect(recorded.at(-1)![1].status).toBe('FAILED');
  });

  it('records nothing for a poll that is not complete, and the whole wait when it is', async () => {
    const seen: Array<{ step: string; outcome: string; durationMs: number }> = [];
    let polls = 0;
    // Each poll reads the clock once (1.5 s a reading).
    const step = defineStep('SmokeTest', async (_tenant, deps) => ({ done: ++polls > 2, at: deps.now() }), { isComplete: (r) => r.done });
    const { deps } = stepDeps({ record: (entry) => void seen.push(entry) });
    for (let i = 0; i < 3; i++) await step(deps)({ tenantId: 't-1' });
    // From the first poll's start to the last one's end: the start, three polls, the end.
    expect(seen).toEqual([{ step: 'SmokeTest', outcome: 'succeeded', durationMs: 4 * 1500 }]);
  });

  it('names the offboarding and fleet state machines from the step catalogue', async () => {
    const metrics = emfStepMetrics(new Metrics({ namespace: STEP_METRICS.namespace, serviceName: STEP_METRICS.serviceName }));
    const step = fleetStep('RemoveServices', async (input: { tenantId: string }) => input);
    const [line] = await emfLinesOf(() => step(stepDeps(metrics).deps)({ tenantId: 't-1' }));
    expect(line).toMatchObject({ Step: 'RemoveServices', StateMachine: 'offboard-tenant', StepSucceeded: 1 });
  });

  it('prints nothing outside a Lambda (the embedded default), EMF inside one', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', '');
    const step = defineStep('MarkActive', async () => undefined);
    expect(await emfLinesOf(() => step(stepDeps().deps)({ tenantId: 't-1' }))).toEqual([]);
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'Launchpad-Workflows-MarkActive');
    expect(stepMetricsOfProcess()).not.toBe(stepMetricsOfProcess({}));
  });
});

describe('tenantId on every log line of a tenant step', () => {
  it('gives the step body a logger that puts the tenantId on its lines, and leaves the shared logger as it was', async () => {
    const logger = new Logger({ serviceName: 'launchpad' });
    let inside: Logger | undefined;
    const step = defineStep('MarkActive', async (_tenant, deps) => void (inside = deps.logger));
    await step({ ...(stepDeps({ record: () => undefined }).deps as object), logger } as never)({ tenantId: 't-1' });
    expect(inside!.getPersistentLogAttributes()).toMatchObject({ tenantId: 't-1' });
    // The shared logger serves other tenants' steps beside it in the embedded default.
    expect(logger.getPersistentLogAttributes()).not.toHaveProperty('tenantId');
    expect(loggerForTenant(logger, 't-2').getPersistentLogAttributes()).toMatchObject({ tenantId: 't-2' });
  });

  it('does the same for offboarding tasks, and leaves a wave task (no tenant) alone', async () => {
    const logger = new Logger({ serviceName: 'launchpad' });
    const seen: Logger[] = [];
    const step = fleetStep('RemoveServices', async (input: { tenantId?: string }, deps: { logger: Logger }) => void seen.push(deps.logger));
    const deps = { ...(stepDeps({ record: () => undefined }).deps as object), logger } as never;
    await step(deps)({ tenantId: 't-3' });
    await step(deps)({});
    expect(seen[0]!.getPersistentLogAttributes()).toMatchObject({ tenantId: 't-3' });
    expect(seen[1]).toBe(logger);
  });

  it('makes each tenant\'s child once per logger (a fleet wave runs every step of 25 tenants in one process), never handing one tenant\'s to another', () => {
    const logger = new Logger({ serviceName: 'launchpad' });
    const first = loggerForTenant(logger, 't-4');
    expect(loggerForTenant(logger, 't-4')).toBe(first);
    expect(loggerForTenant(logger, 't-5')).not.toBe(first);
    expect(loggerForTenant(logger, 't-5').getPersistentLogAttributes()).toMatchObject({ tenantId: 't-5' });
    // Another parent (another service's logger) gets its own child.
    expect(loggerForTenant(new Logger({ serviceName: 'other' }), 't-4')).not.toBe(first);
    // Bounded: after many tenants the first is made again, still with its own tenantId.
    for (let i = 0; i < 1500; i++) loggerForTenant(logger, `many-${i}`);
    const again = loggerForTenant(logger, 't-4');
    expect(again).not.toBe(first);
    expect(again.getPersistentLogAttributes()).toMatchObject({ tenantId: 't-4' });
  });
});
