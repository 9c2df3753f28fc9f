import { afterEach, describe, expect, it, vi } from 'vitest';

describe('Lambda wiring', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('builds each adapter once per container, naming a missing setting when one is used', async () => {
    vi.stubEnv('TABLE_NAME', 'launchpad');
    const { tables } = await import('../../functions/lambda/tables');
    expect(tables().signups).toBeDefined(); // the signup function needs no ECS or Cloudflare settings
    expect(tables()).toBe(tables());
    const { compute } = await import('../../functions/lambda/compute');
    expect(() => compute()).toThrow('Environment variable ECS_CONFIG is not set');
  });

  it('wires a handler on its first event and reuses it', async () => {
    const { lambdaEntry } = await import('../../functions/lambda/entry');
    const wire = vi.fn(() => ({ greeting: 'hi' }));
    const handler = lambdaEntry(({ greeting }: { greeting: string }) => async (name: string) => `${greeting} ${name}`, wire);
    expect(wire).not.toHaveBeenCalled();
    expect(await handler('a')).toBe('hi a');
    expect(await handler('b')).toBe('hi b');
    expect(wire).toHaveBeenCalledTimes(1);
  });
});
