import { describe, expect, it } from 'vitest';
import { runOps } from '../../infra/ops/cli';
import type { OpsBackend } from '../../infra/ops/backend';
import { tenantRow, type TenantRow } from '../../shared/fleet';
import { mailIssuesOf } from '../../shared/mail-delivery';
import type { Tenant } from '../../shared/tenant';
import { tenantFixture } from '../support/tenants';

/**
 * `npm run ops -- tenants list` is where the SesBounceRate alarm sends ops: it must show which
 * tenant's admin address bounced, which got complaints and whose welcome mail is late. The rows are
 * built as the ops service builds them (tenantRow + mailIssuesOf), from tenant items.
 */
function backendOf(tenants: Tenant[]): OpsBackend {
  const rows = tenants.map((t) => ({ ...tenantRow(t), ...mailIssuesOf(t) }));
  return { describe: 'test', listTenants: async (): Promise<TenantRow[]> => rows } as Partial<OpsBackend> as OpsBackend;
}

async function list(tenants: Tenant[]): Promise<string[]> {
  const lines: string[] = [];
  expect(await runOps(['tenants', 'list'], backendOf(tenants), (l) => lines.push(l))).toBe(0);
  return lines.join('\n').split('\n');
}

describe('npm run ops -- tenants list: mail column', () => {
  it('shows a bounced admin address, complaints and a late welcome mail on the tenant they concern', async () => {
    const lines = await list([
      tenantFixture('acme', { createdAt: '2026-11-02T09:00:00.000Z', adminEmailBounce: { at: '2026-11-26T10:00:00.000Z', bounceType: 'Permanent', bounceSubType: 'General' }, complaintCount: 2, welcomeMail: { status: 'failed', attempts: 7 } }),
      tenantFixture('beta', { createdAt: '2026-11-01T09:00:00.000Z', welcomeMail: { status: 'retrying', attempts: 1, nextAttemptAt: '2026-11-26T10:01:00.000Z' } }),
      tenantFixture('calm', { createdAt: '2026-10-01T09:00:00.000Z', complaintCount: 1, welcomeMail: { status: 'sent', attempts: 1 } }),
    ]);
    expect(lines[0]).toMatch(/\bmail$/);
    expect(lines.find((l) => l.startsWith('acme'))).toMatch(/bounced 2026-11-26T10:00:00\.000Z; 2 complaints; welcome failed$/);
    expect(lines.find((l) => l.startsWith('beta'))).toMatch(/welcome retrying$/);
    // A welcome mail that went out is nothing to look at.
    expect(lines.find((l) => l.startsWith('calm'))).toMatch(/ 1 complaint$/);
  });

  it('shows "-" for a tenant whose mail is in order', async () => {
    const lines = await list([tenantFixture('fine', { welcomeMail: { status: 'sent', attempts: 1 } })]);
    expect(lines.find((l) => l.startsWith('fine'))).toMatch(/ -$/);
  });
});
