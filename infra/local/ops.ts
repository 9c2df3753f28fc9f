import { instanceHosts } from '../../shared/instance';
import type { InstanceRecord } from '../../shared/instance-state';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Deps } from '../../functions/deps';
import { escapeHtml as escape } from '../../shared/html';
import type { Tenant } from '../../shared/tenant';
import { moreThanListed, summaryCount, type RolloutSummary } from '../../shared/fleet';
import type { RolloutRun } from '../../functions/steps/plan-rollout';
import { createOpsService, OpsRefusal } from '../../functions/ops/ops-service';
import { capacityReport } from '../../functions/ops/capacity';
import { applySesNotification } from '../../functions/mail-events/ses-events';
import type { LocalExecution, LocalWorkflows } from './local-workflows';
import { formToken, formTokenInput, jsonOrEmpty, localOnlyRefusal, refuse, tokenedForm } from './local-only';
import { createTenantOnBehalf } from '../../functions/ops/create-on-behalf';
import { CREATE_FORM_PATH, CREATE_POST_PATH, createTenantPage, onBehalfFromForm } from './ops-create-form';

interface OpsContext {
  deps: Deps;
  workflows: LocalWorkflows;
  baseUrl: string;
  sesUrl: string;
}


export interface StateSpan {
  state: string;
  start: number;
  end: number;
  outcome: 'succeeded' | 'failed' | 'running';
  error?: string;
}

/** Per state: first entered to last exited (a polled state spans its whole wait), as the console's graph. */
export function timeline(execution: LocalExecution): StateSpan[] {
  const spans = new Map<string, StateSpan>();
  for (const event of execution.events) {
    if (!event.state) continue;
    const at = Date.parse(event.timestamp);
    const span = spans.get(event.state) ?? { state: event.state, start: at, end: at, outcome: 'running' as const };
    if (event.type === 'StateExited') Object.assign(span, { end: at, outcome: 'succeeded' });
    if (event.type === 'StateFailed') Object.assign(span, { end: at, outcome: 'failed', error: [event.error, event.cause].filter(Boolean).join(': ') });
    spans.set(event.state, span);
  }
  return [...spans.values()].sort((a, b) => a.start - b.start);
}

function timelineSvg(execution: LocalExecution): string {
  const spans = timeline(execution);
  if (spans.length === 0) return '<p>No states yet.</p>';
  const t0 = Math.min(...spans.map((s) => s.start));
  const t1 = Math.max(...spans.map((s) => s.end), t0 + 1);
  const scale = 520 / (t1 - t0);
  const colour = { succeeded: '#10b981', failed: '#dc2626', running: '#6366f1' };
  const rows = spans
    .map((s, i) => {
      const y = i * 22;
      const x = 190 + (s.start - t0) * scale;
      const w = Math.max(2, (s.end - s.start) * scale);
      return `<text x="0" y="${y + 14}" font-size="12">${escape(s.state)}</text><rect x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="14" rx="3" fill="${colour[s.outcome]}"><title>${escape(s.state)}: ${s.end - s.start} ms${s.error ? ` — ${escape(s.error)}` : ''}</title></rect><text x="${(x + w + 4).toFixed(1)}" y="${y + 14}" font-size="11" fill="#6b7280">${s.end - s.start} ms</text>`;
    })
    .join('');
  return `<svg role="img" aria-label="Timeline of ${escape(execution.name)}" width="780" height="${spans.length * 22 + 4}" xmlns="http://www.w3.org/2000/svg">${rows}</svg>`;
}

