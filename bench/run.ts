import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLaunchpad } from '../infra/local/launchpad';
import { fmt, percentile } from './stats';

const SIGNUPS = Number(process.env.BENCH_SIGNUPS ?? 20);

/**
 * Signup latency on the embedded default: POST /api/signups -> 202, and POST -> the workflow
 * having moved the tenant to PROVISIONING (the status page's first tick), over SIGNUPS signups.
 */
const root = mkdtempSync(join(tmpdir(), 'launchpad-bench-'));
mkdirSync(join(root, 'web'));
writeFileSync(join(root, 'web', 'index.html'), '');
const launchpad = await startLaunchpad({ port: 0, dataDir: join(root, 'data'), webRoot: join(root, 'web') });
try {
  const accepted: number[] = [];
  const provisioning: number[] = [];
  for (let i = 0; i < SIGNUPS; i++) {
    const t0 = performance.now();
    const response = await fetch(`${launchpad.url}/api/signups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ companyName: `Bench ${i}`, subdomain: `bench-${i}`, adminName: 'Bench', adminEmail: `bench${i}@example.com`, primaryColor: '#336699', acceptTerms: true }),
    });
    if (response.status !== 202) throw new Error(`signup ${i}: HTTP ${response.status} ${await response.text()}`);
    accepted.push(performance.now() - t0);
    const { tenantId } = (await response.json()) as { tenantId: string };
    for (;;) {
      const view = (await (await fetch(`${launchpad.url}/api/tenants/${tenantId}/status`)).json()) as { status: string };
      if (view.status !== 'PENDING') break;
      await new Promise((r) => setTimeout(r, 5));
    }
    provisioning.push(performance.now() - t0);
  }
  console.log(`Signups on the embedded default (n=${SIGNUPS}, sequential, DynamoDB Local)`);
  console.log(`  POST /api/signups -> 202           p50 ${fmt(percentile(accepted, 50))}   p95 ${fmt(percentile(accepted, 95))}`);
  console.log(`  POST -> tenant PROVISIONING        p50 ${fmt(percentile(provisioning, 50))}   p95 ${fmt(percentile(provisioning, 95))}`);
} finally {
  await launchpad.stop();
  rmSync(root, { recursive: true, force: true });
}
