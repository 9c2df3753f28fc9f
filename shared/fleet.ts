import * as z from 'zod/mini';
import { subdomainSchema } from './subdomain';
import { hexColorSchema } from './signup';
import type { Tenant } from './tenant';

/**
 * Bounds of one roll-out-fleet run, from Step Functions' per-execution limits (25,000 history events,
 * 256 KiB per state's payload; https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
 * Each tenant runs as its own child execution (the wave's Distributed Map), so its health polls do not
 * count against the run; the run's own history grows by a fixed number of events per wave (see
 * infra/history-events.ts and test/unit/rollout-history.test.ts, which count them on the real definition:
 * ~21 a wave): 700 waves stay
 * under the limit with every Task of every wave retried twice. The plan itself lives in the table.
 */
export const MAX_ROLLOUT_WAVES = 700;
export const MAX_WAVE_SIZE = 100;
/** Names a rollout summary lists per outcome (its counts are whole): a 10,000-tenant list is neither readable nor storable in one item. */
export const SUMMARY_LIST_CAP = 200;

/** Input of a roll-out-fleet execution (and of `npm run ops -- rollout`). */
export const rolloutRequestSchema = z.object({
  version: z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'A version is an image tag: letters, digits, . _ -')),
  /** Subdomains rolled out to first, alone; if any of them fails, the rollout stops there. */
  canary: z._default(z.array(subdomainSchema).check(z.maxLength(MAX_WAVE_SIZE, `A canary of at most ${MAX_WAVE_SIZE} tenants (it is one wave)`)), []),
  /** At most 100: a wave's outcomes come back to the run in one state (Step Functions' 256 KiB payload limit). */
  waveSize: z._default(z.int().check(z.minimum(1), z.maximum(MAX_WAVE_SIZE)), 25),
  /** Up to a whole wave at once: each tenant is its own child execution (a Distributed Map runs up to 10,000). */
  maxConcurrency: z._default(z.int().check(z.minimum(1), z.maximum(MAX_WAVE_SIZE)), 10),
  /** A wave with more failures than this (in % of its tenants) stops the rollout. */
  toleratedFailurePercentage: z._default(z.number().check(z.minimum(0), z.maximum(100)), 10),
  /** Staging instances move to the version (and prove healthy) before production ones, tenant by tenant. */
  stagingFirst: z._default(z.boolean(), false),
});
export type RolloutRequestInput = z.input<typeof rolloutRequestSchema>;
export type RolloutRequest = z.output<typeof rolloutRequestSchema>;

/** What a smoke test checks a tenant's pages against: its company name, and its brand colour (the settings' or the signup's). */
export const brandExpectationSchema = z.object({ companyName: z.string(), primaryColor: z.string() });
export type BrandExpectation = z.infer<typeof brandExpectationSchema>;

/** Resolved as settingsOf does: a tenant without stored settings shows its signup's colour. */
export const brandExpectationOf = (tenant: { companyName: string; primaryColor: string; settings?: { branding: { primaryColor: string } } | undefined }): BrandExpectation => ({
  companyName: tenant.companyName,
  primaryColor: tenant.settings?.branding.primaryColor ?? tenant.primaryColor,
});

export interface RolloutTarget {
  tenantId: string;
  subdomain: string;
  /**
   * What the upgraded pages must show, as planned: SmokeTestVersion reads the tenant only when the
   * pages differ from it (the branding changed since), so a wave's tenants, which all reach their
   * smoke test at once, need no read there. Absent in plans from before it was kept.
   */
  expected?: BrandExpectation;
}

/** What planning reads of each running tenant (TenantStore.listRolloutTargets projects just this). */
export const rolloutCandidateSchema = z.object({
  tenantId: z.string(),
  subdomain: z.string(),
  appVersion: z.optional(z.string()),
  createdAt: z.string(),
  companyName: z.string(),
  primaryColor: z.string(),
  // Parsed as settings are (trimmed, lower case); one unreadable colour must not stop the plan: the
  // signup's colour is expected then, and the smoke test reads the whole tenant when the page differs.
  settings: z.optional(z.catch(z.optional(z.object({ branding: z.object({ primaryColor: hexColorSchema }) })), undefined)),
});
export type RolloutCandidate = z.infer<typeof rolloutCandidateSchema>;

/** One wave of a rollout: its tenants, and the share of them that may fail before the rollout stops (the canary: none). */
export interface RolloutWave {
  label: string;
  toleratedFailurePercentage: number;
  tenants: RolloutTarget[];
}

export interface RolloutPlan {
  canary: RolloutTarget[];
  waves: RolloutTarget[][];
  /** Already on the version (a rerun skips them). */
  skipped: RolloutTarget[];
  /** Canary subdomains that are no running tenant. */
  unknownCanary: string[];
}

