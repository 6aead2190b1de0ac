import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { asResolver, DnsError, type Resolver } from './types.js';
import { ZoneFileError } from './zonefile.js';
import { zoneFileResolver, zoneTextResolver } from './zone-resolver.js';

const ZONE = `
example.org           A      192.0.2.10
example.org           A      192.0.2.11
example.org           AAAA   2001:db8::10
example.org           MX     20 mx2.example.org.
example.org           MX     10 mx1.example.org.
example.org           TXT    "v=spf1 -all"
example.org           TXT    "part one, " "part two"
example.org           NS     ns1.example.org.
10.2.0.192.in-addr.arpa PTR  example.org.
www.example.org       CNAME  web.example.org.
web.example.org       CNAME  example.org.
out.example.org       CNAME  elsewhere.example.com.
sel._domainkey.example.org TXT "v=DKIM1; p=AAAA"
`;

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code;
  }
  throw new Error('expected the lookup to fail');
}

describe('zoneTextResolver lookups', () => {
  const resolve = zoneTextResolver(ZONE);

  it('answers each type in the shapes of dns.promises.resolve', async () => {
    expect(await resolve('example.org', 'A')).toEqual(['192.0.2.10', '192.0.2.11']);
    expect(await resolve('example.org', 'AAAA')).toEqual(['2001:db8::10']);
    expect(await resolve('example.org', 'MX')).toEqual([
      { exchange: 'mx2.example.org', priority: 20 },
      { exchange: 'mx1.example.org', priority: 10 },
    ]);
    expect(await resolve('example.org', 'NS')).toEqual(['ns1.example.org']);
    expect(await resolve('10.2.0.192.in-addr.arpa', 'PTR')).toEqual(['example.org']);
    expect(await resolve('www.example.org', 'CNAME')).toEqual(['web.example.org']);
  });

  it('returns TXT records as arrays of chunks, several strings forming one record', async () => {
    expect(await resolve('example.org', 'TXT')).toEqual([['v=spf1 -all'], ['part one, ', 'part two']]);
  });

  it('matches names case-insensitively, with or without the trailing dot, and any rrtype case', async () => {
    expect(await resolve('EXAMPLE.Org.', 'a')).toEqual(['192.0.2.10', '192.0.2.11']);
    expect(await resolve('Sel._DomainKey.example.org', 'TXT')).toEqual([['v=DKIM1; p=AAAA']]);
  });

  it('rejects ENOTFOUND for a missing name and ENODATA for a missing type, like Node', async () => {
    const missing = resolve('nope.example.org', 'TXT');
    await expect(missing).rejects.toBeInstanceOf(DnsError);
    await expect(missing).rejects.toMatchObject({ code: 'ENOTFOUND', syscall: 'queryTxt', hostname: 'nope.example.org' });
    await expect(resolve('10.2.0.192.in-addr.arpa', 'A')).rejects.toMatchObject({ code: 'ENODATA', syscall: 'queryA' });
    await expect(resolve('example.org', 'SRV')).rejects.toMatchObject({ code: 'ENODATA' });
  });

  it('answers ENODATA, not ENOTFOUND, for a name that exists only through names below it', async () => {
    expect(await codeOf(resolve('_domainkey.example.org', 'TXT'))).toBe('ENODATA');
  });

  it('follows CNAME chains for other types, and an alias to nowhere is ENOTFOUND', async () => {
    expect(await resolve('www.example.org', 'A')).toEqual(['192.0.2.10', '192.0.2.11']);
    expect(await codeOf(resolve('www.example.org', 'PTR'))).toBe('ENODATA');
    expect(await codeOf(resolve('out.example.org', 'A'))).toBe('ENOTFOUND');
  });

  it('hands out copies: sorting an answer in place does not change the zone', async () => {
    const mx = await resolve('example.org', 'MX');
    mx.sort((a, b) => a.priority - b.priority);
    mx[0].exchange = 'changed';
    (await resolve('example.org', 'TXT'))[1].push('x');
    expect((await resolve('example.org', 'MX'))[0]).toEqual({ exchange: 'mx2.example.org', priority: 20 });
    expect((await resolve('example.org', 'TXT'))[1]).toEqual(['part one, ', 'part two']);
  });

  it('throws a ZoneFileError at creation for malformed text', () => {
    expect(() => zoneTextResolver('a.example MX 10', { source: 'inline' })).toThrow(/^inline:1: MX needs/);
  });
});

