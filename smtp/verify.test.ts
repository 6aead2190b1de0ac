import { authenticate, dkimSign, dkimVerify } from 'mailauth';
import { describe, expect, it } from 'vitest';
import { DnsError, asResolver, dkimRecordName, dkimRecordValue, generateDkimKeyPair, zoneTextResolver } from '../core/index.js';
import { MAX_DKIM_SIGNATURES, verifyDkim } from './dkim-verify.js';
import { dnsCache } from './dns-cache.js';
import { VerifyMemo } from './verify-memo.js';
import { checkedPart, dmarcAction, verifyInbound } from './verify.js';

describe('dmarcAction', () => {
  const always = () => 0;
  const never = () => 0.999;
  it('acts only on a failing evaluation, by policy', () => {
    expect(dmarcAction({ result: 'pass', policy: 'reject' }, always)).toBe('deliver');
    expect(dmarcAction({ result: 'none' }, always)).toBe('deliver');
    expect(dmarcAction({ result: 'fail', policy: 'reject' }, always)).toBe('reject');
    expect(dmarcAction({ result: 'fail', policy: 'quarantine' }, always)).toBe('junk');
    expect(dmarcAction({ result: 'fail', policy: 'none' }, always)).toBe('deliver');
    expect(dmarcAction({ result: 'temperror', policy: 'reject' }, always)).toBe('tempfail');
  });

  it('applies pct sampling: outside the sample, the next weaker treatment (RFC 7489 §6.6.4)', () => {
    expect(dmarcAction({ result: 'fail', policy: 'reject', pct: 50 }, () => 0.2)).toBe('reject');
    expect(dmarcAction({ result: 'fail', policy: 'reject', pct: 50 }, never)).toBe('junk');
    expect(dmarcAction({ result: 'fail', policy: 'quarantine', pct: '10' }, never)).toBe('deliver');
    expect(dmarcAction({ result: 'fail', policy: 'reject', pct: 0 }, always)).toBe('junk');
    expect(dmarcAction({ result: 'fail', policy: 'reject', pct: 100 }, never)).toBe('reject');
  });
});

describe('verifyInbound', () => {
  const resolver = zoneTextResolver('q.example TXT "v=spf1 -all"\n_dmarc.q.example TXT "v=DMARC1; p=quarantine"\n');
  it('returns the headers to prepend, the action and one word per method', async () => {
    const raw = Buffer.from('From: a@q.example\r\nSubject: x\r\n\r\nbody\r\n');
    const v = await verifyInbound(raw, { ip: '192.0.2.1', helo: 'client.q.example', sender: 'a@q.example', mta: 'mx.facteur.test', resolver });
    expect(v.action).toBe('junk');
    expect(v.dmarcDomain).toBe('q.example');
    expect(v.results).toEqual({ spf: 'fail', dkim: 'none', dmarc: 'fail', arc: 'none' });
    expect(v.headers).toMatch(/^Received-SPF: fail .*\r\nAuthentication-Results: mx\.facteur\.test;\r\n /s);
    expect(v.headers.endsWith('\r\n')).toBe(true);
  });
});

