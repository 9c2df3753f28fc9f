import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { PROBE_PASS_HEADER, type ProbePass } from './probe-pass';

export interface ProbeResponse {
  status: number;
  body: string;
}

/**
 * `*.localhost` is loopback by RFC 6761 (browsers and curl agree) but Node's resolver does not
 * know it; resolve it ourselves so a local instance is probed by its real URL and Host header.
 */
function lookup(hostname: string, options: object, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    const all = (options as { all?: boolean }).all;
    if (all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
    return;
  }
  dnsLookup(hostname, options, callback as never);
}

/** GET an instance URL the way a visitor would (plus `headers`); network failures reject. */
export function probe(url: string, timeoutMs = 5000, headers: Record<string, string> = {}): Promise<ProbeResponse> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(target, { lookup, timeout: timeoutMs, headers: { ...headers, 'user-agent': 'spaceos-launchpad-probe' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`Timed out after ${timeoutMs} ms: ${url}`)));
    req.on('error', reject);
  });
}

/**
 * The probe Launchpad's steps use: as a visitor, plus a fresh pass for that host, so the router lets
 * it through to an instance it holds back from visitors (a signup not confirmed yet).
 */
export function passingProbe(pass: Pick<ProbePass, 'issue'>, now: () => Date = () => new Date()): (url: string) => Promise<ProbeResponse> {
  return async (url) => probe(url, undefined, { [PROBE_PASS_HEADER]: await pass.issue(new URL(url).hostname, now()) });
}
