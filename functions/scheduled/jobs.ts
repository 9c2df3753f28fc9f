import type { Deps } from '../deps';
import { createRenderPending } from '../reconciler/render-pending';
import { createStartPending } from '../reconciler/start-pending';
import { createCapacityCheck } from './capacity-check';
import { createDetectDrift } from './detect-drift';
import { createKeepPool } from './keep-pool';
import { createRetryWelcomeMail } from './retry-welcome-mail';
import { createSleepIdle } from './sleep-idle';
import { createSmtpCheck } from './smtp-check';
import { createTrialSweep } from './trial-sweep';

export interface ScheduledJob {
  /** The job's own name (log lines, local overrides). */
  name: string;
  /**
   * Its id in the CDK app: the function's construct id, and so its logical ids, its `<id>Errors`
   * alarm and its Schedule's id. Changing it replaces the deployed function.
   */
  id: string;
  /** The file under functions/ (without .ts) whose `handler` export runs it in Lambda. */
  entry: string;
  /** Builds the run from the dependencies, as the Lambda handler does; the embedded default calls it on a timer. */
  create: (deps: Deps) => () => Promise<object>;
  /** What it does, for the EventBridge Scheduler schedule's description. */
  description: string;
  /** EventBridge Scheduler expression in AWS. */
  awsSchedule: `rate(${string})`;
  /** The Lambda's timeout: a run goes through every tenant of a status, so some take minutes. */
  timeoutSeconds: number;
  /** The embedded default's interval: shorter where waiting an hour would hide the job while trying things out. */
  localEveryMs: number;
}

/**
 * Every scheduled job, one row each: the embedded default starts a timer per row
 * (infra/local/launchpad.ts), and the CDK app a function and a schedule per row. Each run is
 * idempotent, so a late, doubled or skipped run is harmless.
 */
export const SCHEDULED_JOBS = [
  {
    name: 'start-pending',
    id: 'Reconciler',
    entry: 'reconciler/start-pending',
    create: createStartPending,
    description: 'Starts signups whose StartExecution was lost; restarts (3 times at most) or fails with an ops alert provisionings whose execution stopped',
    awsSchedule: 'rate(1 minute)',
    // A few calls per stuck-looking tenant (read, DescribeExecution, claim, start); below the minute, so runs do not overlap.
    timeoutSeconds: 50,
    localEveryMs: 15_000,
  },
  {
    name: 'render-pending',
    id: 'RenderPending',
    entry: 'reconciler/render-pending',
    create: createRenderPending,
    description: 'Renders instance files of settings saves whose own rendering failed',
    awsSchedule: 'rate(1 minute)',
    timeoutSeconds: 120,
    localEveryMs: 15_000,
  },
  {
    name: 'trial-sweep',
    id: 'TrialSweep',
    entry: 'scheduled/trial-sweep',
    create: createTrialSweep,
    description: 'Trial reminders, suspension at trial end, offboarding after retention, claims released after cooling-off',
    awsSchedule: 'rate(1 hour)',
    timeoutSeconds: 300,
    localEveryMs: 60_000,
  },
  {
    name: 'keep-pool',
    id: 'PoolKeeper',
    entry: 'scheduled/keep-pool',
    create: createKeepPool,
    description: 'Keeps the warm pool full, marks started instances ready, discards leaked and orphaned ones, finishes overdue hand-overs',
    awsSchedule: 'rate(1 minute)',
    // Below the schedule's minute: two runs never overlap (no reserved concurrency needed).
    timeoutSeconds: 50,
    localEveryMs: 1000,
  },
  {
    name: 'detect-drift',
    id: 'DetectDrift',
    entry: 'scheduled/detect-drift',
    create: createDetectDrift,
    description: 'Reports running tenants whose services or routing records are missing',
    awsSchedule: 'rate(1 hour)',
    timeoutSeconds: 600,
    localEveryMs: 5 * 60_000,
  },
  {
    name: 'smtp-check',
    id: 'SmtpCheck',
    entry: 'scheduled/smtp-check',
    create: createSmtpCheck,
    description: "Re-verifies tenants' own SMTP servers; a failing one falls back to SES and the admin is told",
    awsSchedule: 'rate(1 hour)',
    timeoutSeconds: 300,
    localEveryMs: 5 * 60_000,
  },
  {
    name: 'sleep-idle',
    id: 'SleepIdle',
    entry: 'scheduled/sleep-idle',
    create: createSleepIdle,
    description: 'Scales idle instances to zero (the tenant router wakes them on the next visit) and stops failed tenants\' instances',
    awsSchedule: 'rate(5 minutes)',
    timeoutSeconds: 300,
    // Locally SLEEP_AFTER sets a shorter interval (infra/local/launchpad.ts).
    localEveryMs: 60_000,
  },
  {
    name: 'retry-welcome-mail',
    id: 'WelcomeMailRetry',
    entry: 'scheduled/retry-welcome-mail',
    create: createRetryWelcomeMail,
    description: 'Sends welcome mails that could not be sent before (backoff, then given up with an ops alert)',
    awsSchedule: 'rate(5 minutes)',
    timeoutSeconds: 120,
    localEveryMs: 15_000,
  },
  {
    name: 'capacity-check',
    id: 'CapacityCheck',
    entry: 'scheduled/capacity-check',
    create: createCapacityCheck,
    description: 'Usage and limit of every quota that grows with the fleet, as metrics; the highest one is alarmed on at 80 %',
    awsSchedule: 'rate(1 hour)',
    timeoutSeconds: 120,
    localEveryMs: 5 * 60_000,
  },
] as const satisfies readonly ScheduledJob[];

export type ScheduledJobName = (typeof SCHEDULED_JOBS)[number]['name'];
