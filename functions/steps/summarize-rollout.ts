import { rolloutSummaryEmail } from '../../shared/emails';
import type { RolloutSummary } from '../../shared/fleet';
import { fleetStep } from './fleet-step';
import type { RolloutRun } from './plan-rollout';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { mail } from '../lambda/mail';

/** A Lambda error's Cause (WaveBroken) arrives as JSON ({errorMessage, ...}) from Step Functions; locally it is the message. */
function causeMessage(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}

/**
 * Last state of roll-out-fleet, however the run went: the summary from the outcome each planned
 * tenant recorded for this run (so a stopped run still reports what it did), kept for /ops and
 * mailed to ops.
 */
export const createSummarizeRollout = fleetStep('SummarizeRollout', async (input: RolloutRun, { tenants, fleet, mail, platform, now }): Promise<RolloutSummary> => {
  const planned = input.plan.waves.flatMap((wave) => wave.tenants.map((t) => t.tenantId));
  const outcomes = (await tenants.getTenants(planned)).flatMap((t) =>
    t.lastUpgrade?.runId === input.runId ? [{ subdomain: t.subdomain, outcome: t.lastUpgrade.outcome, ...(t.lastUpgrade.error ? { error: t.lastUpgrade.error } : {}) }] : [],
  );
  const summary: RolloutSummary = {
    runId: input.runId,
    version: input.request.version,
    startedAt: input.startedAt,
    endedAt: now().toISOString(),
    upgraded: outcomes.filter((o) => o.outcome === 'upgraded').map((o) => o.subdomain).sort(),
    rolledBack: outcomes.filter((o) => o.outcome === 'rolled-back').map((o) => ({ subdomain: o.subdomain, error: o.error ?? '' })),
    failed: outcomes.filter((o) => o.outcome === 'failed').map((o) => ({ subdomain: o.subdomain, error: o.error ?? '' })),
    skipped: input.plan.skipped.map((t) => t.subdomain).sort(),
    ...(input.stopped ? { stopped: causeMessage(input.stopped) } : {}),
  };
  await fleet.saveSummary(summary);
  // A rollout that went through is the fleet's version now: tenants signing up later launch on it.
  if (!summary.stopped) await fleet.setCurrentVersion(summary.version, summary.endedAt);
  const email = rolloutSummaryEmail(summary, platform.executionUrlTemplate?.replace('{executionName}', input.runId));
  await mail.send({ ...email, from: platform.launchpadSender, to: [platform.opsEmail] });
  return summary;
});

export const handler = lambdaEntry(createSummarizeRollout, () => ({ ...core(), tenants: tables().tenants, fleet: tables().fleet, mail: mail(), platform: platform() }));
