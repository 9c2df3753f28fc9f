import { describe, expect, it, inject } from 'vitest';
import { useBrowser } from './browser';
import { mailTo, waitForMail } from '../support/sent-mail';
import { until } from '../support/until';
import { VERIFICATION_SUBJECT } from '../support/verification';

const baseUrl = inject('baseUrl');
const sesUrl = inject('sesUrl');
const browser = useBrowser();

describe('the /ops form "Create a tenant for a client" in a real browser', () => {
  it('shows each error next to its field and keeps what was typed, then creates the tenant, which goes live with a welcome mail', async () => {
    const subdomain = `client-${Date.now().toString(36)}`;
    const adminEmail = `carla@${subdomain}.example`;
    const page = await browser().newPage();
    await page.goto(`${baseUrl}/ops`);
    await page.getByRole('link', { name: 'Create a tenant for a client' }).click();
    await page.getByRole('heading', { name: 'Create a tenant for a client' }).waitFor();

    await page.getByLabel('Company').fill('Client Corp');
    await page.getByLabel('Subdomain').fill('admin');
    await page.getByLabel('Admin name').fill('Carla Client');
    await page.getByLabel('Admin email').fill('not an email');
    await page.getByLabel('Plan').selectOption('paid');
    const refused = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Create the tenant' }).click()]);
    expect(refused[0].status()).toBe(400);
    await expect(page.locator('[data-error-for="subdomain"]').textContent()).resolves.toBe('This name is reserved');
    await expect(page.locator('[data-error-for="adminEmail"]').textContent()).resolves.toMatch(/Enter a valid email address/);
    await expect(page.locator('[data-error-for="companyName"]').count()).resolves.toBe(0);
    await expect(page.getByLabel('Subdomain').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.getByLabel('Company').inputValue()).resolves.toBe('Client Corp');
    await expect(page.getByLabel('Plan').inputValue()).resolves.toBe('paid');

    await page.getByLabel('Subdomain').fill(subdomain);
    await page.getByLabel('Admin email').fill(adminEmail);
    await page.getByRole('button', { name: 'Create the tenant' }).click();
    await page.waitForURL(/\/ops#tenant-/);
    const tenantId = decodeURIComponent(new URL(page.url()).hash.slice('#tenant-'.length));
    const section = page.locator(`[id="tenant-${tenantId}"]`);
    await expect(section.locator('[data-created-by="ops"]').textContent()).resolves.toBe('created by ops');
    await expect(section.locator('[data-billing="invoiced"]').count()).resolves.toBe(1);

    const status = async () => (await (await fetch(`${baseUrl}/api/tenants/${tenantId}/status`)).json()) as { status: string; plan: string };
    await until('the tenant to go live', async () => ((await status()).status === 'ACTIVE' ? true : undefined), { timeoutMs: 90_000, everyMs: 500 });
    expect((await status()).plan).toBe('paid');
    const welcome = await waitForMail(sesUrl, adminEmail, /^Your spaceOS instance for Client Corp is ready$/, 60_000);
    expect(welcome.body.text).not.toMatch(/trial/i);
    expect((await mailTo(sesUrl, adminEmail)).filter((m) => VERIFICATION_SUBJECT.test(m.subject))).toEqual([]);

    // The same subdomain again: refused next to its field, nothing else created.
    await page.goto(`${baseUrl}/ops/tenants/new`);
    await page.getByLabel('Company').fill('Client Corp Two');
    await page.getByLabel('Subdomain').fill(subdomain);
    await page.getByLabel('Admin name').fill('Carl Client');
    await page.getByLabel('Admin email').fill(`carl@${subdomain}.example`);
    const taken = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Create the tenant' }).click()]);
    expect(taken[0].status()).toBe(409);
    await expect(page.locator('[data-error-for="subdomain"]').textContent()).resolves.toMatch(/already taken/);
  }, 180_000);

  it('refuses a post without the page\'s form token', async () => {
    const response = await fetch(`${baseUrl}/ops/tenants`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: baseUrl }, body: 'companyName=Sneaky&subdomain=sneaky&adminName=Sam&adminEmail=sam@sneaky.example' });
    expect(response.status).toBe(403);
    expect(await (await fetch(`${baseUrl}/ops/api/tenants`)).json()).not.toContainEqual(expect.objectContaining({ subdomain: 'sneaky' }));
  });
});
