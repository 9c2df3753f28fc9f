import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEDULED_JOBS } from '../../functions/scheduled/jobs';

describe('SCHEDULED_JOBS', () => {
  it('names each job, CDK id and entry once', () => {
    for (const key of ['name', 'id', 'entry'] as const) expect(new Set(SCHEDULED_JOBS.map((job) => job[key])).size, key).toBe(SCHEDULED_JOBS.length);
  });

  it.each(SCHEDULED_JOBS.map((job) => [job.name, job] as const))('%s: its entry exports the Lambda handler built from the same factory', async (_name, job) => {
    const file = new URL(`../../functions/${job.entry}.ts`, import.meta.url);
    expect(existsSync(file)).toBe(true);
    const module = (await import(/* @vite-ignore */ file.href)) as Record<string, unknown>;
    expect(module.handler).toBeTypeOf('function');
    expect(Object.values(module)).toContain(job.create);
  });

  it('gives EventBridge valid rates, Lambda valid timeouts and the local timers at least a second', () => {
    for (const job of SCHEDULED_JOBS) {
      // EventBridge wants the singular for 1 and the plural otherwise.
      expect(job.awsSchedule, job.name).toMatch(/^rate\((1 (minute|hour|day)|([2-9]|[1-9]\d+) (minutes|hours|days))\)$/);
      expect(job.timeoutSeconds, job.name).toBeGreaterThan(0);
      expect(job.timeoutSeconds, job.name).toBeLessThanOrEqual(900);
      expect(job.localEveryMs, job.name).toBeGreaterThanOrEqual(1000);
    }
  });
});
