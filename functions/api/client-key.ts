import ipaddr from 'ipaddr.js';
import { clientAddress, type ApiEvent } from './http';

/**
 * What per-client limits count under: an IPv4 address as it is, an IPv6 address by its /64. One
 * subscriber routinely holds a whole /64 (RFC 6177), so keying by the full address would give a
 * single client 2^64 fresh budgets. An IPv4-mapped IPv6 address counts as the IPv4 address it is.
 */
export function clientLimitKey(event: ApiEvent): string {
  const address = clientAddress(event);
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  return `${(parsed as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16)).join(':')}::/64`;
}
