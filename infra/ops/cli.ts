import { parseArgs } from 'node:util';
import { BaseRecords } from 'cloudflare/resources/dns/records';
import { createClient } from 'cloudflare/tree-shakable';
import { CloudflareDns } from '../../functions/providers/dns';
import { CAPACITY_ALARM_PERCENT } from '../../functions/ops/capacity';
import { moreThanListed, rolloutRequestSchema, summaryCount, type RolloutSummary, type TenantRow } from '../../shared/fleet';
import type { mailIssuesOf } from '../../shared/mail-delivery';
import { fieldErrors } from '../../shared/signup';
import { opsBackend, OpsError, type OpsBackend } from './backend';
import { CREATE_TENANT_USAGE, createTenantCommand } from './create-tenant-command';

const USAGE = `Usage: npm run ops -- <command>

  tenants list                      every tenant: subdomain, status, plan, version, and its mail
                                    trouble (admin address bounced, complaints, welcome mail late)
  tenants show <subdomain>          one tenant, with its executions
${CREATE_TENANT_USAGE}
  rollout --version <v> [--canary a,b] [--wave-size 25] [--max-concurrency 10]
          [--tolerated-failure-percentage 10] [--staging-first] [--no-wait]
                                    roll a spaceOS version out to every running instance
                                    (canary first, then waves; \`upgrade\` is an old alias)
  capacity                          every quota that grows with the fleet: used, limit, % (marked
                                    at 80 %; exits 1 then); AWS: the account's own limits
  resume <subdomain>                start provisioning again for a FAILED tenant
  offboard <subdomain> [--force]    remove a tenant (archive kept); --force for a paying one
  preflight                         (AWS, read-only) the account against what the stack needs: SES,
                                    quotas, Cloudflare zone and SSL mode, Stripe, the image, the
                                    secrets; prints what to fix, exits 1 when a check fails
  stripe-setup                      (AWS) the Stripe webhook endpoint with the events Launchpad
                                    handles (its signing secret into launchpad/stripe) and the
                                    billing portal configuration; rerunning changes nothing
  wildcard-dns                      (AWS, once per deployment) the proxied CNAME *.<domain> to the
                                    instance load balancer, from CLOUDFLARE_API_TOKEN,
                                    LAUNCHPAD_CLOUDFLARE_ZONE_ID, LAUNCHPAD_DOMAIN and
                                    LAUNCHPAD_INSTANCE_LB (the Tenancy stack's InstanceLoadBalancer)

Works against the local stack (npm start; LAUNCHPAD_URL or PORT) by default, and against AWS when
LAUNCHPAD_TABLE, LAUNCHPAD_PROVISION_ARN, LAUNCHPAD_ROLLOUT_ARN and LAUNCHPAD_OFFBOARD_ARN are set
(the stack outputs).`;

function table<T extends object>(rows: T[], columns: Array<keyof T & string>): string {
  const cells = rows.map((row) => columns.map((c) => String(row[c] ?? '-')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), ...cells.map(line)].join('\n');
}

/** A row of `tenants list`: both backends answer with the ops service's rows, which carry the tenant's mail issues. */
type MailIssues = ReturnType<typeof mailIssuesOf>;
type ListedTenant = TenantRow & MailIssues;

/**
 * The `mail` column: what the SesBounceRate alarm sends ops here to find (a bounced admin address,
 * complaints) and a welcome mail that is late; `-` when nothing is wrong.
 */
function mailColumn({ adminEmailBouncedAt, complaints, welcomeMail }: MailIssues): string | undefined {
  const issues = [
    ...(adminEmailBouncedAt ? [`bounced ${adminEmailBouncedAt}`] : []),
    ...(complaints ? [`${complaints} complaint${complaints === 1 ? '' : 's'}`] : []),
    ...(welcomeMail ? [`welcome ${welcomeMail}`] : []),
  ];
  return issues.length ? issues.join('; ') : undefined;
}

export function formatSummary(summary: RolloutSummary): string {
  const lines = [
    `Rollout of ${summary.version} (${summary.runId}): ${summary.stopped ? `STOPPED: ${summary.stopped}` : 'done'}`,
    `  upgraded     ${summaryCount(summary, 'upgraded')}  ${summary.upgraded.join(', ')}${moreThanListed(summary, 'upgraded')}`,
    `  rolled back  ${summaryCount(summary, 'rolledBack')}  ${summary.rolledBack.map((r) => `${r.subdomain} (${r.error})`).join('; ')}${moreThanListed(summary, 'rolledBack')}`,
    `  failed       ${summaryCount(summary, 'failed')}  ${summary.failed.map((r) => `${r.subdomain} (${r.error})`).join('; ')}${moreThanListed(summary, 'failed')}`,
    `  skipped      ${summaryCount(summary, 'skipped')}  (already on ${summary.version})`,
  ];
  return lines.map((l) => l.trimEnd()).join('\n');
}

