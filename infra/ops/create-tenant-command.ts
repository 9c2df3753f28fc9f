import { parseArgs } from 'node:util';
import * as z from 'zod/mini';
import { tenantStatusSchema } from '../../shared/lifecycle';
import { ON_BEHALF_FLAGS, type OnBehalfInput } from '../../shared/on-behalf';
import { OpsRefusal } from '../../functions/ops/ops-service';
import type { OpsBackend } from './backend';

export const CREATE_TENANT_USAGE = `  tenants create --company <name> --subdomain <sub> --admin-name <name> --admin-email <email>
          [--color "#4f46e5"] [--plan trial|paid] [--no-wait]
                                    create a tenant on a client's behalf (no self-signup): same
                                    checks and provisioning, address taken as confirmed, welcome
                                    mail when live; paid = invoiced outside Stripe (never expires)`;

/** What is read of `tenants show` while waiting: the same on both backends. */
const shownSchema = z.object({ tenant: z.object({ status: tenantStatusSchema, failure: z.optional(z.object({ step: z.string(), error: z.string(), cause: z.string() })) }) });

const flagOf = (field: string) => (ON_BEHALF_FLAGS as Readonly<Record<string, string>>)[field] ?? `--${field}`;

/**
 * `npm run ops -- tenants create ...`: 0 once the tenant is ACTIVE (or at once with --no-wait), 1 when
 * refused (one `--flag: message` line per field, on `note`) or when provisioning FAILED, 2 for usage.
 */
export async function createTenantCommand(ops: OpsBackend, args: string[], out: (line: string) => void, note: (line: string) => void, pauseMs = 1000): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        company: { type: 'string' },
        subdomain: { type: 'string' },
        'admin-name': { type: 'string' },
        'admin-email': { type: 'string' },
        color: { type: 'string' },
        plan: { type: 'string' },
        'no-wait': { type: 'boolean' },
      },
    }));
  } catch (error) {
    note(`${error instanceof Error ? error.message : String(error)}\n\nUsage: npm run ops -- <command>\n\n${CREATE_TENANT_USAGE}`);
    return 2;
  }
  // Only what was given: the service validates (missing fields are errors there) and applies the defaults.
  const request = Object.fromEntries(
    Object.entries({ companyName: values.company, subdomain: values.subdomain, adminName: values['admin-name'], adminEmail: values['admin-email'], primaryColor: values.color, plan: values.plan }).filter(([, v]) => v !== undefined),
  ) as OnBehalfInput;
  let created;
  try {
    created = await ops.createTenant(request);
  } catch (error) {
    if (!(error instanceof OpsRefusal)) throw error;
    for (const [field, message] of Object.entries(error.errors)) note(`${flagOf(field)}: ${message}`);
    return 1;
  }
  out(`Created ${created.subdomain} (${created.tenantId}); provisioning ${created.execution} on ${ops.describe}`);
  if (values['no-wait']) return 0;
  let last = '';
  for (;;) {
    const { tenant } = shownSchema.parse(await ops.showTenant(created.subdomain));
    if (tenant.status !== last) out(`  ${tenant.status}`);
    last = tenant.status;
    if (tenant.status === 'ACTIVE') {
      out(`${created.subdomain} is live; the welcome mail goes to its admin.`);
      return 0;
    }
    if (tenant.status === 'FAILED') {
      out(`Provisioning failed${tenant.failure ? ` at ${tenant.failure.step}: ${tenant.failure.error} ${tenant.failure.cause}` : ''}; once fixed: npm run ops -- resume ${created.subdomain}`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}
