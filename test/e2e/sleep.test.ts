import { describe, expect, it, inject } from 'vitest';
import { useBrowser } from './browser';
import { validSignup } from '../support/api-event';
import { until } from '../support/until';
import { verifyFromMail } from '../support/verification';

const baseUrl = inject('baseUrl');
const browser = useBrowser();


describe('a sleeping instance in a real browser', () => {
  it('shows the branded waking page, then the instance itself without the visitor doing anything', async () => {
    // npm start runs with SLEEP_AFTER_STAGING=4s here (global-setup.ts).
    const subdomain = `sleeper-${Date.now().toString(36)}`;
    const signup = await fetch(`${baseUrl}/api/signups`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(validSignup({ subdomain, companyName: 'Sleeper Works', primaryColor: '#7c3aed', adminEmail: `admin@${subdomain}.example` })) });
    expect(signup.status).toBe(202);
    const { tenantId } = (await signup.json()) as { tenantId: string };
    // Confirmed: an unconfirmed signup's instances answer visitors with a fixed page and are woken for nobody.
    expect((await verifyFromMail(baseUrl, inject('sesUrl'), `admin@${subdomain}.example`)).status).toBe(200);
    const status = async () => (await (await fetch(`${baseUrl}/api/tenants/${tenantId}/status`)).json()) as { status: string; instances?: { stg?: string } };
    await until('staging to fall asleep', async () => ((await status()).instances?.stg === 'sleeping' ? true : undefined), { timeoutMs: 60_000, everyMs: 250 });

    const page = await browser().newPage();
    const response = await page.goto(`http://${subdomain}-stg.localhost:${new URL(baseUrl).port}/`);
    expect(response?.status()).toBe(503);
    await expect(page.getByRole('heading', { name: 'Sleeper Works is waking up' }).isVisible()).resolves.toBe(true);
    await expect(page.locator('header').evaluate((el) => getComputedStyle(el).backgroundColor)).resolves.toBe('rgb(124, 58, 237)');

    // The page reloads itself until the instance answers.
    await page.locator('.badge').waitFor({ timeout: 30_000 });
    await expect(page.locator('.badge').textContent()).resolves.toBe('Staging');
    await expect(page.locator('#company').textContent()).resolves.toBe('Sleeper Works');
    expect((await status()).instances?.stg).toBe('running');
  }, 120_000);
});
