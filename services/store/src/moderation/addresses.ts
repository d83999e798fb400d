import { isIPv4, isIPv6 } from 'node:net';

/** The eight hextets of an IPv6 address, lowercase, without leading zeros. */
export function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.toLowerCase().split('%')[0]!.split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':'));
  const h = part(head);
  const t = tail === undefined ? [] : part(tail);
  const fill = Array.from({ length: Math.max(0, 8 - h.length - t.length) }, () => '0');
  return [...h, ...fill, ...t].map((x) =>
    /^[0-9a-f]{1,4}$/.test(x) ? parseInt(x, 16).toString(16) : x,
  );
}

const MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** One spelling per address: IPv4 mapped into IPv6 as IPv4, IPv6 as eight short hextets. */
export function canonicalAddress(address: string): string | undefined {
  const mapped = MAPPED.exec(address);
  if (mapped) return mapped[1];
  if (isIPv4(address)) return address;
  if (isIPv6(address)) return expandIPv6(address).join(':');
  return undefined;
}

const v4Prefix = (a: string) => `${a.split('.').slice(0, 3).join('.')}.0/24`;
/** An IPv6 address's /64, as bans store it and per-address limits count it. */
export const ipv6Prefix64 = (a: string) => `${expandIPv6(a).slice(0, 4).join(':')}::/64`;

/**
 * What a ban on an address names, in the form it is stored: an address, an IPv4 /24 or an
 * IPv6 /64 (a host is given a whole /64, so a single IPv6 address bans little). A string that
 * is none of these is refused with the reason.
 */
export function parseBanAddress(input: string): { value: string } | { error: string } {
  const [addr = '', bits, extra] = input.trim().split('/');
  if (extra !== undefined) return { error: `${input} is not an address or a prefix` };
  const canonical = canonicalAddress(addr);
  if (canonical === undefined) return { error: `${addr} is not an IPv4 or IPv6 address` };
  if (bits === undefined) return { value: canonical };
  if (isIPv4(canonical)) {
    if (bits !== '24') return { error: 'an IPv4 prefix must be a /24 (or ban one address)' };
    return { value: v4Prefix(canonical) };
  }
  if (bits !== '64') return { error: 'an IPv6 prefix must be a /64 (or ban one address)' };
  return { value: ipv6Prefix64(canonical) };
}

/** The stored ban values that would cover a client's address: itself and its /24 or /64. */
export function banValuesFor(address: string): string[] {
  const a = canonicalAddress(address);
  if (a === undefined) return [];
  return isIPv4(a) ? [a, v4Prefix(a)] : [a, ipv6Prefix64(a)];
}
