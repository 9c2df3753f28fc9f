import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { PROBE_PASS_HEADER } from '../functions/providers/probe-pass';

/** Names the instance's request to the router's own tenant and environment (the instance contract; README). */
export const ROUTE_HEADER = 'x-spaceos-route';

/** Hop-by-hop headers (RFC 9110 7.6.1) and proxy credentials: never passed on to an instance. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer'];

/**
 * Where the router learns who the visitor is: the socket (embedded default), or Cloudflare in front
 * of the load balancer (AWS).
 */
export type ClientSource = 'socket' | 'cloudflare';

/**
 * The address of the visitor as far as the router can tell: its own peer locally. On AWS the load
 * balancer's peer is a Cloudflare edge (shared by many visitors), so the visitor is Cloudflare's
 * `CF-Connecting-IP`, else the entry the load balancer appended (the last of X-Forwarded-For), never
 * one a client wrote first. CF-Connecting-IP is only as trustworthy as the load balancer is closed to
 * everything but Cloudflare's ranges (README: open today, see issue 14).
 */
export function clientAddress(req: IncomingMessage, source: ClientSource): string {
  if (source === 'cloudflare') {
    const visitor = String(req.headers['cf-connecting-ip'] ?? '').trim();
    if (/^[0-9a-f.:]{2,45}$/i.test(visitor)) return visitor;
    const chain = String(req.headers['x-forwarded-for'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const appended = chain.at(-1);
    if (appended) return appended;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * The headers an instance gets: the visitor's, minus hop-by-hop ones (and those the Connection
 * header names), any forwarding headers a client made up and a probe pass; plus X-Forwarded-For/-Proto/-Host
 * written by the router alone, and the route header the instance checks (421 if it is not its own).
 */
export function forwardedHeaders(req: IncomingMessage, source: ClientSource, route: string): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = { ...req.headers };
  const websocket = String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
  const named = String(req.headers.connection ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const name of [...HOP_BY_HOP, ...named]) if (!(websocket && (name === 'upgrade' || name === 'connection'))) delete headers[name];
  if (!websocket) delete headers.upgrade;
  // Launchpad's probe pass is the router's business: an instance (or whoever reads its logs) never sees one.
  for (const name of Object.keys(headers)) if (name.startsWith('x-forwarded-') || name === 'forwarded' || name === ROUTE_HEADER || name === PROBE_PASS_HEADER) delete headers[name];
  headers['x-forwarded-for'] = clientAddress(req, source);
  headers['x-forwarded-proto'] = source === 'cloudflare' ? 'https' : 'http';
  headers['x-forwarded-host'] = req.headers.host ?? '';
  headers[ROUTE_HEADER] = route;
  return headers;
}
