import { describe, expect, it } from 'vitest';
import { asResolver, zoneTextResolver } from '../core/index.js';
import { forwardConfirmedName, isLoopback, ptrName, reverseResolver } from './client-address.js';
import { dnsCache } from './dns-cache.js';
import { VerifyMemo } from './verify-memo.js';

describe('isLoopback', () => {
  it('knows 127/8 and ::1 in every spelling, nothing else', () => {
    for (const ip of ['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopback(ip)).toBe(true);
    for (const ip of ['128.0.0.1', '10.0.0.1', '::', '::2', 'fe80::1', 'garbage', '']) expect(isLoopback(ip)).toBe(false);
  });
});

describe('ptrName', () => {
  it('builds in-addr.arpa and nibble ip6.arpa names', () => {
    expect(ptrName('192.0.2.7')).toBe('7.2.0.192.in-addr.arpa');
    expect(ptrName('::ffff:192.0.2.7')).toBe('7.2.0.192.in-addr.arpa');
    expect(ptrName('2001:db8::1')).toBe('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
    expect(ptrName('not an ip')).toBeNull();
  });
});

describe('forwardConfirmedName', () => {
  const resolver = zoneTextResolver([
    '7.2.0.192.in-addr.arpa PTR mail.ext.example.',
    'mail.ext.example A 192.0.2.7',
    '8.2.0.192.in-addr.arpa PTR liar.example',
    'liar.example A 198.51.100.1',
    '',
  ].join('\n'));

  it('keeps a PTR name only if it points back to the address', async () => {
    expect(await forwardConfirmedName(resolver, '192.0.2.7')).toBe('mail.ext.example');
    expect(await forwardConfirmedName(resolver, '192.0.2.8')).toBeNull();
    await expect(forwardConfirmedName(resolver, '192.0.2.9')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});

describe('reverseResolver with a memo', () => {
  it('reuses a name while its answers are served, and sees a changed PTR once they are not', async () => {
    let now = 0;
    let zone = zoneTextResolver('7.2.0.192.in-addr.arpa PTR mail.ext.example.\nmail.ext.example A 192.0.2.7\n');
    let asked = 0;
    const dns = dnsCache(asResolver((name, rrtype) => { asked++; return zone(name, rrtype); }), { ttlMs: 5000, maxEntries: 100, now: () => now });
    const reverse = reverseResolver(dns.resolver, new VerifyMemo(dns));
    const names = (ip: string) => new Promise<string[] | undefined>((resolve) => reverse.reverse(ip, (_err, n) => resolve(n)));
    expect(await names('192.0.2.7')).toEqual(['mail.ext.example']);
    expect(await names('192.0.2.7')).toEqual(['mail.ext.example']);
    expect(asked).toBe(2);
    expect(await names('192.0.2.9')).toEqual([]);
    zone = zoneTextResolver('7.2.0.192.in-addr.arpa PTR other.example.\nother.example A 192.0.2.7\n');
    now += 5001;
    expect(await names('192.0.2.7')).toEqual(['other.example']);
  });
});
