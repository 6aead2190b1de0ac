import { dkimSign } from 'mailauth';
import { describe, expect, it } from 'vitest';
import { asResolver, dkimRecordName, dkimRecordValue, generateDkimKeyPair, zoneTextResolver } from '../core/index.js';
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
