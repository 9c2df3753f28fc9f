import ipaddr from 'ipaddr.js';

/**
 * Where Launchpad may open a connection that a tenant chose (its SMTP server): only to public
 * unicast addresses on the usual SMTP ports, unless the deployment explicitly allows a private
 * address (the embedded default's SMTP servers on loopback). Without this the SMTP settings were a
 * way to reach Launchpad's own network (metadata service, databases) and to scan its ports.
 */

export const SMTP_PORTS: readonly number[] = [25, 465, 587, 2525];

/** Resolves a host name to its addresses, all of them (every one is checked). */
export type ResolveHost = (host: string) => Promise<string[]>;

/** A destination that passed: connect to `address` (never to the name again), verify TLS against `servername`. */
export interface CheckedDestination {
  address: string;
  port: number;
  /** The name the tenant entered; undefined when it was an address. */
  servername?: string;
  loopback: boolean;
}

/** The destination is refused; `field` says which part of it (the settings form marks that field). */
export class DestinationRefusedError extends Error {
  override name = 'DestinationRefusedError';
  constructor(
    message: string,
    readonly field: 'host' | 'port',
    /** For the log only: what was refused and why (addresses the tenant must not learn about). */
    readonly detail: string,
  ) {
    super(message);
  }
}

/**
 * One answer for a name that does not resolve and one on a private network: otherwise the form
 * would tell which names exist inside Launchpad's network.
 */
export const HOST_REFUSED = 'Enter the public host name of your SMTP server: this one could not be found, or is on a private, local or reserved network';
export const NOTATION_REFUSED = 'Enter a host name (e.g. smtp.example.com) or an IPv4 address written as four numbers (e.g. 203.0.113.25)';
export const portRefused = (ports: readonly number[]) => `Use one of the SMTP ports ${ports.slice(0, -1).join(', ')} or ${ports.at(-1)}`;

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses allowance entries (addresses or CIDR ranges, IPv4 or IPv6); throws on anything else, so a typo fails the start, not a tenant's test. */
export function parseAllowance(entries: readonly string[]): Range[] {
  return entries.map((entry) => {
    const text = entry.trim();
    try {
      if (text.includes('/')) return normalisedRange(ipaddr.parseCIDR(text));
      const address = ipaddr.process(text);
      return [address, address.kind() === 'ipv4' ? 32 : 128] as Range;
    } catch {
      throw new Error(`SMTP_ALLOWED_PRIVATE_HOSTS: "${text}" is not an IP address or CIDR range`);
    }
  });
}

// ::ffff:10.0.0.0/104 in an allowance means 10.0.0.0/8: addresses are compared after the same unmapping.
function normalisedRange([address, bits]: Range): Range {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
  return [address, bits];
}

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/**
 * Whether an address is one a tenant may point Launchpad at: public unicast only. IPv4-mapped
 * IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it is. ipaddr.js names the special ranges
 * (loopback, private incl. RFC 1918, carrierGradeNat, linkLocal incl. 169.254.169.254,
 * uniqueLocal, unspecified, multicast, broadcast, reserved, NAT64/6to4/Teredo...); anything it
 * does not call `unicast` is refused, and IPv6 must also be global unicast (2000::/3), which
 * rules out the deprecated IPv4-compatible ::a.b.c.d and anything not yet allocated.
 */
export function isPublicAddress(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (address.range() !== 'unicast') return false;
  return address.kind() === 'ipv4' || address.match(GLOBAL_UNICAST_V6);
}

function unmapped(text: string): ipaddr.IPv4 | ipaddr.IPv6 {
  // ipaddr.process turns ::ffff:a.b.c.d into a.b.c.d; a zone id (fe80::1%eth0) parses too.
  return ipaddr.process(text);
}

const inAllowance = (address: ipaddr.IPv4 | ipaddr.IPv6, allowance: readonly Range[]) => allowance.some(([base, bits]) => base.kind() === address.kind() && address.match(base, bits));

/**
 * A host is an address when its last label is a number (as browsers and getaddrinfo treat it:
 * 2130706433, 0x7f000001, 0177.0.0.1 and 127.1 all reach 127.0.0.1). Only the plain dotted quad
 * is accepted; every other numeric notation is refused, whatever it points at.
 */
function literalAddress(host: string): ipaddr.IPv4 | ipaddr.IPv6 | 'odd' | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.includes(':')) return ipaddr.IPv6.isValid(bare) ? unmapped(bare) : 'odd';
  const last = bare.split('.').at(-1) ?? '';
  if (!/^(\d+|0x[0-9a-f]*)$/i.test(last)) return undefined;
  return ipaddr.IPv4.isValidFourPartDecimal(bare) ? ipaddr.IPv4.parse(bare) : 'odd';
}

/**
 * Checks a tenant-chosen destination and decides the one address to connect to. A name is
 * resolved once and every address it has must pass (a name that also resolves to a private
 * address is refused, not filtered: it is not a public mail server); the caller then connects
 * to the returned address, so a second lookup cannot be answered differently (DNS rebinding).
 * IPv4 first: Lambda in a VPC may have no IPv6 route.
 */
export async function checkDestination(
  host: string,
  port: number,
  options: { allowance: readonly Range[]; ports: readonly number[]; resolve: ResolveHost },
): Promise<CheckedDestination> {
  const name = host.trim().toLowerCase();
  const literal = literalAddress(name);
  if (literal === 'odd') throw new DestinationRefusedError(NOTATION_REFUSED, 'host', `odd address notation ${host}`);

  let addresses: (ipaddr.IPv4 | ipaddr.IPv6)[];
  if (literal) addresses = [literal];
  else {
    let resolved: string[];
    try {
      resolved = await options.resolve(name);
    } catch (error) {
      throw new DestinationRefusedError(HOST_REFUSED, 'host', `lookup of ${name} failed: ${(error as { code?: string }).code ?? String(error)}`);
    }
    addresses = resolved.filter((a) => ipaddr.isValid(a)).map(unmapped);
    if (addresses.length === 0) throw new DestinationRefusedError(HOST_REFUSED, 'host', `${name} has no addresses`);
  }

  const refused = addresses.filter((a) => !isPublicAddress(a) && !inAllowance(a, options.allowance));
  if (refused.length > 0) {
    throw new DestinationRefusedError(HOST_REFUSED, 'host', `${name} is ${refused.map((a) => `${a.toString()} (${a.range()})`).join(', ')}`);
  }
  const chosen = [...addresses].sort((a, b) => (a.kind() === b.kind() ? 0 : a.kind() === 'ipv4' ? -1 : 1))[0]!;
  // A deployment's own allowed servers (a local test server) may listen anywhere; the public internet only on SMTP ports.
  if (!options.ports.includes(port) && !inAllowance(chosen, options.allowance)) {
    throw new DestinationRefusedError(portRefused(options.ports), 'port', `port ${port} of ${name}`);
  }
  return { address: chosen.toString(), port, ...(literal ? {} : { servername: name }), loopback: chosen.range() === 'loopback' };
}
