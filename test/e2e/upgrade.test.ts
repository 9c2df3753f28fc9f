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

describe('trial to paid in a real browser', () => {
  it('shows the trial, upgrades through the local checkout, then shows the paid plan with the instance still up', async () => {
    const page = await context.newPage();
    await page.goto(baseUrl);
    const company = `Upgrade ${Date.now().toString(36)}`;
    await page.getByLabel('Company name').fill(company);
    const subdomain = await page.getByLabel('Your spaceOS address').inputValue();
    await page.getByLabel('Your name').fill('Paula Payer');
    await page.getByLabel('Work email').fill(`paula+${subdomain}@example.com`);
    await page.getByLabel(/I accept the spaceOS terms/).check();
    await page.getByRole('button', { name: 'Start my free trial' }).click();

    await page.getByRole('heading', { name: 'Your instance is ready' }).waitFor({ timeout: 60_000 });
    await expect(page.locator('[data-plan="trial"]').textContent()).resolves.toMatch(/Plan: free trial · 14 days left/);
    await page.getByRole('link', { name: 'Upgrade', exact: true }).click();

    await page.getByRole('heading', { name: 'Upgrade to spaceOS Business' }).waitFor();
    await page.getByRole('button', { name: 'Upgrade now' }).click();
    await page.waitForURL(/\/local-stripe\/checkout\//);
    await page.getByRole('button', { name: /^Pay/ }).click();

    await page.waitForURL(/\/status\/[0-9a-f-]{36}\?upgraded=1$/);
    await page.locator('[data-plan="paid"]').waitFor({ timeout: 30_000 });
    await expect(page.locator('[data-plan="paid"]').textContent()).resolves.toContain('Plan: spaceOS Business');

    const instance = await context.newPage();
    const response = await instance.goto(`http://${subdomain}.localhost:${new URL(baseUrl).port}/`);
    expect(response?.status()).toBe(200);
    await expect(instance.locator('#company').textContent()).resolves.toBe(company);
  });
});
