import type Cloudflare from 'cloudflare';
import { errorText, fail, ok, warn, type PreflightCheck } from './check';

/** The part of the Cloudflare SDK preflight reads: zones and their settings (the full client fits). */
export type CloudflareZones = Pick<Cloudflare, 'zones'>;

const status = (error: unknown) => (typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : undefined);

/**
 * The zone of the domain (active, and the one `cloudflareZoneId` names), and its SSL mode: the
 * instances' load balancer listens on 443 only, so Cloudflare must reach it over HTTPS (Full or
 * Full (strict)); Flexible and Off speak plain HTTP to port 80 and every instance answers 52x.
 * A warning, not a failure: a configuration rule may set the mode for `*.<domain>` on its own.
 */
export async function cloudflareChecks(cloudflare: CloudflareZones, domain: string, zoneId?: string): Promise<PreflightCheck[]> {
  const zoneName = `Cloudflare zone ${domain}`;
  let zones;
  try {
    zones = (await cloudflare.zones.list({ name: domain })).result;
  } catch (error) {
    const code = status(error);
    if (code === 401 || code === 403) return [fail(zoneName, `the API token was refused (${code})`, 'Put a token with Zone:Read, DNS:Read and Zone Settings:Read on the zone into launchpad/cloudflare-token (or CLOUDFLARE_API_TOKEN for preflight)')];
    throw error;
  }
  const zone = zones.find((z) => z.name.toLowerCase() === domain.toLowerCase());
  if (!zone) return [fail(zoneName, 'no such zone for this token', `Add ${domain} to Cloudflare, or give the token access to it`)];
  const checks: PreflightCheck[] = [];
  if (zoneId && zone.id !== zoneId) checks.push(fail(zoneName, `cloudflareZoneId is ${zoneId}, the zone's id is ${zone.id}`, `Deploy with -c cloudflareZoneId=${zone.id}`));
  else if (zone.status !== 'active') checks.push(fail(zoneName, `status ${zone.status}: Cloudflare does not serve it yet`, `Point the domain's name servers at ${(zone.name_servers ?? []).join(', ') || "Cloudflare's"} at your registrar`));
  else checks.push(ok(zoneName, `active (${zone.id})`));

  const sslName = 'Cloudflare SSL mode';
  try {
    const setting = (await cloudflare.zones.settings.get('ssl', { zone_id: zone.id })) as { value?: unknown };
    const mode = String(setting.value);
    if (mode === 'full' || mode === 'strict') checks.push(ok(sslName, mode === 'strict' ? 'Full (strict)' : 'Full'));
    else checks.push(warn(sslName, `${mode}: Cloudflare would reach the load balancer over HTTP, and it listens on 443 only`, 'Cloudflare -> SSL/TLS -> Overview: set Full (strict) (the load balancer has an ACM certificate for *.<domain>)'));
  } catch (error) {
    const code = status(error);
    if (code !== 401 && code !== 403) throw error;
    checks.push(warn(sslName, `not readable with this token (${errorText(error)})`, 'Check by hand that SSL/TLS is Full (strict), or give the token Zone Settings:Read'));
  }
  return checks;
}