function tenantSection(tenant: Tenant, executions: LocalExecution[], instances: readonly InstanceRecord[]): string {
  // FAILED, or stuck PENDING/PROVISIONING (its newest execution not running); the service refuses while one runs.
  const resumable = tenant.status === 'FAILED' || ((tenant.status === 'PENDING' || tenant.status === 'PROVISIONING') && executions[0]?.status !== 'RUNNING');
  const links = [tenant.urls.app, tenant.urls.staging].filter(Boolean).map((u) => `<a href="${escape(u!)}">${escape(u!)}</a>`).join(' · ');
  return `<section class="tenant" id="tenant-${escape(tenant.tenantId)}" data-status="${tenant.status}">
<h2>${escape(tenant.companyName)} <code>${escape(tenant.subdomain)}</code> <span class="status ${tenant.status.toLowerCase()}">${tenant.status}</span> <small>${tenant.plan}</small></h2>
<p><small>${escape(tenant.tenantId)} · ${tenant.createdBy === 'ops' ? `<span data-created-by="ops">created by ops</span>` : 'signed up'} ${escape(tenant.createdAt)}${tenant.billing ? ` · <span data-billing="${tenant.billing}">billed: ${tenant.billing}</span>` : ''}</small>${links ? `<br>${links}` : ''}</p>
${tenant.appVersion ? `<p><small>spaceOS version <b data-version>${escape(tenant.appVersion)}</b></small></p>` : ''}
${instances.length ? `<p><small>${instances.map((i) => `${i.env} <b data-instance="${i.env}">${i.state}</b> <span title="last request">(last request ${escape(i.lastRequestAt)})</span>`).join(' · ')}</small></p>` : ''}
${tenant.adminEmailBounce ? `<p class="failure" data-admin-bounce><b>Admin address bounces</b>: ${escape(tenant.adminEmail)} (hard bounce ${escape(tenant.adminEmailBounce.bounceSubType)} at ${escape(tenant.adminEmailBounce.at)}); no more mail goes to it</p>` : ''}
${tenant.complaintCount ? `<p class="failure" data-complaints><b>${tenant.complaintCount} complaint${tenant.complaintCount === 1 ? '' : 's'}</b> about mail sent for this tenant (last ${escape(tenant.lastComplaintAt ?? '')})</p>` : ''}
${tenant.welcomeMail && tenant.welcomeMail.status !== 'sent' && tenant.welcomeMail.status !== 'sending' ? `<p class="failure" data-welcome-mail="${tenant.welcomeMail.status}"><b>Welcome mail ${tenant.welcomeMail.status === 'failed' ? 'given up' : 'not delivered yet'}</b> after ${tenant.welcomeMail.attempts} attempt${tenant.welcomeMail.attempts === 1 ? '' : 's'}: ${escape(tenant.welcomeMail.lastError ?? '')}${tenant.welcomeMail.nextAttemptAt ? ` · next attempt ${escape(tenant.welcomeMail.nextAttemptAt)}` : ''}</p>` : ''}
${tenant.drift ? `<p class="failure" data-drift><b>Drift</b> since ${escape(tenant.drift.since)}: missing ${escape(tenant.drift.missing.join(', '))}</p>` : ''}
${tenant.failure ? `<p class="failure"><b>Failed at ${escape(tenant.failure.step)}</b>: ${escape(tenant.failure.error)} — ${escape(tenant.failure.cause)}</p>` : ''}
${resumable ? `<form method="post" action="/ops/tenants/${encodeURIComponent(tenant.tenantId)}/resume">${formTokenInput()}<button>Resume provisioning</button> <small>after fixing the cause; steps are idempotent</small></form>` : ''}
${executions
  .map(
    (e) => `<details id="${escape(e.name)}" ${e === executions[0] ? 'open' : ''}><summary><code>${escape(e.name)}</code> ${e.status}${e.error ? ` — ${escape(e.error)}` : ''} <small>${escape(e.startDate)}</small></summary>${timelineSvg(e)}</details>`,
  )
  .join('')}
</section>`;
}

/** Where a running rollout is: the wave of the state it is in (its input is the run between waves), as a bar. */
function waveProgress(execution: LocalExecution): string {
  const run = execution.current?.input as Partial<RolloutRun> | undefined;
  if (typeof run?.wave !== 'number' || typeof run.waves !== 'number' || run.waves === 0) return '';
  const label = run.current?.label ?? `Wave ${run.wave + 1} of ${run.waves}`;
  return ` · ${escape(label)} (${run.wave} of ${run.waves} waves done) <progress max="${run.waves}" value="${run.wave}"></progress>`;
}

/** Fleet rollouts: runs in progress and the summary of each finished one (newest first). */
function fleetSection(rollouts: LocalExecution[], summaries: RolloutSummary[]): string {
  if (rollouts.length === 0 && summaries.length === 0) return '';
  const running = rollouts.filter((e) => e.status === 'RUNNING');
  const list = (items: string[]) => (items.length ? items.map(escape).join(', ') : 'none');
  const errors = (items: Array<{ subdomain: string; error: string }>) => (items.length ? items.map((i) => `${escape(i.subdomain)} <small>(${escape(i.error)})</small>`).join('; ') : 'none');
  return `<section class="fleet" id="fleet"><h2>Fleet rollouts</h2>
${running.map((e) => `<p><b>Running</b> <code>${escape(e.name)}</code> since ${escape(e.startDate)}${waveProgress(e)}</p>`).join('')}
${summaries
  .map(
    (s) => `<details id="${escape(s.runId)}" data-run="${escape(s.runId)}" ${s === summaries[0] ? 'open' : ''}><summary><code>${escape(s.runId)}</code> → <b>${escape(s.version)}</b>: ${s.stopped ? '<span class="status failed">stopped</span>' : '<span class="status active">done</span>'} ${summaryCount(s, 'upgraded')} upgraded · ${summaryCount(s, 'rolledBack')} rolled back · ${summaryCount(s, 'failed')} failed · ${summaryCount(s, 'skipped')} skipped <small>${escape(s.endedAt)}</small></summary>
${s.stopped ? `<p class="failure">Stopped: ${escape(s.stopped)}</p>` : ''}<p>Upgraded: ${list(s.upgraded)}${moreThanListed(s, 'upgraded')}</p><p>Rolled back: ${errors(s.rolledBack)}${moreThanListed(s, 'rolledBack')}</p><p>Failed: ${errors(s.failed)}${moreThanListed(s, 'failed')}</p><p>Skipped (already on ${escape(s.version)}): ${list(s.skipped)}${moreThanListed(s, 'skipped')}</p></details>`,
  )
  .join('')}</section>`;
}

