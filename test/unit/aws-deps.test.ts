import { afterEach, describe, expect, it, vi } from 'vitest';

describe('Lambda wiring', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('builds only what a function uses, naming a missing setting when one is used', async () => {
    vi.stubEnv('TABLE_NAME', 'launchpad');
    const { awsDeps } = await import('../../functions/deps');
    const deps = awsDeps();
    expect(deps.store).toBeDefined(); // the signup function needs no ECS or Cloudflare settings
    expect(() => deps.compute).toThrow('Environment variable ECS_CONFIG is not set');
    expect(awsDeps()).toBe(deps);
  });
});
