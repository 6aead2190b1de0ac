import { describe, expect, it } from 'vitest';
import { resolveMx } from './mx.js';
import { asResolver, DnsError, type Resolver } from './types.js';
import { zoneTextResolver } from './zone-resolver.js';

const resolver = zoneTextResolver(`
multi.example        MX    20 mx-b.multi.example.
multi.example        MX    5  mx-a.multi.example.
multi.example        MX    10 mx-self.multi.example.
mx-a.multi.example   A     192.0.2.1
mx-a.multi.example   AAAA  2001:db8::1
mx-a.multi.example   A     192.0.2.2
mx-b.multi.example   AAAA  2001:db8::2
mx-self.multi.example A    192.0.2.3

equal.example        MX    10 one.equal.example.
equal.example        MX    10 two.equal.example.
equal.example        MX    10 three.equal.example.
one.equal.example    A     192.0.2.11
two.equal.example    A     192.0.2.12
three.equal.example  A     192.0.2.13

implicit.example     A     192.0.2.20
implicit.example     AAAA  2001:db8::20
textonly.example     TXT   "v=spf1 -all"

nullmx.example       MX    0 .

halfdead.example     MX    10 gone.halfdead.example.
halfdead.example     MX    20 alive.halfdead.example.
alive.halfdead.example A   192.0.2.30
dead.example         MX    10 gone.dead.example.
dead.example         MX    20 gone2.dead.example.

twice.example        MX    10 host.twice.example.
twice.example        MX    30 host.twice.example.
host.twice.example   A     192.0.2.40
`);

describe('resolveMx', () => {
  it('lists MX hosts by preference, each with its IPv4 then IPv6 addresses', async () => {
    expect(await resolveMx(resolver, 'Multi.Example.')).toEqual({
      ok: true,
      implicit: false,
      hosts: [
        { exchange: 'mx-a.multi.example', priority: 5, addresses: ['192.0.2.1', '192.0.2.2', '2001:db8::1'] },
        { exchange: 'mx-self.multi.example', priority: 10, addresses: ['192.0.2.3'] },
        { exchange: 'mx-b.multi.example', priority: 20, addresses: ['2001:db8::2'] },
      ],
      unresolved: [],
    });
  });

  it('orders hosts of equal preference at random (RFC 5321 §5.1)', async () => {
    const order = async (random: () => number) => {
      const r = await resolveMx(resolver, 'equal.example', { random });
      if (!r.ok) throw new Error(r.text);
      return r.hosts.map((h) => h.exchange);
    };
    const kept = await order(() => 0.999);
    const shuffled = await order(() => 0);
    expect(kept).toEqual(['one.equal.example', 'two.equal.example', 'three.equal.example']);
    expect(shuffled).not.toEqual(kept);
    expect([...shuffled].sort()).toEqual([...kept].sort());
  });

  it('uses the domain itself as implicit MX when it has no MX record', async () => {
    expect(await resolveMx(resolver, 'implicit.example')).toEqual({
      ok: true,
      implicit: true,
      hosts: [{ exchange: 'implicit.example', priority: 0, addresses: ['192.0.2.20', '2001:db8::20'] }],
      unresolved: [],
    });
  });

  it('refuses permanently a domain with no MX and no address', async () => {
    expect(await resolveMx(resolver, 'textonly.example')).toMatchObject({
      ok: false, reason: 'no-address', temporary: false, code: 550, status: '5.4.4',
      text: 'Domain textonly.example has no MX record and no address',
    });
  });

  it('refuses permanently a domain that does not exist, without trying an implicit MX', async () => {
    expect(await resolveMx(resolver, 'nowhere.example')).toMatchObject({
      ok: false, reason: 'no-domain', temporary: false, code: 550, status: '5.1.2',
    });
  });

  it('refuses permanently a domain with a null MX (RFC 7505), in the zone form and in the "." form', async () => {
    const expected = { ok: false, reason: 'null-mx', temporary: false, code: 556, status: '5.1.10', text: 'Domain nullmx.example does not accept mail (null MX)' };
    expect(await resolveMx(resolver, 'nullmx.example')).toEqual(expected);
    const dotted = asResolver(async (name, rrtype) => {
      if (rrtype === 'MX') return [{ exchange: '.', priority: 0 }];
      throw new DnsError('ENODATA', name, rrtype);
    });
    expect(await resolveMx(dotted, 'nullmx.example')).toEqual(expected);
  });

  it('skips MX hosts without an address and says which', async () => {
    expect(await resolveMx(resolver, 'halfdead.example')).toEqual({
      ok: true,
      implicit: false,
      hosts: [{ exchange: 'alive.halfdead.example', priority: 20, addresses: ['192.0.2.30'] }],
      unresolved: [{ exchange: 'gone.halfdead.example', reason: 'no A or AAAA record' }],
    });
  });

  it('refuses permanently when no MX host has an address', async () => {
    expect(await resolveMx(resolver, 'dead.example')).toMatchObject({
      ok: false, reason: 'no-address', temporary: false, status: '5.4.4',
      text: 'No address for the MX hosts of dead.example (gone.dead.example, gone2.dead.example)',
    });
  });

  it('keeps a host listed twice once, at its best preference', async () => {
    const r = await resolveMx(resolver, 'twice.example');
    expect(r.ok && r.hosts).toEqual([{ exchange: 'host.twice.example', priority: 10, addresses: ['192.0.2.40'] }]);
  });

  it('drops itself and worse MX hosts when it is one of them (RFC 5321 §5.1)', async () => {
    const r = await resolveMx(resolver, 'multi.example', { localNames: ['MX-SELF.multi.example.'] });
    expect(r.ok && r.hosts.map((h) => h.exchange)).toEqual(['mx-a.multi.example']);
    expect(await resolveMx(resolver, 'multi.example', { localNames: ['mx-a.multi.example'] })).toMatchObject({
      ok: false, reason: 'loops-to-self', temporary: false, status: '5.4.6',
    });
  });

  describe('temporary DNS failures', () => {
    const failing = (fail: (name: string, rrtype: string) => boolean): Resolver =>
      asResolver(async (name, rrtype) => {
        if (fail(name, rrtype)) throw new DnsError('ETIMEOUT', name, rrtype);
        return resolver(name, rrtype);
      });

    it('gives a temporary refusal when the MX lookup times out', async () => {
      expect(await resolveMx(failing((_, t) => t === 'MX'), 'multi.example')).toMatchObject({
        ok: false, reason: 'dns-failure', temporary: true, code: 451, status: '4.4.3',
        text: 'DNS lookup of MX for multi.example failed: queryMx ETIMEOUT multi.example',
      });
    });

    it('delivers to the hosts that resolved when another one fails', async () => {
      const r = await resolveMx(failing((n) => n === 'mx-a.multi.example'), 'multi.example');
      expect(r.ok && r.hosts.map((h) => h.exchange)).toEqual(['mx-self.multi.example', 'mx-b.multi.example']);
      expect(r.ok && r.unresolved).toEqual([{ exchange: 'mx-a.multi.example', reason: 'queryA ETIMEOUT mx-a.multi.example' }]);
    });

    it('gives a temporary refusal, not a bounce, when no host resolved and one lookup failed', async () => {
      expect(await resolveMx(failing((n, t) => n === 'gone2.dead.example' && t === 'AAAA'), 'dead.example')).toMatchObject({
        ok: false, reason: 'dns-failure', temporary: true, status: '4.4.3',
      });
    });
  });
});