async function page({ deps, workflows, sesUrl }: OpsContext): Promise<string> {
  const tenants = await deps.tenants.listTenants();
  const executions = workflows.list();
  const ofTenant = (id: string) => executions.filter((e) => e.stateMachine === 'provision-tenant' && (e.input as { tenantId?: string }).tenantId === id);
  const rollouts = executions.filter((e) => e.stateMachine === 'roll-out-fleet');
  const summaries = await deps.fleet.summaries(10);
  const records = await deps.instances.getMany(tenants.flatMap((t) => instanceHosts(t.subdomain)));
  const instancesOf = (t: Tenant) => records.filter((r) => r.tenantId === t.tenantId).sort((a, b) => a.env.localeCompare(b.env));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3"><title>Launchpad ops</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#111827}section{border:1px solid #e5e7eb;border-radius:8px;padding:0 1rem 1rem;margin-bottom:1rem}
.status{font-size:.8rem;border-radius:999px;padding:.1rem .5rem;background:#e5e7eb}.status.active{background:#d1fae5}.status.failed{background:#fee2e2}.status.provisioning{background:#e0e7ff}
.failure{color:#991b1b}summary{cursor:pointer;margin:.25rem 0}</style></head>
<body><h1>Launchpad ops <small>(what the Step Functions console shows in AWS)</small></h1>
<p>${tenants.length} tenants · ${executions.filter((e) => e.status === 'RUNNING').length} executions running · sent mail (welcome, alerts to ${escape(deps.platform.opsEmail)}): <a href="${escape(sesUrl)}">aws-ses-v2-local</a> · <a href="${CREATE_FORM_PATH}">Create a tenant for a client</a></p>
${fleetSection(rollouts, summaries)}
${tenants.map((t) => tenantSection(t, ofTenant(t.tenantId), instancesOf(t))).join('\n') || '<p>No tenants yet.</p>'}
</body></html>`;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
  } catch {
    return undefined;
  }
}

type ApiAnswer = { status: number; body: unknown };

const REFUSAL_STATUS = { 'not-found': 404, conflict: 409, invalid: 400 } as const;

/** The service's answer as HTTP: a refusal is its `{errors}` under its status, anything else throws on. */
async function answer(status: number, work: () => Promise<unknown>): Promise<ApiAnswer> {
  try {
    return { status, body: await work() };
  } catch (error) {
    if (error instanceof OpsRefusal) return { status: REFUSAL_STATUS[error.kind], body: { errors: error.errors } };
    throw error;
  }
}

/**
 * The ops API the CLI (`npm run ops`) talks to on the embedded default: the ops service over HTTP
 * (in AWS the CLI calls the same service itself). Only the executions' own records are read from the
 * local engine here. Answers undefined for paths that are not its own.
 */
async function handleOpsApi(req: IncomingMessage, url: URL, { deps, workflows }: OpsContext): Promise<ApiAnswer | undefined> {
  const path = url.pathname;
  const ops = createOpsService(deps);
  if (req.method === 'GET' && path === '/ops/api/tenants') return answer(200, () => ops.listTenants());
  if (req.method === 'POST' && path === '/ops/api/tenants') {
    const request = await readJson(req);
    return answer(202, () => createTenantOnBehalf(deps, request));
  }
  // Locally the limits are AWS's documented defaults: what the fleet on this machine would need of a new account.
  if (req.method === 'GET' && path === '/ops/api/capacity') return answer(200, () => capacityReport(deps));
  const show = /^\/ops\/api\/tenants\/([a-z0-9-]+)$/.exec(path);
  if (req.method === 'GET' && show?.[1]) {
    const subdomain = show[1];
    return answer(200, async () => {
      const { tenant, instances } = await ops.showTenant(subdomain);
      // The local engine keeps every execution; on AWS they are in the Step Functions console.
      const executions = workflows.list().filter((e) => (e.input as { tenantId?: string }).tenantId === tenant.tenantId).map(({ events: _events, ...e }) => e);
      return { tenant, instances, executions };
    });
  }
  const resume = /^\/ops\/api\/tenants\/([a-z0-9-]+)\/resume$/.exec(path);
  if (req.method === 'POST' && resume?.[1]) {
    const subdomain = resume[1];
    return answer(202, async () => ({ name: await ops.resume(subdomain) }));
  }
  const offboard = /^\/ops\/api\/tenants\/([a-z0-9-]+)\/offboard$/.exec(path);
  if (req.method === 'POST' && offboard?.[1]) {
    const subdomain = offboard[1];
    return answer(202, async () => ({ name: await ops.offboard(subdomain, url.searchParams.get('force') === '1') }));
  }
  const execution = /^\/ops\/api\/executions\/([A-Za-z0-9_-]+)$/.exec(path);
  if (req.method === 'GET' && execution?.[1]) {
    // The local record in full (input, dates), which only this engine has; the CLI reads its status.
    const found = workflows.get(execution[1]);
    if (!found) return { status: 404, body: { errors: { name: `No execution ${execution[1]}` } } };
    const { events: _events, ...rest } = found;
    return { status: 200, body: rest };
  }
  if (req.method === 'POST' && path === '/ops/api/rollouts') {
    const request = await readJson(req);
    return answer(202, async () => ({ name: await ops.startRollout(request) }));
  }
  if (req.method === 'POST' && path === '/ops/api/mail-events') {
    // The embedded default gets no SES feedback: post an SES bounce or complaint notification (as SES publishes it) to rehearse one.
    const result = await applySesNotification(deps, await readJson(req));
    return result.kind === 'invalid' ? { status: 400, body: { errors: result.errors } } : { status: 202, body: result };
  }
  const run = /^\/ops\/api\/rollouts\/([A-Za-z0-9_-]+)$/.exec(path);
  if (req.method === 'GET' && run?.[1]) {
    const name = run[1];
    return answer(200, () => ops.rolloutStatus(name));
  }
  return undefined;
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

/** The "Create a tenant for a client" form: on to the new tenant on /ops, or back with each error next to its field. */
async function createFromForm(req: IncomingMessage, res: ServerResponse, { deps }: OpsContext): Promise<void> {
  const form = await tokenedForm(req);
  if (!form) return refuse(res, 403, 'Create the tenant from the ops page: reload the form and send it again.');
  const input = onBehalfFromForm(form);
  try {
    const created = await createTenantOnBehalf(deps, input);
    res.writeHead(303, { location: `/ops#tenant-${encodeURIComponent(created.tenantId)}` });
    res.end();
  } catch (error) {
    if (!(error instanceof OpsRefusal)) throw error;
    html(res, REFUSAL_STATUS[error.kind], createTenantPage(input, error.errors));
  }
}

/**
 * The local ops console: tenants, their executions as timelines, errors, and Resume. It lists every
 * tenant with its admin's email and can offboard any of them, with no sign-in: only for this
 * machine, and changes only from its own page (the Resume form, with the page's token) or as JSON
 * or without a body (the ops CLI, which sends neither Origin nor Sec-Fetch-Site): see local-only.ts.
 */
export async function handleOps(req: IncomingMessage, res: ServerResponse, url: URL, context: OpsContext): Promise<void> {
  const refusal = localOnlyRefusal(req, context.baseUrl);
  if (refusal) return refuse(res, 403, refusal);
  const resume = /^\/ops\/tenants\/([^/]+)\/resume$/.exec(url.pathname);
  if (req.method === 'POST' && resume?.[1]) {
    if (!(await formToken(req))) return refuse(res, 403, 'Resume from the ops page: reload it and press Resume again.');
    let name: string;
    try {
      name = await createOpsService(context.deps).resumeTenant(decodeURIComponent(resume[1]));
    } catch (error) {
      if (!(error instanceof OpsRefusal)) throw error;
      // The form's own answer: a page to read, 409 as before for both an unknown and a not-FAILED tenant.
      res.writeHead(409, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(error.message);
      return;
    }
    res.writeHead(303, { location: `/ops#${encodeURIComponent(name)}` });
    res.end();
    return;
  }
  if (req.method === 'POST' && url.pathname === CREATE_POST_PATH) return createFromForm(req, res, context);
  if (req.method === 'GET' && url.pathname === CREATE_FORM_PATH) return html(res, 200, createTenantPage());
  if (req.method !== 'GET' && req.method !== 'HEAD' && !jsonOrEmpty(req)) return refuse(res, 415, 'Send JSON (Content-Type: application/json) or no body.');
  const api = await handleOpsApi(req, url, context);
  if (api) {
    res.writeHead(api.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(api.body));
    return;
  }
  if (req.method === 'GET' && url.pathname === '/ops/api/executions') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(context.workflows.list().map((e) => ({ ...e, timeline: timeline(e) }))));
    return;
  }
  if (req.method === 'GET' && (url.pathname === '/ops' || url.pathname === '/ops/')) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(await page(context));
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('Not found');
}
