import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { escapeHtml } from '../../shared/html';
import type { LocalCompute } from './local-compute';
import type { LocalDns } from './local-dns';

function notFound(res: ServerResponse, hostname: string): void {
  res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><title>No instance</title><p>No spaceOS instance answers at <b>${escapeHtml(hostname)}</b> (yet).</p>`);
}

/**
 * The load balancer of the embedded default: `<host>.localhost` goes to the instance whose DNS
 * record and service exist, with the request untouched (Host header included).
 */
export function proxyToInstance(req: IncomingMessage, res: ServerResponse, hostname: string, dns: LocalDns, compute: LocalCompute): void {
  const label = hostname.slice(0, -'.localhost'.length);
  const port = dns.resolve(label) !== undefined ? compute.portFor(hostname) : undefined;
  if (port === undefined) return notFound(res, hostname);
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