describe('what mailauth is given', () => {
  const plain = Buffer.from('From: a@q.example\r\nSubject: x\r\n\r\nbody\r\nmore body\r\n');

  it('is the header block alone for an unsigned message, and the whole of a signed one', () => {
    expect(checkedPart(plain).toString()).toBe('From: a@q.example\r\nSubject: x\r\n\r\n');
    for (const field of ['DKIM-Signature: v=1; d=q.example', 'ARC-Seal: i=1; cv=none', 'arc-message-signature: i=1', 'ARC-Authentication-Results: i=1; x']) {
      const signed = Buffer.from(`${field}\r\n${plain.toString()}`);
      expect(checkedPart(signed)).toBe(signed);
    }
    const noBody = Buffer.from('From: a@q.example\r\n\r\n');
    expect(checkedPart(noBody)).toBe(noBody);
    const noBlankLine = Buffer.from('From: a@q.example\r\n');
    expect(checkedPart(noBlankLine)).toBe(noBlankLine);
  });

  it('still catches a signed body changed in transit, and passes it untouched', async () => {
    const pair = await generateDkimKeyPair('ed25519');
    const key = { signingDomain: 'q.example', selector: 's1', privateKey: pair.privateKeyPem, algorithm: 'ed25519-sha256' };
    const raw = 'From: a@q.example\r\nTo: b@facteur.test\r\nSubject: x\r\n\r\nRendez-vous à 8 h 30.\r\n';
    const signed = (await dkimSign(raw, { ...key, signatureData: [key] })).signatures;
    const txt = dkimRecordValue('ed25519', pair.publicKey);
    const zone = zoneTextResolver('q.example TXT "v=spf1 ip4:192.0.2.1 -all"\n_dmarc.q.example TXT "v=DMARC1; p=reject"\n');
    const resolver = asResolver(async (name, rrtype) => (rrtype === 'TXT' && name === dkimRecordName('s1', 'q.example') ? [[txt]] : zone(name, rrtype)));
    const verify = (message: string) => verifyInbound(Buffer.from(signed + message), { ip: '192.0.2.9', helo: 'x', sender: 'a@q.example', mta: 'mx.facteur.test', resolver });
    const intact = await verify(raw);
    expect(intact.results).toMatchObject({ dkim: 'pass', dmarc: 'pass' });
    const tampered = await verify(raw.replace('8 h 30', '9 h 30'));
    expect(tampered.results.dkim).not.toBe('pass');
    expect(tampered.action).toBe('reject');
  });
});

describe('verifyDkim', () => {
  it(`checks the topmost ${MAX_DKIM_SIGNATURES} signatures of a message and leaves the others`, async () => {
    const pair = await generateDkimKeyPair('ed25519');
    const txt = dkimRecordValue('ed25519', pair.publicKey);
    const resolver = asResolver(async (name, rrtype) => {
      if (rrtype === 'TXT' && name.endsWith('._domainkey.q.example')) return [[txt]];
      throw new DnsError('ENOTFOUND', name, rrtype);
    });
    const keys = Array.from({ length: MAX_DKIM_SIGNATURES + 4 }, (_, i) => (
      { signingDomain: 'q.example', selector: `s${i}`, privateKey: pair.privateKeyPem, algorithm: 'ed25519-sha256' }));
    const raw = 'From: a@q.example\r\nSubject: x\r\n\r\nbonjour\r\n';
    const signed = Buffer.from((await dkimSign(raw, { ...keys[0], signatureData: keys })).signatures + raw);
    const topmost = [...signed.toString().matchAll(/s=(s\d+)/g)].map((m) => m[1]).slice(0, MAX_DKIM_SIGNATURES);
    const outcome = await verifyDkim(signed, { resolver });
    expect(outcome.results.map((r) => [r.selector, r.status.result])).toEqual(topmost.map((s) => [s, 'pass']));
  });
});

describe('a From: with several authors', () => {
  it('is judged once per author domain (mailauth judges none), and the strictest outcome decides', async () => {
    const zone = zoneTextResolver([
      'q.example TXT "v=spf1 ip4:192.0.2.1 -all"',
      '_dmarc.q.example TXT "v=DMARC1; p=reject"',
      '_dmarc.r.example TXT "v=DMARC1; p=quarantine"',
    ].join('\n'));
    const verify = (from: string, ip: string) => verifyInbound(Buffer.from(`From: ${from}\r\nSender: a@q.example\r\nSubject: x\r\n\r\nbonjour\r\n`),
      { ip, helo: 'x', sender: 'a@q.example', mta: 'mx.facteur.test', resolver: zone, random: () => 0 });
    // SPF passes for q.example, aligned: q.example passes, r.example fails (quarantine).
    const mixed = await verify('a@q.example, c@r.example, d@q.example', '192.0.2.1');
    expect(mixed.headers.match(/dmarc=\w+/g)).toEqual(['dmarc=pass', 'dmarc=fail']);
    expect(mixed).toMatchObject({ action: 'junk', dmarcDomain: 'r.example', results: { dmarc: 'fail' } });
    // From elsewhere, q.example fails too: its reject wins over r.example's quarantine.
    const forged = await verify('c@r.example, a@q.example', '198.51.100.1');
    expect(forged).toMatchObject({ action: 'reject', dmarcDomain: 'q.example' });
  });
});