async function rollout(ops: OpsBackend, args: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      version: { type: 'string' },
      canary: { type: 'string' },
      'wave-size': { type: 'string' },
      'max-concurrency': { type: 'string' },
      'tolerated-failure-percentage': { type: 'string' },
      'staging-first': { type: 'boolean' },
      'no-wait': { type: 'boolean' },
    },
  });
  const number = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const parsed = rolloutRequestSchema.safeParse({
    version: values.version,
    canary: values.canary ? values.canary.split(',').map((s) => s.trim()).filter(Boolean) : [],
    ...(values['wave-size'] ? { waveSize: number(values['wave-size']) } : {}),
    ...(values['max-concurrency'] ? { maxConcurrency: number(values['max-concurrency']) } : {}),
    ...(values['tolerated-failure-percentage'] ? { toleratedFailurePercentage: number(values['tolerated-failure-percentage']) } : {}),
    stagingFirst: values['staging-first'] ?? false,
  });
  if (!parsed.success) throw new OpsError(Object.entries(fieldErrors(parsed.error)).map(([f, m]) => `--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${m}`).join('\n'));
  const name = await ops.startRollout(parsed.data);
  out(`Started ${name} on ${ops.describe}`);
  if (values['no-wait']) return 0;
  let last = '';
  for (;;) {
    const status = await ops.rolloutStatus(name);
    if (status.status !== last) out(`  ${status.status}`);
    last = status.status;
    if (status.status !== 'RUNNING') {
      if (status.summary) out(formatSummary(status.summary));
      if (status.status !== 'SUCCEEDED') {
        out(`The run itself failed: ${status.error ?? ''} ${status.cause ?? ''}`.trim());
        return 1;
      }
      const s = status.summary;
      return s && !s.stopped && s.rolledBack.length === 0 && s.failed.length === 0 ? 0 : 1;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Runs one CLI command; returns the exit code. Notes (an old command name) go to `note`, stderr by default. */
export async function runOps(argv: string[], ops: OpsBackend = opsBackend(), out: (line: string) => void = console.log, note: (line: string) => void = console.error): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (command === 'tenants' && sub === 'list') {
    // OpsBackend types the rows as TenantRow; the service behind either backend adds mailIssuesOf (functions/ops/ops-service.ts).
    const tenants = (await ops.listTenants()) as ListedTenant[];
    const rows = tenants.map((t) => ({ ...t, mail: mailColumn(t) }));
    out(rows.length ? table(rows, ['subdomain', 'status', 'plan', 'appVersion', 'companyName', 'createdAt', 'mail']) : 'No tenants yet.');
    return 0;
  }
  if (command === 'tenants' && sub === 'show' && rest[0]) {
    out(JSON.stringify(await ops.showTenant(rest[0]), null, 2));
    return 0;
  }
  if (command === 'tenants' && sub === 'create') return createTenantCommand(ops, rest, out, note);
  if (command === 'capacity') {
    const lines = await ops.capacity();
    const rows = lines.map((l) => ({ quota: l.quota, used: l.used === undefined ? 'n/a' : l.used.toLocaleString('en'), limit: l.limit.toLocaleString('en'), percent: l.percent === undefined ? '-' : `${l.percent} %${l.alarm ? `  <- at or above ${CAPACITY_ALARM_PERCENT} %` : ''}`, 'limit from': l.limitSource }));
    out(table(rows, ['quota', 'used', 'limit', 'percent', 'limit from']));
    return lines.some((l) => l.alarm) ? 1 : 0;
  }
  if (command === 'upgrade') note('Note: `npm run ops -- upgrade` is now `npm run ops -- rollout` (same options); the old name still works for now.');
  if (command === 'rollout' || command === 'upgrade') return rollout(ops, [sub, ...rest].filter((a): a is string => a !== undefined), out);
  if (command === 'resume' && sub) {
    out(`Started ${await ops.resume(sub)}; watch it on /ops (or the Step Functions console)`);
    return 0;
  }
  if (command === 'preflight') {
    // Loaded only here: the SDKs and the deployment schema it reads are no cost to the other commands.
    const [{ preflight }, { preflightReport }] = await Promise.all([import('./preflight'), import('../../functions/ops/preflight/check')]);
    const report = preflightReport(await preflight());
    out(table(report.rows, ['check', 'status', 'detail']));
    out(report.fixes.length ? ['', 'What to fix:', ...report.fixes.map((f) => `  ${f}`)].join('\n') : '\nNothing to fix.');
    return report.exitCode;
  }
  if (command === 'stripe-setup') {
    const { runStripeSetup } = await import('./preflight');
    for (const line of (await runStripeSetup()).lines) out(line);
    return 0;
  }
  if (command === 'wildcard-dns') {
    const env = (name: string) => process.env[name] || (() => { throw new OpsError(`${name} is not set (see npm run ops -- help)`); })();
    const zone = { id: env('LAUNCHPAD_CLOUDFLARE_ZONE_ID'), name: env('LAUNCHPAD_DOMAIN'), target: env('LAUNCHPAD_INSTANCE_LB') };
    const result = await new CloudflareDns(createClient({ apiToken: env('CLOUDFLARE_API_TOKEN'), resources: [BaseRecords] }), zone).ensureWildcard();
    out(`*.${zone.name} -> ${zone.target} (proxied): ${result}`);
    return 0;
  }
  if (command === 'offboard' && sub) {
    const { values } = parseArgs({ args: rest, options: { force: { type: 'boolean' } } });
    const name = await ops.offboard(sub, values.force ?? false);
    out(`Started ${name} on ${ops.describe}`);
    for (;;) {
      const status = await ops.executionStatus(name);
      if (status.status !== 'RUNNING') {
        out(status.status === 'SUCCEEDED' ? `${sub} is offboarded: services, routing records, databases and secrets removed; files and database dumps archived.` : `Offboarding stopped: ${status.error ?? ''} ${status.cause ?? ''}`.trim());
        return status.status === 'SUCCEEDED' ? 0 : 1;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  out(USAGE);
  return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  runOps(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof OpsError ? error.message : error);
      process.exit(1);
    },
  );
}
