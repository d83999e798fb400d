import { isIPv4 } from 'node:net';
import { canonicalAddress, ipv6Prefix64 } from '@chatfleet/store';

/**
 * The group a client address counts in for per-address limits and pairing: an IPv4 address
 * itself, an IPv6 address by its /64 (one host is given a whole /64, so counting single IPv6
 * addresses would give each attacker 2^64 of them). IPv4 mapped into IPv6 counts as IPv4.
 */
export function addressGroup(address: string): string {
  const a = canonicalAddress(address);
  if (a === undefined) return address;
  return isIPv4(a) ? a : ipv6Prefix64(a);
}
