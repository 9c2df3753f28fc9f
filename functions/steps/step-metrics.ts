import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { STEP_CATALOGUE, type StepName } from '../../shared/step-catalogue';

/**
 * Where the step runner's metrics go; infra/aws/constructs/operations.ts graphs them (failures per
 * step, p95 duration) from these names, so they are the one place both read.
 */
export const STEP_METRICS = {
  namespace: 'Launchpad',
  serviceName: 'launchpad',
  duration: 'StepDuration',
  failed: 'StepFailed',
  succeeded: 'StepSucceeded',
  dimensions: { step: 'Step', stateMachine: 'StateMachine' },
} as const;

export type StepOutcome = 'succeeded' | 'failed';

/** One finished step attempt: counted per outcome, its duration kept for percentiles. */
export interface StepMetrics {
  record(entry: { step: StepName; outcome: StepOutcome; durationMs: number }): void;
}

/**
 * Step metrics as CloudWatch embedded metric format lines (Powertools Metrics), published at once
 * (a step is one invocation), with the step's state machine from the catalogue as a dimension.
 */
export function emfStepMetrics(metrics: Metrics): StepMetrics {
  return {
    record({ step, outcome, durationMs }) {
      metrics.addDimensions({ [STEP_METRICS.dimensions.stateMachine]: STEP_CATALOGUE[step].workflow, [STEP_METRICS.dimensions.step]: step });
      metrics.addMetric(STEP_METRICS.duration, MetricUnit.Milliseconds, Math.max(0, durationMs));
      metrics.addMetric(outcome === 'succeeded' ? STEP_METRICS.succeeded : STEP_METRICS.failed, MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    },
  };
}

const noMetrics: StepMetrics = { record: () => undefined };
let lambdaMetrics: StepMetrics | undefined;

/**
 * The metrics of the process the step runs in: EMF in a Lambda (the runtime sets
 * AWS_LAMBDA_FUNCTION_NAME; CloudWatch turns the lines into metrics), nothing elsewhere, where
 * the JSON would only clutter the embedded default's output. Decided here rather than in each
 * step's Lambda entry because every step goes through the runner.
 */
export function stepMetricsOfProcess(env: NodeJS.ProcessEnv = process.env): StepMetrics {
  if (!env.AWS_LAMBDA_FUNCTION_NAME) return noMetrics;
  return (lambdaMetrics ??= emfStepMetrics(new Metrics({ namespace: STEP_METRICS.namespace, serviceName: STEP_METRICS.serviceName })));
}

/**
 * The logger with `tenantId` on every line, so the saved "One tenant's story" query finds all of a
 * tenant's lines (infra/aws/constructs/operations.ts). A child, not appendKeys on the shared
 * logger: the embedded default runs many tenants' steps in one process at once. Stand-in loggers
 * (tests) are used as they are.
 */
export function loggerForTenant<L>(logger: L, tenantId: string): L {
  if (!(logger instanceof Logger)) return logger;
  let kept = childLoggers.get(logger);
  if (!kept) childLoggers.set(logger, (kept = new Map()));
  let child = kept.get(tenantId);
  if (!child) {
    child = logger.createChild({ persistentKeys: { tenantId } });
    if (kept.size >= CHILD_LOGGERS_KEPT) kept.delete(kept.keys().next().value!);
    kept.set(tenantId, child);
  }
  return child as L;
}

/**
 * Each tenant's child, kept per parent logger: creating one (a Console, the environment read
 * again) was a fifth of the embedded default's CPU in a fleet wave, where every step of every
 * tenant made its own. Bounded, the oldest first out. Nothing appends keys to a child, so sharing
 * it between a tenant's steps changes no line. A child copies the parent's level and context when
 * made: whoever adds `addContext`/`injectLambdaContext` or `setLogLevel` to the shared logger must
 * key this on them too (or drop the kept children when they change).
 */
const childLoggers = new WeakMap<Logger, Map<string, Logger>>();
const CHILD_LOGGERS_KEPT = 1000;
