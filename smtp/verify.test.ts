import { describe, expect, it } from 'vitest';
import { zoneTextResolver } from '../core/index.js';
import { dmarcAction, verifyInbound } from './verify.js';

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
