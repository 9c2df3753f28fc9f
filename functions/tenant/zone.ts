import { instanceHosts } from '../../shared/instance';
import type { Dns } from '../providers/dns';

/**
 * Would the zone keep the wildcard from answering one of this subdomain's hosts (`acme` or
 * `acme-stg`)? Then the subdomain cannot be had: its instance would never be reached.
 */
export async function shadowedByZone(dns: Pick<Dns, 'hasOwnRecord'>, subdomain: string): Promise<boolean> {
  return (await Promise.all(instanceHosts(subdomain).map((host) => dns.hasOwnRecord(host)))).some(Boolean);
}
