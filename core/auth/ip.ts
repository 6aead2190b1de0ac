// Client addresses as the brute-force guard sees them.
import { BlockList, isIP, isIPv4, isIPv6 } from 'node:net';
import { Invalid } from '../errors.js';

/** Longest key kept for something that is not an IP address (a Unix socket path, garbage). */
const MAX_OTHER_KEY = 100;

/** The address without an IPv4-mapped prefix (RFC 4291 §2.5.5.2) or a zone id: a dual-stack
 *  listener reports IPv4 clients as "::ffff:192.0.2.1", which must count as 192.0.2.1. */
export function canonicalIp(ip: string): string {
  let out = ip.trim().toLowerCase();
  const zone = out.indexOf('%');
  if (zone >= 0) out = out.slice(0, zone);
  if (out.startsWith('::ffff:') && isIPv4(out.slice(7))) out = out.slice(7);
  return out;
}

/** The key failures are counted under. An IPv6 end site usually gets a whole /64 (RFC 6177),
 *  so one host can hop through 2^64 addresses: count IPv6 clients per /64. */
export function ipKey(ip: string): string {
  const canonical = canonicalIp(ip);
  switch (isIP(canonical)) {
    case 4: return canonical;
    case 6: return `${expandIpv6(canonical).slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
    default: return `other:${canonical.slice(0, MAX_OTHER_KEY)}`;
  }
}

/** The eight 16-bit groups of a valid IPv6 address, "::" and a dotted IPv4 tail expanded. */
function expandIpv6(ip: string): number[] {
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').flatMap((g) => {
    if (!g.includes('.')) return [parseInt(g, 16)];
    const [a, b, c, d] = g.split('.').map(Number);
    return [(a << 8) | b, (c << 8) | d];
  }));
  const gap = ip.indexOf('::');
  if (gap < 0) return groups(ip);
  const head = groups(ip.slice(0, gap));
  const tail = groups(ip.slice(gap + 2));
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** Addresses and networks ("10.0.0.0/8", "2001:db8::/32", "::1") the guard leaves alone. */
export function parseExemptions(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix, extra] = entry.trim().split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? undefined : Number(prefix);
    const maxBits = family === 4 ? 32 : 128;
    if (family === 0 || extra !== undefined || (bits !== undefined && (!Number.isInteger(bits) || bits < 0 || bits > maxBits || prefix === ''))) {
      throw new Invalid(`invalid address or network "${entry}" in the brute-force exemptions`, 'exempt');
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
  }
  return list;
}

export function isExempt(list: BlockList, ip: string): boolean {
  const canonical = canonicalIp(ip);
  const family = isIP(canonical);
  if (family === 0) return false;
  return list.check(canonical, family === 4 ? 'ipv4' : 'ipv6');
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8 and ::1 however spelt, also when a dual-stack listener reports ::ffff:127.x.y.z.
 *  Every protocol treats such a client as on a secure channel for AUTH, as Dovecot does. */
export function isLoopback(address: string): boolean {
  const ip = canonicalIp(address);
  if (isIPv4(ip)) return LOOPBACK.check(ip, 'ipv4');
  return isIPv6(ip) && LOOPBACK.check(ip, 'ipv6');
}
