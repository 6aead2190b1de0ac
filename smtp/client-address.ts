// What the listeners need to know about a client's address: whether it is this machine
// (loopback counts as a secure channel for AUTH, as Dovecot treats it) and its PTR name for
// the Received header, looked up through the one injectable resolver (core/dns).
import { isIPv4, isIPv6 } from 'node:net';
import { canonicalIp, isLoopback, type Resolver } from '../core/index.js';
import type { VerifyMemo } from './verify-memo.js';

/** 127.0.0.0/8 and ::1 however spelt (core/auth/ip.ts, shared with IMAP). */
export { isLoopback };

/** The reverse-mapping name (RFC 1035 §3.5, RFC 3596 §2.5), or null for a non-IP. */
export function ptrName(address: string): string | null {
  const ip = canonicalIp(address);
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  if (!isIPv6(ip)) return null;
  const [head, tail = ''] = ip.includes('::') ? ip.split('::') : [ip, ''];
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = groups(tail);
  const all = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  // A dotted IPv4 tail ("::ffff:1.2.3.4" forms other than the mapped one) is rare enough to skip.
  if (all.length !== 8 || all.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  const nibbles = all.map((g) => g.padStart(4, '0')).join('').split('');
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}

/**
 * smtp-server's `resolver` option: PTR lookups through our resolver instead of the system's.
 * A name is kept only if it resolves back to the client (forward-confirmed, as Postfix does
 * before it shows a name), since whoever holds an address block may publish any PTR. With a
 * memo, a client's name is reused while the PTR and address answers it came from are.
 */
export function reverseResolver(resolver: Resolver, memo?: VerifyMemo) {
  const lookup = (ip: string) => (memo ? memo.get(`ptr ${ip}`, (r) => forwardConfirmedName(r, ip)) : forwardConfirmedName(resolver, ip));
  return {
    reverse(ip: string, callback: (err: Error | null, hostnames?: string[]) => void): void {
      // No name, or no answer in time: the Received header shows the address alone.
      lookup(ip).then((name) => callback(null, name ? [name] : []), () => callback(null, []));
    },
  };
}

export async function forwardConfirmedName(resolver: Resolver, address: string): Promise<string | null> {
  const name = ptrName(address);
  if (!name) return null;
  const ip = canonicalIp(address);
  const family = isIPv4(ip) ? 'A' : 'AAAA';
  for (const host of (await resolver(name, 'PTR')).slice(0, 5)) {
    const addresses = await resolver(host, family).catch(() => [] as string[]);
    if (addresses.some((a) => canonicalIp(a) === ip || (family === 'AAAA' && sameIpv6(a, ip)))) return host.replace(/\.$/, '').toLowerCase();
  }
  return null;
}

function sameIpv6(a: string, b: string): boolean {
  return ptrName(a) === ptrName(b);
}