describe('the checks as mailauth.authenticate() runs them', () => {
  it('give the same header text and outcome, with and without the memo', async () => {
    const pair = await generateDkimKeyPair('ed25519');
    const key = { signingDomain: 'q.example', selector: 's1', privateKey: pair.privateKeyPem, algorithm: 'ed25519-sha256' };
    const zone = zoneTextResolver([
      'q.example TXT "v=spf1 ip4:192.0.2.1 ~all"',
      '_dmarc.q.example TXT "v=DMARC1; p=reject; pct=50; sp=quarantine"',
      'r.example TXT "v=spf1 include:q.example -all"',
    ].join('\n'));
    const txt = dkimRecordValue('ed25519', pair.publicKey);
    const resolver = asResolver(async (name, rrtype) => (rrtype === 'TXT' && name === dkimRecordName('s1', 'q.example') ? [[txt]] : zone(name, rrtype)));
    const body = 'To: b@facteur.test\r\nSubject: x\r\n\r\nbonjour\r\n';
    const signed = async (m: string) => (await dkimSign(m, { ...key, signatureData: [key] })).signatures + m;
    const cases: Array<{ raw: string; ip: string; helo: string | false; sender: string }> = [
      { raw: `From: a@q.example\r\n${body}`, ip: '192.0.2.1', helo: 'mail.q.example', sender: 'a@q.example' },
      { raw: `From: a@q.example\r\n${body}`, ip: '192.0.2.7', helo: false, sender: '' },
      { raw: `From: a@sub.q.example\r\n${body}`, ip: '192.0.2.7', helo: '192.0.2.7', sender: 'a@r.example' },
      { raw: await signed(`From: a@q.example\r\n${body}`), ip: '198.51.100.1', helo: 'x', sender: 'bounce@elsewhere.example' },
      { raw: (await signed(`From: a@q.example\r\n${body}`)).replace('bonjour', 'bonsoir'), ip: '198.51.100.1', helo: 'x', sender: 'a@q.example' },
      { raw: `Subject: no from\r\n\r\nx\r\n`, ip: '2001:db8::1', helo: 'x', sender: 'a@q.example' },
      // Bodies and headers across mailauth's 64 KB chunks, a bare LF, forged ARC fields.
      { raw: await signed(`From: a@q.example\r\n${body}${'ligne de texte\r\n'.repeat(9000)}`), ip: '192.0.2.1', helo: 'x', sender: 'a@q.example' },
      { raw: await signed(`From: a@q.example\r\nX-Long: ${'y'.repeat(70_000)}\r\n${body}`), ip: '192.0.2.1', helo: 'x', sender: 'a@q.example' },
      { raw: await signed(`From: a@q.example\r\nX-Long: ${'y'.repeat(65_536 - 41)}\r\n${body}`), ip: '192.0.2.1', helo: 'x', sender: 'a@q.example' },
      { raw: await signed(`From: a@q.example\r\n${body}\nbare\n`), ip: '192.0.2.1', helo: 'x', sender: 'a@q.example' },
      { raw: `ARC-Seal: i=1; a=rsa-sha256; cv=none; d=q.example; s=s1; b=AAAA\r\nARC-Message-Signature: i=1; a=rsa-sha256; d=q.example; s=s1; h=from; bh=AAAA; b=AAAA\r\nARC-Authentication-Results: i=1; mx.q.example; spf=pass\r\nFrom: a@q.example\r\n${body}`, ip: '192.0.2.1', helo: 'x', sender: 'a@q.example' },
    ];
    const dns = dnsCache(resolver, { ttlMs: 60_000, maxEntries: 100 });
    const memo = new VerifyMemo(dns);
    for (const c of cases) {
      const input = { ip: c.ip, helo: c.helo, sender: c.sender, mta: 'mx.facteur.test', random: () => 0.9 };
      const expected = await authenticate(checkedPart(Buffer.from(c.raw)), {
        ip: c.ip, helo: c.helo || undefined, sender: c.sender || undefined, mta: 'mx.facteur.test', resolver, disableBimi: true,
      });
      const plain = await verifyInbound(Buffer.from(c.raw), { ...input, resolver });
      expect(plain.headers).toBe(expected.headers);
      const full = Buffer.from(c.raw);
      const stock = await dkimVerify(full, { resolver, sender: c.sender || undefined });
      const ours = await verifyDkim(full, { resolver, sender: c.sender || undefined });
      expect(JSON.stringify({ ...ours, arc: ours.arc })).toBe(JSON.stringify({ ...stock, arc: stock.arc }));
      for (let i = 0; i < 2; i++) {
        const memoized = await verifyInbound(Buffer.from(c.raw), { ...input, resolver: dns.resolver, memo });
        expect(memoized).toEqual(plain);
      }
    }
    expect(memo.size).toBeGreaterThan(0);
  });
});

