import { deflateSync } from 'node:zlib';
import { describe, expect, it, inject } from 'vitest';
import { signInLinkIn, waitForMail } from '../support/sent-mail';
import { verifyFromMail } from '../support/verification';
import { useBrowser } from './browser';

const baseUrl = inject('baseUrl');
const sesUrl = inject('sesUrl');
const browser = useBrowser();

/** A real 8x8 PNG in one colour (the server checks the bytes, not just the name). */
function png(rgb: [number, number, number]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(8, 0);
  header.writeUInt32BE(8, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.concat(Array.from({ length: 8 }, () => Buffer.from([0, ...Array.from({ length: 8 }, () => rgb).flat()])));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

describe('runtime settings in a real browser', () => {
  it('signs the admin in from the welcome mail, and a colour, logo and footer change shows on the running instance and in the next mail', async () => {
    const subdomain = `brand${Date.now().toString(36)}`;
    const email = `bea@${subdomain}.example.com`;
    const signup = await fetch(`${baseUrl}/api/signups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ companyName: 'Brand Co', subdomain, adminName: 'Bea', adminEmail: email, primaryColor: '#1d4ed8', acceptTerms: true }),
    });
    expect(signup.status).toBe(202);
    expect((await verifyFromMail(baseUrl, sesUrl, email)).status).toBe(200);
    const welcome = await waitForMail(sesUrl, email, /is ready/, 60_000);

    const page = await browser().newPage();
    await page.goto(signInLinkIn(welcome));
    await page.getByRole('heading', { name: 'Brand Co settings' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/settings');
    // Nothing to save before anything is changed (empty optional inputs are not "changes").
    expect(await page.getByRole('button', { name: 'Save changes' }).isEnabled()).toBe(false);

    // A pale primary colour is allowed but warned about (WCAG AA), live while typing.
    const primary = page.getByRole('textbox', { name: 'Primary colour', exact: true });
    await primary.fill('#f5f5f5');
    await expect(page.getByTestId('contrast-warnings').textContent()).resolves.toMatch(/WCAG AA/);
    await primary.fill('#0f766e');
    await page.getByTestId('contrast-warnings').waitFor({ state: 'detached' });
    await expect(page.getByTestId('preview-bar').evaluate((el) => getComputedStyle(el).backgroundColor)).resolves.toBe('rgb(15, 118, 110)');

    await page.getByLabel('Logo').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png([15, 118, 110]) });
    await page.getByAltText('Current logo').waitFor();
    await page.getByLabel('Postal address').fill('12 Harbour Street, Bristol');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText(/^Saved\./).waitFor();
    await page.getByRole('region', { name: 'Change history' }).getByText(/branding › primaryColor/).waitFor();

    // The running instance picks it up without a restart (it re-reads its config every few seconds).
    const instance = await browser().newPage();
    const home = `http://${subdomain}.localhost:${new URL(baseUrl).port}/`;
    await expect
      .poll(
        async () => {
          await instance.goto(home);
          return instance.locator('header').evaluate((el) => getComputedStyle(el).backgroundColor);
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe('rgb(15, 118, 110)');
    await expect(instance.locator('#footer').textContent()).resolves.toContain('12 Harbour Street, Bristol');
    await expect(instance.locator('#logo').evaluate((img: HTMLImageElement) => img.naturalWidth)).resolves.toBe(8);

    // ...and so does the next mail.
    await page.getByRole('button', { name: 'Send test mail' }).click();
    await page.getByText(/^Test mail sent to/).waitFor();
    const test = await waitForMail(sesUrl, email, /^Test mail from Brand Co/);
    expect(test.body.html).toContain('background:#0f766e');
    expect(test.body.html).toContain('12 Harbour Street, Bristol');
    expect(test.body.html).toMatch(/\/api\/tenants\/[0-9a-f-]+\/logo\?v=2/);

    // The welcome link worked once: following it again does not sign anyone in.
    const replay = await browser().newPage();
    await replay.goto(signInLinkIn(welcome));
    await replay.getByText(/already used or has expired/).waitFor();
  });
});
