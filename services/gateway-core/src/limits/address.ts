import { isIPv4, isIPv6 } from 'node:net';

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

/** The eight hextets of an IPv6 address, without leading zeros. */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.toLowerCase().split('%')[0]!.split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':'));
  const h = part(head);
  const t = tail === undefined ? [] : part(tail);
  const fill = Array.from({ length: Math.max(0, 8 - h.length - t.length) }, () => '0');
  return [...h, ...fill, ...t].map((x) =>
    /^[0-9a-f]{1,4}$/.test(x) ? parseInt(x, 16).toString(16) : x,
  );
}
