import { describe, expect, it, inject } from 'vitest';
import { useBrowser } from './browser';
import { PROVISIONING_STEPS } from '../../shared/provisioning';
import { waitForMail } from '../support/sent-mail';
import { VERIFICATION_SUBJECT, verificationLinkIn } from '../support/verification';

const baseUrl = inject('baseUrl');
const sesUrl = inject('sesUrl');
const browser = useBrowser();

describe('self-service signup in a real browser', () => {
  it('signs up on npm start\'s server, watches the progress, confirms the email from the mail and opens the branded instance', async () => {
    const page = await browser().newPage();
    await page.goto(baseUrl);
    await expect(page.title()).resolves.toBe('Start your spaceOS trial');

    const company = `Northwind ${Date.now().toString(36)}`;
    await page.getByLabel('Company name').fill(company);
    const subdomain = await page.getByLabel('Your spaceOS address').inputValue();
    expect(subdomain).toMatch(/^northwind-[a-z0-9]+$/);
    await page.getByText(`✓ ${subdomain}.spaceos.io is available`).waitFor();
    await page.getByLabel('Your name').fill('Nora North');
    const email = `nora+${subdomain}@northwind.example`;
    await page.getByLabel('Work email').fill(email);
    await page.getByLabel('Brand colour').fill('#0f766e');
    await page.getByLabel(/I accept the spaceOS terms/).check();
    await page.getByRole('button', { name: 'Start my free trial' }).click();

    await page.waitForURL(/\/status\/[0-9a-f-]{36}$/);
    await page.getByRole('progressbar', { name: 'Setup progress' }).waitFor();
    expect(await page.locator('.lead').textContent()).toContain(company);

    // Watch it go live: until the email is confirmed the instance is not handed over (no link to it on the page).
    await page.getByRole('heading', { name: 'Confirm your email to open your instance' }).waitFor({ timeout: 60_000 });
    await page.locator('[role="progressbar"][aria-valuenow="100"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-status="SUCCEEDED"]').count()).toBe(PROVISIONING_STEPS.length);
    expect(await page.getByRole('link', { name: `Open ${company}` }).count()).toBe(0);

    // The first mail is the fixed-text confirmation, nothing the signer typed in it; its link opens the status page, now handed over.
    const confirmation = await waitForMail(sesUrl, email, VERIFICATION_SUBJECT);
    expect(confirmation.from).toContain('spaceOS');
    expect(JSON.stringify(confirmation)).not.toContain(company);
    const verify = await browser().newPage();
    await verify.goto(verificationLinkIn(confirmation).url);
    await verify.getByRole('button', { name: 'Confirm my email' }).click();
    await verify.waitForURL(/\/status\/[0-9a-f-]{36}$/);
    await verify.getByRole('heading', { name: 'Your instance is ready' }).waitFor({ timeout: 30_000 });
    // The first tab turns too (it keeps watching), and the welcome mail with the sign-in link follows.
    await page.getByRole('heading', { name: 'Your instance is ready' }).waitFor({ timeout: 30_000 });
    await waitForMail(sesUrl, email, /is ready/, 30_000);
    await page.getByRole('link', { name: `Open ${company}` }).click();
    await page.waitForURL(`http://${subdomain}.localhost:${new URL(baseUrl).port}/`);
    await expect(page.locator('#company').textContent()).resolves.toBe(company);
    await expect(page.locator('header').evaluate((el) => getComputedStyle(el).backgroundColor)).resolves.toBe('rgb(15, 118, 110)');
    await expect(page.locator('#rooms li').count()).resolves.toBe(3);
    const staging = await browser().newPage();
    await staging.goto(`http://${subdomain}-stg.localhost:${new URL(baseUrl).port}/`);
    await expect(staging.locator('.badge').textContent()).resolves.toBe('Staging');

    // The same address is now taken for the next visitor.
    const next = await browser().newPage();
    await next.goto(baseUrl);
    await next.getByLabel('Your spaceOS address').fill(subdomain);
    await next.getByText('This address is already taken.').waitFor();
    await next.getByRole('button', { name: `Use ${subdomain}-2` }).waitFor();
  });
});
