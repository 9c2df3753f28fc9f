import { SendEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../functions/deps';
import { createDocumentClient } from '../../functions/providers/dynamodb';
import { createAssessWave } from '../../functions/steps/assess-wave';
import { createPlanRollout, type RolloutRun } from '../../functions/steps/plan-rollout';
import { createSummarizeRollout } from '../../functions/steps/summarize-rollout';
import { tableStores } from '../../functions/wiring';
import { ensureTable, startDynamoDbLocal, type DynamoDbLocal } from '../../infra/local/dynamodb-local';
import { MAX_ROLLOUT_WAVES, SUMMARY_LIST_CAP, type RolloutOutcome } from '../../shared/fleet';
import { initialSettings } from '../../shared/settings';
import { settingsOf } from '../../functions/tenant/settings-of';
import { RecordingWorkflows, sdkDeps } from '../support/deps';
import { seedSyntheticFleet } from '../support/synthetic-fleet';

/**
 * roll-out-fleet's own steps at fleet scale, on DynamoDB Local: the plan goes to the table and the
 * run's state stays small, each wave is loaded when it starts, a plan of more waves than one
 * execution's history holds is refused, and the summary of a large rollout counts everyone but
 * names at most SUMMARY_LIST_CAP per outcome (one item, one state, one readable mail).
 */
const FLEET = 1500;
const ses = mockClient(SESClient);
let dynamo: DynamoDbLocal;
let deps: Deps;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  const tableName = 'launchpad-rollout-plan';
  await ensureTable(dynamo.endpoint, tableName);
  const documents = createDocumentClient(dynamo.endpoint);
  const now = new Date();
  await seedSyntheticFleet(documents, tableName, FLEET, now);
  ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
  deps = sdkDeps({ ...tableStores(documents, tableName), workflows: new RecordingWorkflows(), now: () => new Date(now.getTime() + 1000) });
}, 120_000);
afterAll(async () => {
  ses.restore();
  await dynamo?.stop();
});

describe('a rollout to 1,500 tenants', () => {
  it('refuses a plan of more waves than one run holds, naming the wave size that fits', async () => {
    await expect(createPlanRollout(deps)({ request: { version: '2.0.0', waveSize: 2 }, runId: 'too-many', startedAt: 'now' })).rejects.toThrow(
      new RegExp(`waveSize: ${Math.ceil(FLEET / 2)} waves are more than one run holds \\(${MAX_ROLLOUT_WAVES}\\); use a wave size of at least 3`),
    );
  });

  it('keeps the plan in the table, loads one wave at a time, and sums everyone up in a summary of capped lists', { timeout: 120_000 }, async () => {
    let run: RolloutRun = await createPlanRollout(deps)({ request: { version: '2.0.0', canary: ['scale-5'], waveSize: 100 }, runId: 'big', startedAt: new Date().toISOString() });
    // Canary + 15 waves; the state holds the wave under way and nothing of the others.
    expect(run).toMatchObject({ waves: 16, wave: 0, current: { label: 'Canary', tenants: [{ subdomain: 'scale-5' }] } });
    expect(Buffer.byteLength(JSON.stringify(run))).toBeLessThan(1024);

    const seen = new Set<string>();
    while (run.current) {
      const { current } = run;
      expect(current.tenants.length).toBe(run.wave === 0 ? 1 : Math.min(100, FLEET - 1 - (run.wave - 1) * 100));
      // At most one wave of tenants in the state, whatever the fleet's size.
      expect(Buffer.byteLength(JSON.stringify(run))).toBeLessThan(16 * 1024);
      for (const t of current.tenants) seen.add(t.subdomain);
      // A few roll back in the last wave (under its 10 % tolerance); the rest upgrade.
      const outcomes: RolloutOutcome[] = current.tenants.map((t, i) => ({ ...t, outcome: run.wave === run.waves - 1 && i < 3 ? 'rolled-back' : 'upgraded', ...(run.wave === run.waves - 1 && i < 3 ? { error: 'VersionNotLiveError: '.padEnd(2000, 'x') } : {}) }));
      run = await createAssessWave(deps)({ ...run, current, outcomes });
      expect(run.stopped).toBeUndefined();
    }
    expect(run.wave).toBe(16);
    expect(seen.size).toBe(FLEET);

    const summary = await createSummarizeRollout(deps)(run);
    expect(summary.counts).toEqual({ upgraded: FLEET - 3, rolledBack: 3, failed: 0, skipped: 0 });
    expect(summary.upgraded).toHaveLength(SUMMARY_LIST_CAP);
    expect(summary.rolledBack.every((r) => r.error.length <= 300)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThan(64 * 1024);
    // What ops read: the counts, and how many are not named.
    const mail = ses.commandCalls(SendEmailCommand).at(-1)!.args[0].input;
    expect(mail.Message?.Subject?.Data).toContain(`${FLEET - 3} upgraded, 3 rolled back, 0 failed, 0 skipped`);
    expect(mail.Message?.Body?.Text?.Data).toContain(`and ${(FLEET - 3 - SUMMARY_LIST_CAP).toLocaleString('en')} more`);
    expect((await deps.fleet.summaries(1))[0]).toMatchObject({ runId: 'big', counts: summary.counts });
    // Recorded: a rerun plans nothing but the three rolled back.
    const rerun = await createPlanRollout(deps)({ request: { version: '2.0.0', waveSize: 100 }, runId: 'rerun', startedAt: new Date().toISOString() });
    expect(rerun.waves).toBe(1);
    expect(rerun.current?.tenants).toHaveLength(3);
    expect(await deps.fleet.planWave('rerun', 0)).toEqual(rerun.current);
  });

  it('plans each tenant with the branding its smoke test checks: the settings\' colour over the signup\'s, read by projection', async () => {
    const settings = initialSettings({ companyName: 'Scale 7', adminEmail: 'a@example.com', primaryColor: '#336699' });
    const recoloured = { ...settings, branding: { ...settings.branding, primaryColor: '#7c3aed' } };
    const tenant7 = (await deps.tenants.tenantBySubdomain('scale-7'))!;
    await deps.tenants.setAttributes(tenant7.tenantId, new Date().toISOString(), { settings: recoloured });
    const run = await createPlanRollout(deps)({ request: { version: '3.0.0', canary: ['scale-7'], waveSize: 100 }, runId: 'branded', startedAt: new Date().toISOString() });
    const [canary] = run.current!.tenants;
    expect(canary!.expected).toEqual({ companyName: tenant7.companyName, primaryColor: '#7c3aed' });
    // The same as the smoke test would resolve from the whole tenant, for every planned tenant of a wave.
    const wave = (await deps.fleet.planWave('branded', 1))!;
    for (const t of wave.tenants.slice(0, 20)) {
      const tenant = (await deps.tenants.getTenant(t.tenantId))!;
      expect(t.expected).toEqual({ companyName: tenant.companyName, primaryColor: settingsOf(tenant).branding.primaryColor });
    }
  });
});
