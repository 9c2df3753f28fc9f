import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLaunchpad } from '../../infra/local/launchpad';
import { validSignup } from '../support/api-event';

const root = mkdtempSync(join(tmpdir(), 'launchpad-server-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const webRoot = join(root, 'web');
mkdirSync(webRoot);
writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>signup</title>');

const signup = (url: string, body: unknown) =>
  fetch(`${url}/api/signups`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the embedded default server', () => {
  it('serves the API and the page, and keeps tenants across a restart', async () => {
    const options = { port: 0, dataDir: join(root, 'data'), webRoot };
    let launchpad = await startLaunchpad(options);
    let tenantId: string;
    try {
      expect((await fetch(`${launchpad.url}/api/health`)).status).toBe(200);
      const page = await fetch(`${launchpad.url}/status/some-id`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>signup</title>');

      const accepted = await signup(launchpad.url, validSignup());
      expect(accepted.status).toBe(202);
      ({ tenantId } = (await accepted.json()) as { tenantId: string });
      await launchpad.workflows.settled(tenantId);

      const invalid = await signup(launchpad.url, validSignup({ subdomain: 'other', adminEmail: 'nope' }));
      expect(invalid.status).toBe(400);
      expect(((await invalid.json()) as { errors: object }).errors).toHaveProperty('adminEmail');
      expect((await fetch(`${launchpad.url}/api/nothing-here`)).status).toBe(404);
    } finally {
      await launchpad.stop();
    }

    launchpad = await startLaunchpad(options);
    try {
      const status = await fetch(`${launchpad.url}/api/tenants/${tenantId}/status`);
      expect(status.status).toBe(200);
      expect(await status.json()).toMatchObject({ tenantId, subdomain: 'acme', status: 'PROVISIONING' });
      const again = await signup(launchpad.url, validSignup({ adminEmail: 'someone@else.com' }));
      expect(again.status).toBe(409);
    } finally {
      await launchpad.stop();
    }
  });
});
