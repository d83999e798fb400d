import { isIPv4, isIPv6 } from 'node:net';
import { expandIPv6 } from '@chatfleet/store';

/**
 * The group a client address counts in for per-address limits and pairing: an IPv4 address
 * itself, an IPv6 address by its /64 (one host is given a whole /64, so counting single IPv6
 * addresses would give each attacker 2^64 of them). IPv4 mapped into IPv6 counts as IPv4.
 */
export function addressGroup(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIPv4(address) || !isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}