/**
 * Splits the tenants to roll out to into the canary and waves of `waveSize`, in a stable order
 * (oldest first), so a rerun plans the same waves minus what is done.
 */
export function planRollout(tenants: readonly RolloutCandidate[], request: Pick<RolloutRequest, 'version' | 'canary' | 'waveSize'>): RolloutPlan {
  const sorted = [...tenants].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.subdomain.localeCompare(b.subdomain));
  const target = (t: RolloutCandidate): RolloutTarget => ({ tenantId: t.tenantId, subdomain: t.subdomain, expected: brandExpectationOf(t) });
  const skipped = sorted.filter((t) => t.appVersion === request.version).map((t) => ({ tenantId: t.tenantId, subdomain: t.subdomain }));
  const todo = sorted.filter((t) => t.appVersion !== request.version);
  const canarySet = new Set(request.canary);
  const canary = todo.filter((t) => canarySet.has(t.subdomain)).map(target);
  const rest = todo.filter((t) => !canarySet.has(t.subdomain)).map(target);
  const waves: RolloutTarget[][] = [];
  for (let i = 0; i < rest.length; i += request.waveSize) waves.push(rest.slice(i, i + request.waveSize));
  const known = new Set(sorted.map((t) => t.subdomain));
  return { canary, waves, skipped, unknownCanary: request.canary.filter((s) => !known.has(s)) };
}

/** How a rollout ended for one tenant. Persisted as the tenant's `lastUpgrade.outcome`: the values keep their stored names. */
export const ROLLOUT_OUTCOMES = ['upgraded', 'rolled-back', 'failed'] as const;
export type RolloutOutcome = { tenantId: string; subdomain: string; outcome: (typeof ROLLOUT_OUTCOMES)[number]; error?: string };

/** Execution name of a rollout started by ops (a rerun is a new run); workflows.ts maps the prefix back to roll-out-fleet. */
export const rolloutRunName = (version: string, at: Date) => `rollout-${version.replace(/[^A-Za-z0-9-]/g, '-')}-${at.getTime()}`;

/** A tenant as `npm run ops -- tenants list` shows it. */
export const tenantRow = (t: Tenant) => ({ tenantId: t.tenantId, subdomain: t.subdomain, companyName: t.companyName, status: t.status, plan: t.plan, appVersion: t.appVersion ?? null, createdAt: t.createdAt });
export type TenantRow = ReturnType<typeof tenantRow>;

/** One fleet rollout, as /ops and the ops mail show it. */
export interface RolloutSummary {
  runId: string;
  version: string;
  startedAt: string;
  endedAt: string;
  upgraded: string[];
  rolledBack: Array<{ subdomain: string; error: string }>;
  failed: Array<{ subdomain: string; error: string }>;
  skipped: string[];
  /** Why the rollout stopped before the end, if it did. */
  stopped?: string;
  /** How many tenants ended each way; each list above names at most SUMMARY_LIST_CAP of them. Absent on summaries from before the cap. */
  counts?: Record<RolloutSummaryList, number>;
}
export type RolloutSummaryList = 'upgraded' | 'rolledBack' | 'failed' | 'skipped';

/** How many tenants a summary counts for one outcome (its list's length where it has no counts). */
export const summaryCount = (summary: RolloutSummary, list: RolloutSummaryList): number => summary.counts?.[list] ?? summary[list].length;
/** ", and N more" when a summary's list names fewer tenants than it counts. */
export const moreThanListed = (summary: RolloutSummary, list: RolloutSummaryList): string => {
  const more = summaryCount(summary, list) - summary[list].length;
  return more > 0 ? ` and ${more.toLocaleString('en')} more` : '';
};

/** Share of a wave's tenants that did not upgrade, in %. */
export const failurePercentage = (outcomes: RolloutOutcome[]) => (outcomes.length === 0 ? 0 : (100 * outcomes.filter((o) => o.outcome !== 'upgraded').length) / outcomes.length);

/** Why ops may not offboard this tenant now (undefined: go ahead). A paying tenant is cancelled in Stripe first. */
export function offboardingRefusal(tenant: Pick<Tenant, 'subdomain' | 'status' | 'plan' | 'billing'>, force: boolean): string | undefined {
  if (tenant.status === 'PROVISIONING') return `${tenant.subdomain} is being provisioned; offboard it once that has ended`;
  if (!force && tenant.billing === 'invoiced' && (tenant.status === 'ACTIVE' || tenant.status === 'PAST_DUE')) {
    return `${tenant.subdomain} is billed by invoice (created by ops): end its contract first, then pass --force`;
  }
  if (!force && tenant.plan === 'paid' && (tenant.status === 'ACTIVE' || tenant.status === 'PAST_DUE')) {
    return `${tenant.subdomain} is a paying customer: cancel the subscription in Stripe first (the webhook suspends it), or pass --force`;
  }
  return undefined;
}

