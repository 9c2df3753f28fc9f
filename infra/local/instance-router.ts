import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Deps } from '../../functions/deps';
import { escapeHtml } from '../../shared/html';
import type { Tenant } from '../../shared/tenant';
import type { LocalCompute } from './local-compute';
import type { LocalDns } from './local-dns';

/** What visitors of a suspended instance see (in AWS: the load balancer's rule for suspended hosts). */
function trialEnded(res: ServerResponse, tenant: Tenant, siteUrl: string): void {
  res.writeHead(402, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(tenant.companyName)} · trial ended</title>
<style>body{font-family:system-ui,sans-serif;text-align:center;margin-top:15vh}a{display:inline-block;background:#4f46e5;color:#fff;padding:.8rem 1.4rem;border-radius:8px;text-decoration:none;font-weight:600}</style></head>
<body><h1>The ${escapeHtml(tenant.companyName)} trial has ended</h1><p>Nothing is lost: upgrade and the instance is back within a minute, as you left it.</p>
<p><a href="${escapeHtml(`${siteUrl}/upgrade/${tenant.tenantId}`)}">Upgrade</a></p></body></html>`);
}

function notFound(res: ServerResponse, hostname: string): void {
  res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><title>No instance</title><p>No spaceOS instance answers at <b>${escapeHtml(hostname)}</b> (yet).</p>`);
}

/**
 * The load balancer of the embedded default: `<host>.localhost` goes to the instance whose DNS
 * record and service exist, with the request untouched (Host header included).
 */
export function proxyToInstance(req: IncomingMessage, res: ServerResponse, hostname: string, dns: LocalDns, compute: LocalCompute, deps: Pick<Deps, 'tenants' | 'platform'>): void {
  const label = hostname.slice(0, -'.localhost'.length);
  if (dns.resolve(label) === undefined) return notFound(res, hostname);
  const port = compute.portFor(hostname);
  if (port === undefined) {
    // No running instance behind a published address: a suspended tenant, or one still starting.
    void deps.tenants
      .tenantBySubdomain(label.replace(/-stg$/, ''))
      .then((tenant) => (tenant?.status === 'SUSPENDED' ? trialEnded(res, tenant, deps.platform.siteUrl) : notFound(res, hostname)))
      .catch(() => notFound(res, hostname));
    return;
  }
  const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('The instance is starting or not answering; try again in a moment.');
  });
  req.pipe(upstream);
}