describe('VerifyMemo', () => {
  it('reuses a result while its DNS answers are the ones served, and computes again after', async () => {
    let now = 0;
    let record = 'v=spf1 ip4:192.0.2.1 -all';
    const asked: string[] = [];
    const dns = dnsCache(asResolver(async (name, rrtype) => {
      asked.push(`${rrtype} ${name}`);
      return [[record]];
    }), { ttlMs: 5000, maxEntries: 100, now: () => now });
    const memo = new VerifyMemo(dns);
    let computed = 0;
    const evaluate = () => memo.get('k', async (r) => {
      computed++;
      return (await r('q.example', 'TXT'))[0][0] as string;
    });
    expect(await evaluate()).toBe('v=spf1 ip4:192.0.2.1 -all');
    expect(await evaluate()).toBe('v=spf1 ip4:192.0.2.1 -all');
    expect(computed).toBe(1);
    record = 'v=spf1 -all';
    now += 5001;
    expect(await evaluate()).toBe('v=spf1 -all');
    expect(computed).toBe(2);
    expect(asked).toEqual(['TXT q.example', 'TXT q.example']);
  });

  it('does not keep a result that read a failed lookup', async () => {
    let fail = true;
    const dns = dnsCache(asResolver(async (name, rrtype) => {
      if (fail) throw new DnsError('ETIMEOUT', name, rrtype);
      return [['v=spf1 -all']];
    }), { ttlMs: 5000, maxEntries: 100 });
    const memo = new VerifyMemo(dns);
    const evaluate = () => memo.get('k', (r) => r('q.example', 'TXT').then(() => 'answer', () => 'temperror'));
    expect(await evaluate()).toBe('temperror');
    fail = false;
    expect(await evaluate()).toBe('answer');
  });
});

describe('VerifyMemo and the clock', () => {
  it('does not keep a result read from a record that uses the %{t} macro', async () => {
    const dns = dnsCache(asResolver(async () => [['v=spf1 exists:%{t}.q.example -all']]), { ttlMs: 5000, maxEntries: 100 });
    const memo = new VerifyMemo(dns);
    let computed = 0;
    for (let i = 0; i < 2; i++) await memo.get('k', async (r) => { computed++; return r('q.example', 'TXT'); });
    expect(computed).toBe(2);
    expect(memo.size).toBe(0);
  });
});
