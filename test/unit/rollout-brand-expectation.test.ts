import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { statesOfType, type AslState } from '../../infra/asl-states';
import { loadStateMachineDefinition } from '../../infra/local/local-workflows';
import { MAX_WAVE_SIZE, planRollout, rolloutCandidateSchema, rolloutRequestSchema, type RolloutCandidate, type RolloutOutcome } from '../../shared/fleet';
import { describeFailure } from '../../functions/steps/roll-back-version';

/**
 * The branding a tenant's rollout smoke test checks comes from the plan: planRollout keeps it per
 * tenant, and the real roll-out-fleet definition hands the wave's item to SmokeTestVersion through
 * DeployVersion and CheckVersion. If that wiring broke, every smoke test would quietly fall back to
 * reading its tenant (the queue a wave's 25 tenants made on the table), so it is asserted here.
 */
const definition = loadStateMachineDefinition('roll-out-fleet');
const states = definition.States as unknown as Record<string, AslState>;
type Json = Record<string, unknown>;

const candidate = (i: number, extra: Partial<RolloutCandidate> = {}): RolloutCandidate => ({
  tenantId: `t-${i}`, subdomain: `acme-${i}`, createdAt: `2026-01-0${i}T00:00:00.000Z`, companyName: `Acme ${i}`, primaryColor: '#336699', ...extra,
});

describe('the branding a rollout smoke test checks', () => {
  it('is planned per tenant: the settings\' colour over the signup\'s, as settings are read (trimmed, lower case)', () => {
    // As TenantStore.listRolloutTargets reads them (a projection, parsed by rolloutCandidateSchema).
    const read = [
      candidate(1),
      candidate(2, { settings: { branding: { primaryColor: ' #7C3AED ' } } }),
      // An unreadable stored colour does not stop the plan: the signup's is expected, and the smoke test reads the tenant if the page differs.
      candidate(3, { settings: { branding: { primaryColor: '' } } }),
    ].map((c) => rolloutCandidateSchema.parse(c));
    const plan = planRollout(read, { version: '2', canary: ['acme-1'], waveSize: 25 });
    expect(plan.canary[0]!.expected).toEqual({ companyName: 'Acme 1', primaryColor: '#336699' });
    expect(plan.waves[0]!.map((t) => t.expected)).toEqual([
      { companyName: 'Acme 2', primaryColor: '#7c3aed' },
      { companyName: 'Acme 3', primaryColor: '#336699' },
    ]);
  });

  it('reaches SmokeTestVersion from the plan through the real definition', async () => {
    const planned = planRollout([candidate(1), candidate(2)], { version: '2', canary: [], waveSize: 25 });
    const smoked: Json[] = [];
    const machine = new StateMachine(definition, { validationOptions: { noValidate: true } });
    const zero = (types: string[]) => Object.fromEntries(statesOfType(states, types).map((s) => [s, 0]));
    const execution = machine.run({ request: {} } as never, {
      overrides: {
        taskResourceLocalHandlers: {
          PlanRollout: async () => ({ runId: 'r', startedAt: 'now', request: { version: '2', maxConcurrency: 2, toleratedFailurePercentage: 0 }, phases: [['stg', 'prod']], waves: 1, wave: 0, current: { label: 'Wave 1', toleratedFailurePercentage: 0, tenants: planned.waves[0] } }),
          DeployVersion: async (input: Json) => ({ ...input, attempt: 0 }),
          CheckVersion: async (input: Json) => ({ ...input, attempt: 1, live: true, phase: 1, done: true }),
          SmokeTestVersion: async (input: Json) => (smoked.push(input), input),
          AssessWave: async ({ outcomes: _o, current: _c, ...run }: Json) => ({ ...run, wave: 1 }),
          SummarizeRollout: async () => ({ done: true }),
        } as never,
        waitTimeOverrides: zero(['Wait']),
        retryIntervalOverrides: zero(['Task', 'Map', 'Parallel']),
      },
      context: { Execution: { Name: 'brand', StartTime: new Date().toISOString() } },
    });
    await execution.result;
    expect(smoked.map((i) => (i.item as Json).expected).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { companyName: 'Acme 1', primaryColor: '#336699' },
      { companyName: 'Acme 2', primaryColor: '#336699' },
    ]);
  });

  it('keeps the worst wave\'s state well under Step Functions\' 256 KiB: 100 tenants named in 80 three-byte characters, each failed with the longest errors', () => {
    // Company names are at most 80 characters; U+20AC is 3 bytes of UTF-8 for each (the most per character).
    const tenants = Array.from({ length: MAX_WAVE_SIZE }, (_, i) => candidate(i, { tenantId: `${'t'.repeat(30)}-${i}`, subdomain: `${'s'.repeat(30)}-${i}`, companyName: '€'.repeat(80) }));
    const wave = planRollout(tenants, { version: '2', canary: [], waveSize: MAX_WAVE_SIZE }).waves[0]!;
    const error = describeFailure({ Error: 'SmokeTestFailedError', Cause: 'x'.repeat(5000) });
    const outcomes: RolloutOutcome[] = wave.map((t) => ({ tenantId: t.tenantId, subdomain: t.subdomain, outcome: 'failed', error: `${error}; rollback failed: ${error}` }));
    const state = { runId: 'r'.repeat(80), startedAt: new Date().toISOString(), request: rolloutRequestSchema.parse({ version: '2' }), phases: [['stg'], ['prod']], waves: 700, wave: 699, current: { label: 'Wave 699 of 699', toleratedFailurePercentage: 10, tenants: wave }, outcomes };
    const bytes = Buffer.byteLength(JSON.stringify(state));
    // The planned branding is ~25 KB of it; the errors most of the rest.
    console.log(`The worst wave's state: ${(bytes / 1024).toFixed(0)} KiB of 256 KiB`);
    expect(bytes).toBeLessThan(256 * 1024 * 0.75);
  });

  it('refuses a canary larger than a wave (it is one wave, one state)', () => {
    const canary = Array.from({ length: MAX_WAVE_SIZE + 1 }, (_, i) => `acme-${i}`);
    const parsed = rolloutRequestSchema.safeParse({ version: '2', canary });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(`at most ${MAX_WAVE_SIZE}`);
  });
});
