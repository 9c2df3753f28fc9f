import { rolloutSummaryEmail } from '../../shared/emails';
import { SUMMARY_LIST_CAP, type RolloutSummary } from '../../shared/fleet';
import { fleetStep } from './fleet-step';
import type { RolloutRun } from './plan-rollout';
import { lambdaEntry } from '../lambda/entry';
import { core, platform } from '../lambda/core';
import { tables } from '../lambda/tables';
import { mail } from '../lambda/mail';

/** Of each tenant's error in the summary: with the lists capped, the summary stays far below 256 KiB. */
const ERROR_CHARS = 300;

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
  const plan = await fleet.plan(input.runId);
  const planned = plan.waves.flatMap((wave) => wave.tenants.map((t) => t.tenantId));
  const outcomes = (await tenants.lastUpgrades(planned)).flatMap((t) =>
    t.lastUpgrade?.runId === input.runId ? [{ subdomain: t.subdomain, outcome: t.lastUpgrade.outcome, ...(t.lastUpgrade.error ? { error: t.lastUpgrade.error } : {}) }] : [],
  );
  const upgraded = outcomes.filter((o) => o.outcome === 'upgraded').map((o) => o.subdomain).sort();
  const rolledBack = outcomes.filter((o) => o.outcome === 'rolled-back').map((o) => ({ subdomain: o.subdomain, error: (o.error ?? '').slice(0, ERROR_CHARS) }));
  const failed = outcomes.filter((o) => o.outcome === 'failed').map((o) => ({ subdomain: o.subdomain, error: (o.error ?? '').slice(0, ERROR_CHARS) }));
  const skipped = plan.skipped.map((t) => t.subdomain).sort();
  // Whole counts, capped lists: the summary is one item, the step's output and a mail, whatever the fleet's size.
  const summary: RolloutSummary = {
    runId: input.runId,
    version: input.request.version,
    startedAt: input.startedAt,
    endedAt: now().toISOString(),
    upgraded: upgraded.slice(0, SUMMARY_LIST_CAP),
    rolledBack: rolledBack.slice(0, SUMMARY_LIST_CAP),
    failed: failed.slice(0, SUMMARY_LIST_CAP),
    skipped: skipped.slice(0, SUMMARY_LIST_CAP),
    counts: { upgraded: upgraded.length, rolledBack: rolledBack.length, failed: failed.length, skipped: skipped.length },
    ...(input.stopped ? { stopped: causeMessage(input.stopped) } : {}),
  };
  // A rollout that went through is the fleet's version now: tenants signing up later launch on it.
  await Promise.all([fleet.saveSummary(summary), summary.stopped ? undefined : fleet.setCurrentVersion(summary.version, summary.endedAt)]);
  const email = rolloutSummaryEmail(summary, platform.executionUrlTemplate?.replace('{executionName}', input.runId));
  await mail.send({ ...email, from: platform.launchpadSender, to: [platform.opsEmail] });
  return summary;
});

export const handler = lambdaEntry(createSummarizeRollout, () => ({ ...core(), tenants: tables().tenants, fleet: tables().fleet, mail: mail(), platform: platform() }));