describe('fallback', () => {
  function recording(): { resolver: Resolver; calls: string[] } {
    const calls: string[] = [];
    const resolver = asResolver(async (name, rrtype) => {
      calls.push(`${name} ${rrtype}`);
      if (rrtype === 'A') return ['203.0.113.1'];
      throw new DnsError('ENOTFOUND', name, rrtype);
    });
    return { resolver, calls };
  }

  it('asks the fallback only for names the zone does not list, and for CNAME targets outside it', async () => {
    const { resolver, calls } = recording();
    const resolve = zoneTextResolver(ZONE, { fallback: resolver });
    expect(await resolve('example.org', 'A')).toEqual(['192.0.2.10', '192.0.2.11']);
    expect(await codeOf(resolve('example.org', 'PTR'))).toBe('ENODATA'); // listed name: the zone answers alone
    expect(await resolve('other.example.com', 'A')).toEqual(['203.0.113.1']);
    expect(await resolve('out.example.org', 'A')).toEqual(['203.0.113.1']);
    expect(await codeOf(resolve('_domainkey.example.org', 'TXT'))).toBe('ENOTFOUND');
    expect(calls).toEqual(['other.example.com A', 'elsewhere.example.com A', '_domainkey.example.org TXT']);
  });
});

describe('zoneFileResolver', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const file = (text: string): string => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-dns-'));
    const path = join(dir, 'test.zone');
    writeFileSync(path, text);
    return path;
  };
  // Edits in a test follow each other within one mtime tick: move the clock explicitly.
  let tick = Date.now() / 1000;
  const rewrite = (path: string, text: string): void => {
    writeFileSync(path, text);
    tick += 10;
    utimesSync(path, tick, tick);
  };

  it('fails at creation with the file name and line of a malformed line', () => {
    const path = file('a.example A 192.0.2.1\n\nb.example TXT unquoted\n');
    let caught: unknown;
    try {
      zoneFileResolver(path);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ZoneFileError);
    expect((caught as Error).message).toBe(`${path}:3: TXT data must be double-quoted: found unquoted`);
  });

  it('fails at creation when the file is missing', () => {
    expect(() => zoneFileResolver('/nonexistent/facteur.zone')).toThrow(/ENOENT/);
  });

  it('reloads the file when it changes', async () => {
    const path = file('a.example TXT "v=spf1 -all"\n');
    const resolve = zoneFileResolver(path, { recheckMs: 0 });
    expect(await resolve('a.example', 'TXT')).toEqual([['v=spf1 -all']]);
    expect(await codeOf(resolve('b.example', 'A'))).toBe('ENOTFOUND');

    rewrite(path, 'a.example TXT "v=spf1 ip4:127.0.0.1 -all"\nb.example A 127.0.0.1\n');
    expect(await resolve('a.example', 'TXT')).toEqual([['v=spf1 ip4:127.0.0.1 -all']]);
    expect(await resolve('b.example', 'A')).toEqual(['127.0.0.1']);
  });

  it('keeps answering from what it read until recheckMs has passed', async () => {
    const path = file('a.example A 192.0.2.1\n');
    const resolve = zoneFileResolver(path, { recheckMs: 60_000 });
    rewrite(path, 'a.example A 192.0.2.2\n');
    expect(await resolve('a.example', 'A')).toEqual(['192.0.2.1']);
  });

  it('fails lookups (EZONEFILE, naming file and line) while an edit leaves the file malformed, then recovers', async () => {
    const path = file('a.example A 192.0.2.1\n');
    const resolve = zoneFileResolver(path, { recheckMs: 0 });
    rewrite(path, 'a.example A 192.0.2.1\na.example MX 10\n');
    const broken = resolve('a.example', 'A');
    await expect(broken).rejects.toMatchObject({ code: 'EZONEFILE' });
    await expect(broken).rejects.toThrow(`${path}:2: MX needs a priority and a host name`);
    await expect(resolve('a.example', 'A')).rejects.toMatchObject({ code: 'EZONEFILE' }); // still broken, not forgotten

    rewrite(path, 'a.example A 192.0.2.3\n');
    expect(await resolve('a.example', 'A')).toEqual(['192.0.2.3']);
  });

  it('fails lookups while the file is gone, and reads it again when it is back', async () => {
    const path = file('a.example A 192.0.2.1\n');
    const resolve = zoneFileResolver(path, { recheckMs: 0 });
    rmSync(path);
    await expect(resolve('a.example', 'A')).rejects.toThrow(/cannot read zone file .*ENOENT/);
    rewrite(path, 'a.example A 192.0.2.4\n');
    expect(await resolve('a.example', 'A')).toEqual(['192.0.2.4']);
  });
});
