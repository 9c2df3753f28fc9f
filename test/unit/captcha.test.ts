import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkCaptcha, TURNSTILE_VERIFY_URL } from '../../functions/tenant/captcha';
import { MemorySecrets, testPlatform } from '../support/deps';

const configured = { ...testPlatform, turnstile: { siteKey: '0x4AAAAAAAB', secretName: 'launchpad/turnstile-secret-key' } };
async function withSecret() {
  const secrets = new MemorySecrets();
  await secrets.put('launchpad/turnstile-secret-key', '0x4AAAAAAAsecret');
  return secrets;
}
const answer = (body: unknown) => vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } }));

afterEach(() => vi.restoreAllMocks());

describe('the signup form\'s CAPTCHA (Cloudflare Turnstile)', () => {
  it('lets every signup through, asking nobody, when it is not configured', async () => {
    const fetch = vi.spyOn(globalThis, 'fetch');
    await expect(checkCaptcha({ platform: testPlatform, secrets: new MemorySecrets() }, undefined, '203.0.113.9')).resolves.toBe('not-configured');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('asks Cloudflare with the secret key, the answer and the client address, and passes a person', async () => {
    const fetch = answer({ success: true });
    await expect(checkCaptcha({ platform: configured, secrets: await withSecret() }, 'token-from-widget', '203.0.113.9')).resolves.toBe('human');
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe(TURNSTILE_VERIFY_URL);
    expect(Object.fromEntries(new URLSearchParams(String(init!.body)))).toEqual({ secret: '0x4AAAAAAAsecret', response: 'token-from-widget', remoteip: '203.0.113.9' });
  });

  it('refuses a missing or failed answer, and fails closed when Cloudflare cannot be asked', async () => {
    const secrets = await withSecret();
    await expect(checkCaptcha({ platform: configured, secrets }, '', '203.0.113.9')).resolves.toBe('refused');
    answer({ success: false, 'error-codes': ['invalid-input-response'] });
    await expect(checkCaptcha({ platform: configured, secrets }, 'forged', '203.0.113.9')).resolves.toBe('refused');
    vi.spyOn(globalThis, 'fetch').mockRejectedValue(new TypeError('fetch failed'));
    await expect(checkCaptcha({ platform: configured, secrets }, 'token', '203.0.113.9')).resolves.toBe('unavailable');
    await expect(checkCaptcha({ platform: configured, secrets: new MemorySecrets() }, 'token', '203.0.113.9')).resolves.toBe('unavailable');
  });
});
