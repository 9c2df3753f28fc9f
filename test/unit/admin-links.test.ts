import { describe, expect, it } from 'vitest';
import { AdminLinks } from '../../functions/providers/admin-links';
import { MemorySecrets } from '../support/deps';

describe('admin links', () => {
  const now = new Date('2026-11-26T10:00:00Z');

  it('verifies a token for its tenant until it expires', async () => {
    const links = new AdminLinks(new MemorySecrets());
    const token = await links.sign('t-1', now, 30);
    expect(await links.verify('t-1', token, new Date('2026-12-20T10:00:00Z'))).toBe(true);
    expect(await links.verify('t-1', token, new Date('2026-12-27T10:00:01Z'))).toBe(false);
  });

  it('refuses another tenant, a tampered expiry, garbage and a token from another key', async () => {
    const secrets = new MemorySecrets();
    const links = new AdminLinks(secrets);
    const token = await links.sign('t-1', now);
    const [expires, mac] = token.split('.');
    expect(await links.verify('t-2', token, now)).toBe(false);
    expect(await links.verify('t-1', `${Number(expires) + 86_400}.${mac}`, now)).toBe(false);
    for (const bad of ['', 'x', '1.2.3', undefined]) expect(await links.verify('t-1', bad, now)).toBe(false);
    expect(await new AdminLinks(new MemorySecrets()).verify('t-1', token, now)).toBe(false);
    // The key is kept: a new instance on the same secrets accepts the token.
    expect(await new AdminLinks(secrets).verify('t-1', token, now)).toBe(true);
  });
});
