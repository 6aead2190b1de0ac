import { describe, expect, it } from 'vitest';
import { canonicalIp, ipKey, isExempt, parseExemptions } from './ip.js';

describe('ipKey', () => {
  it('keys IPv4 by address, IPv4-mapped IPv6 as IPv4', () => {
    expect(ipKey('192.0.2.1')).toBe('192.0.2.1');
    expect(ipKey('::FFFF:192.0.2.1')).toBe('192.0.2.1');
    expect(canonicalIp('fe80::1%eth0')).toBe('fe80::1');
  });
  it('keys IPv6 by /64 whatever the spelling', () => {
    const key = ipKey('2001:db8:a:b::1');
    expect(key).toBe('2001:db8:a:b::/64');
    expect(ipKey('2001:0DB8:000a:000b:1:2:3:4')).toBe(key);
    expect(ipKey('::1')).toBe('0:0:0:0::/64');
    expect(ipKey('2001:db8::1.2.3.4')).toBe('2001:db8:0:0::/64');
  });
  it('keeps anything else under a bounded key', () => {
    expect(ipKey('/run/facteur.sock')).toBe('other:/run/facteur.sock');
    expect(ipKey('x'.repeat(1000)).length).toBeLessThan(120);
  });
});

describe('exemptions', () => {
  it('matches addresses and networks of both families', () => {
    const list = parseExemptions(['127.0.0.1', '10.0.0.0/8', '2001:db8::/32']);
    expect(isExempt(list, '127.0.0.1')).toBe(true);
    expect(isExempt(list, '::ffff:10.9.8.7')).toBe(true);
    expect(isExempt(list, '2001:db8:ffff::1')).toBe(true);
    expect(isExempt(list, '127.0.0.2')).toBe(false);
    expect(isExempt(list, '::1')).toBe(false);
    expect(isExempt(list, 'not an ip')).toBe(false);
  });
  it.each(['', 'localhost', '10.0.0.0/', '10.0.0.0/8/1', '::1/129', '1.2.3.4/x'])('refuses %j', (bad) => {
    expect(() => parseExemptions([bad])).toThrow(/brute-force exemptions/);
  });
});
