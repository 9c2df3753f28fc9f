import * as z from 'zod/mini';
import { ENVIRONMENTS } from './instance';
import { planSchema } from './lifecycle';
import { endpointSchema } from './pool';

/**
 * Whether an instance runs, as the client and customer success see it:
 * - running: tasks are up and the router sends its host there;
 * - sleeping: scaled to zero after being idle; the next visit wakes it;
 * - waking: a visit asked for it and its tasks are starting;
 * - stopped: scaled to zero for a reason a visit does not undo (suspended trial, failed provisioning).
 */
export const INSTANCE_STATES = ['running', 'sleeping', 'waking', 'stopped'] as const;
export const instanceStateSchema = z.enum(INSTANCE_STATES);
export type InstanceState = z.infer<typeof instanceStateSchema>;

/**
 * One instance's routing record: what the tenant router reads for a host (one item, one read), and
 * what the sleep job queries (awake instances by last request).
 */
export const instanceRecordSchema = z.object({
  /** The label under the instance domain: `acme` (prod) or `acme-stg`. */
  host: z.string(),
  tenantId: z.string(),
  subdomain: z.string(),
  env: z.enum(ENVIRONMENTS),
  /** The plan it is sized for (paid production instances do not sleep unless configured). */
  plan: planSchema,
  /** How many tasks it runs when awake (a wake scales back to this). */
  desiredCount: z.number(),
  state: instanceStateSchema,
  /** When it entered `state` (a wake older than the wake timeout is taken over). */
  since: z.string(),
  /** The last request the router saw, to the minute (the router writes at most once a minute per instance). */
  lastRequestAt: z.string(),
  /**
   * Pinned: the router sends the host to this address instead of discovering the instance's own
   * tasks (a warm-pool instance serving it until the tenant's own service takes over).
   */
  endpoint: z.optional(endpointSchema),
});
export type InstanceRecord = z.infer<typeof instanceRecordSchema>;

/**
 * A wake older than this never finished (its router died after scaling): the sleep job puts such an
 * instance back to sleep. Far above any start (a cold Fargate task is 1-3 minutes), so a wake in
 * progress is never undone, however short the idle time.
 */
export const STALE_WAKE_MS = 10 * 60_000;
