import * as z from 'zod/mini';
import { ENVIRONMENTS } from './instance';

/**
 * The warm pool's side of the instance contract (README "Instance contract"): an instance started
 * without a tenant waits, unassigned, until Launchpad tells it once which tenant and environment it
 * serves; from then on it is that tenant's instance and nobody else's, until it is discarded.
 */

/** Where Launchpad tells an unassigned instance whom it serves (POST, bearer token). */
export const ASSIGN_PATH = '/_spaceos/assign';

/**
 * How an instance knows its own pool id: `SPACEOS_INSTANCE_ID` when set (the embedded default), else
 * on ECS its task id, the last part of `TaskARN` from the task metadata endpoint
 * (`$ECS_CONTAINER_METADATA_URI_V4/task`). Unassigned, it answers `/health` with it.
 */
export const INSTANCE_ID_ENV = 'SPACEOS_INSTANCE_ID';

/** What an unassigned instance answers on `GET /health`. */
export const unassignedHealthSchema = z.object({ status: z.literal('unassigned'), instance: z.string(), version: z.optional(z.string()) });

export const endpointSchema = z.object({ host: z.string(), port: z.number() });

/** Short-lived AWS credentials scoped to one tenant (STS); absent on the embedded default. */
export const assignedCredentialsSchema = z.object({
  accessKeyId: z.string(),
  secretAccessKey: z.string(),
  sessionToken: z.string(),
  expiration: z.string(),
});
export type AssignedCredentials = z.infer<typeof assignedCredentialsSchema>;

/**
 * What an assignment carries: the same pointers a tenant's own task gets in its environment
 * (config and theme keys, its database), the database password (ECS would inject it from Secrets
 * Manager), and on AWS credentials that reach this tenant's files only.
 */
export const assignmentSchema = z.object({
  /**
   * The pool instance this assignment is for: the instance refuses (409) one meant for another, so an
   * address that was reused by another task (the one Launchpad recorded stopped) is never given a tenant.
   */
  instanceId: z.string().check(z.minLength(1)),
  tenantId: z.string().check(z.minLength(1)),
  env: z.enum(ENVIRONMENTS),
  hostname: z.string(),
  configKey: z.string(),
  themeKey: z.string(),
  version: z.string(),
  database: z.object({ host: z.string(), port: z.number(), database: z.string(), user: z.string(), password: z.string() }),
  credentials: z.optional(assignedCredentialsSchema),
});
export type Assignment = z.infer<typeof assignmentSchema>;

/**
 * A pool instance's life: starting (launched, not answering yet) -> ready (unassigned, claimable) ->
 * claimed (a tenant's provisioning took it) -> assigned (it serves that tenant) -> discarded (gone).
 * Never back: an instance that was claimed is discarded after use, never returned to the pool.
 */
export const POOL_STATES = ['starting', 'ready', 'claimed', 'assigned'] as const;
export const poolStateSchema = z.enum(POOL_STATES);
export type PoolState = z.infer<typeof poolStateSchema>;

export const poolInstanceSchema = z.object({
  id: z.string(),
  state: poolStateSchema,
  /** When it entered `state`. */
  since: z.string(),
  endpoint: z.optional(endpointSchema),
  /** The tenant that claimed it (claimed, assigned). */
  tenantId: z.optional(z.string()),
});
export type PoolInstance = z.infer<typeof poolInstanceSchema>;

/** What a tenant record keeps of the pool instance its provisioning claimed, until the hand-over. */
export const pooledInstanceSchema = z.object({
  id: z.string(),
  endpoint: endpointSchema,
  claimedAt: z.string(),
  /** When the tenant's own service was asked to start (once: ECS allows few service changes a second). */
  ownStartedAt: z.optional(z.string()),
  /** When the tenant's own service took the host over; the pool instance is discarded a drain time later. */
  releasedAt: z.optional(z.string()),
});
export type PooledInstance = z.infer<typeof pooledInstanceSchema>;
