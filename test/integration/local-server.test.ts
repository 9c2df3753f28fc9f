import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probe } from '../../functions/providers/instance-probe';
import { freePort } from '../../infra/local/free-port';
import { startLaunchpad } from '../../infra/local/launchpad';
import { verifyFromMail } from '../support/verification';
import { validSignup } from '../support/api-event';
import { tempDir } from '../support/temp-dir';

const root = tempDir('launchpad-server-');
afterAll(() => rmSync(root, { recursive: true, force: true }));
const webRoot = join(root, 'web');
mkdirSync(webRoot);
writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>signup</title>');

const signup = (url: string, body: unknown) =>
  fetch(`${url}/api/signups`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the embedded default server', () => {
  it('serves the API and the page, and keeps tenants across a restart', async () => {
    // A fixed port: instance URLs (stored on the tenant) include it, as they would a domain.
    const options = { port: await freePort(), dataDir: join(root, 'data'), webRoot, sesPort: 0 };
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
      expect((await verifyFromMail(launchpad.url, launchpad.sesEndpoint, validSignup().adminEmail)).status).toBe(200);
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
      const view = (await status.json()) as { status: string; urls: { app: string } };
      expect(view).toMatchObject({ tenantId, subdomain: 'acme', status: 'ACTIVE' });
      // The instance comes back with Launchpad, as an ECS service keeps its tasks running.
      expect(view.urls.app).toBe(launchpad.url.replace('localhost', 'acme.localhost'));
      await expect.poll(() => probe(`${view.urls.app}/health`).then((r) => r.status, () => 0), { timeout: 15_000 }).toBe(200);
      const again = await signup(launchpad.url, validSignup({ adminEmail: 'someone@else.com' }));
      expect(again.status).toBe(409);
    } finally {
      await launchpad.stop();
    }
  });
});
