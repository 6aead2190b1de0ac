// The MX thread's DNS cache: answers and "no such record" are reused for a while, failures
// are not, and callers cannot spoil each other's answers.
import { describe, expect, it } from 'vitest';
import { DnsError, asResolver, type DnsAnswer } from '../core/index.js';
import { cachingResolver } from './dns-cache.js';

function fakeDns(answers: Record<string, DnsAnswer | DnsError>) {
  const asked: string[] = [];
  const resolver = asResolver(async (name, rrtype) => {
    asked.push(`${rrtype} ${name}`);
    const a = answers[`${rrtype} ${name}`];
    if (a instanceof DnsError) throw a;
    if (!a) throw new DnsError('ENOTFOUND', name, rrtype);
    return a;
  });
  return { resolver, asked };
}

describe('cachingResolver', () => {
  it('answers a repeated question from memory until the entry expires', async () => {
    let now = 1000;
    const dns = fakeDns({ 'TXT ex.example': [['v=spf1 -all']] });
    const r = cachingResolver(dns.resolver, { ttlMs: 5000, maxEntries: 100, now: () => now });
    expect(await r('ex.example', 'TXT')).toEqual([['v=spf1 -all']]);
    expect(await r('EX.example', 'TXT')).toEqual([['v=spf1 -all']]);
    expect(dns.asked).toEqual(['TXT ex.example']);
    now += 5001;
    await r('ex.example', 'TXT');
    expect(dns.asked).toHaveLength(2);
  });

  it('remembers that a record does not exist, but not that a lookup failed', async () => {
    const dns = fakeDns({ 'TXT down.example': new DnsError('ETIMEOUT', 'down.example', 'TXT') });
    const r = cachingResolver(dns.resolver, { ttlMs: 5000, maxEntries: 100 });
    for (let i = 0; i < 2; i++) await expect(r('none.example', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    for (let i = 0; i < 2; i++) await expect(r('down.example', 'TXT')).rejects.toMatchObject({ code: 'ETIMEOUT' });
    expect(dns.asked).toEqual(['TXT none.example', 'TXT down.example', 'TXT down.example']);
  });

  it('gives each caller its own copy of the answer', async () => {
    const dns = fakeDns({ 'MX ex.example': [{ exchange: 'b.ex.example', priority: 20 }, { exchange: 'a.ex.example', priority: 10 }] });
    const r = cachingResolver(dns.resolver, { ttlMs: 5000, maxEntries: 100 });
    const first = await r('ex.example', 'MX');
    first.sort((x, y) => x.priority - y.priority);
    first[0].exchange = 'changed';
    expect((await r('ex.example', 'MX'))[0]).toEqual({ exchange: 'b.ex.example', priority: 20 });
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const dns = fakeDns({ 'A a.example': ['192.0.2.1'], 'A b.example': ['192.0.2.2'], 'A c.example': ['192.0.2.3'] });
    const r = cachingResolver(dns.resolver, { ttlMs: 5000, maxEntries: 2 });
    for (const n of ['a', 'b', 'c', 'c', 'b', 'a']) await r(`${n}.example`, 'A');
    expect(dns.asked).toEqual(['A a.example', 'A b.example', 'A c.example', 'A a.example']);
  });
});
