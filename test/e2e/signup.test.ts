import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';

const baseUrl = inject('baseUrl');
let context: BrowserContext;
const profile = mkdtempSync(join(tmpdir(), 'launchpad-chromium-'));

beforeAll(async () => {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: inject('chromiumPath'),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await context?.close();
  rmSync(profile, { recursive: true, force: true });
});

describe('self-service signup in a real browser', () => {
  it('fills the form on npm start\'s server and lands on the live status page', async () => {
    const page = await context.newPage();
    await page.goto(baseUrl);
    await expect(page.title()).resolves.toBe('Start your spaceOS trial');

    const company = `Northwind ${Date.now().toString(36)}`;
    await page.getByLabel('Company name').fill(company);
    const subdomain = await page.getByLabel('Your spaceOS address').inputValue();
    expect(subdomain).toMatch(/^northwind-[a-z0-9]+$/);
    await page.getByText(`✓ ${subdomain}.spaceos.io is available`).waitFor();
    await page.getByLabel('Your name').fill('Nora North');
    await page.getByLabel('Work email').fill(`nora+${subdomain}@northwind.example`);
    await page.getByLabel('Brand colour').fill('#0f766e');
    await page.getByLabel(/I accept the spaceOS terms/).check();
    await page.getByRole('button', { name: 'Start my free trial' }).click();

    await page.waitForURL(/\/status\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: 'Setting up your instance' }).waitFor();
    await page.locator('[data-step="MarkProvisioning"][data-status="SUCCEEDED"]').waitFor();
    await expect(page.getByRole('progressbar').getAttribute('aria-valuenow')).resolves.toBe('100');
    expect(await page.locator('.lead').textContent()).toContain(company);

    // The same address is now taken for the next visitor.
    const next = await context.newPage();
    await next.goto(baseUrl);
    await next.getByLabel('Your spaceOS address').fill(subdomain);
    await next.getByText('This address is already taken.').waitFor();
    await next.getByRole('button', { name: `Use ${subdomain}-2` }).waitFor();
  });
});
