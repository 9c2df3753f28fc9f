import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { criticalPath, lognormalSampler, simulateRun } from '../../bench/aws-model';

/**
 * `npm run bench` prints provision-tenant's modelled AWS path from the real definition; a Task added
 * without a modelled latency stops it (a hole in the model is refused, not counted as 0 s). The
 * warm pool's HandOverFromPool did, and the whole bench run failed for it: checked here instead.
 */
describe('the AWS model of provision-tenant', () => {
  const asl = JSON.parse(readFileSync('statemachines/provision-tenant.asl.json', 'utf8'));

  it('has a modelled latency for every Task on the success path, to the end', () => {
    const whole = criticalPath(asl, 'p95');
    expect(whole.path.at(-1)).toBe('HandOverFromPool');
    expect(whole.path).toContain('WaitUntilHealthy');
    expect(() => simulateRun(asl, lognormalSampler())).not.toThrow();
  });

  it('counts the time to live up to MarkActive: the welcome mail and the hand-over come after', () => {
    const live = criticalPath(asl, 'p50', 'MarkActive');
    expect(live.path.at(-1)).toBe('MarkActive');
    expect(live.total).toBeLessThan(criticalPath(asl, 'p50').total);
  });
});
