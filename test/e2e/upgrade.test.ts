import { describe, expect, it, inject } from 'vitest';
import { waitForMail } from '../support/sent-mail';
import { VERIFICATION_SUBJECT, verificationLinkIn } from '../support/verification';
import { useBrowser } from './browser';

const baseUrl = inject('baseUrl');
const sesUrl = inject('sesUrl');
const browser = useBrowser();

describe('trial to paid in a real browser', () => {
  it('shows the trial, upgrades through the local checkout, then shows the paid plan with the instance still up', async () => {
    const page = await browser().newPage();
    await page.goto(baseUrl);
    const company = `Upgrade ${Date.now().toString(36)}`;
    await page.getByLabel('Company name').fill(company);
    const subdomain = await page.getByLabel('Your spaceOS address').inputValue();
    await page.getByLabel('Your name').fill('Paula Payer');
    const email = `paula+${subdomain}@example.com`;
    await page.getByLabel('Work email').fill(email);
    await page.getByLabel(/I accept the spaceOS terms/).check();
    await page.getByRole('button', { name: 'Start my free trial' }).click();
    await page.waitForURL(/\/status\/[0-9a-f-]{36}$/);
    // The admin opens the confirmation link in this browser: it hands the instance (and its upgrade) over.
    await page.goto(verificationLinkIn(await waitForMail(sesUrl, email, VERIFICATION_SUBJECT)).url);
    await page.getByRole('button', { name: 'Confirm my email' }).click();

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

    const instance = await browser().newPage();
    const response = await instance.goto(`http://${subdomain}.localhost:${new URL(baseUrl).port}/`);
    expect(response?.status()).toBe(200);
    await expect(instance.locator('#company').textContent()).resolves.toBe(company);
  });
});
