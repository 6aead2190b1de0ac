import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, matchTotp, newTotpSecret, totpCode, totpUri } from './totp.js';

// RFC 6238 Appendix B, SHA-1 seed "12345678901234567890"; 8-digit values, their last 6 digits
// are the 6-digit codes.
const SEED = Buffer.from('12345678901234567890', 'ascii');
const VECTORS: [number, string][] = [
  [59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'],
  [1234567890, '89005924'], [2000000000, '69279037'], [20000000000, '65353130'],
];

describe('TOTP', () => {
  it('matches the RFC 6238 test vectors', () => {
    for (const [t, code] of VECTORS) {
      expect(hotp(SEED, Math.floor(t / 30), 8)).toBe(code);
      expect(totpCode(base32Encode(SEED), t * 1000)).toBe(code.slice(2));
    }
  });

  it('matches RFC 4226 Appendix D HOTP values', () => {
    expect([0, 1, 2, 9].map((c) => hotp(SEED, c))).toEqual(['755224', '287082', '359152', '520489']);
  });

  it('round-trips base32 and makes 160-bit secrets', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI'); // RFC 4648 §10
    expect(base32Decode('mzxw 6ytb-oi')).toEqual(Buffer.from('foobar'));
    const s = newTotpSecret();
    expect(s).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(s)).toHaveLength(20);
    expect(() => base32Decode('0189')).toThrow();
  });

  it('accepts one step either way and no further, and says which step', () => {
    const secret = newTotpSecret();
    const now = 1_800_000_000_000;
    const step = Math.floor(now / 30_000);
    expect(matchTotp(secret, totpCode(secret, now), now)).toBe(step);
    expect(matchTotp(secret, totpCode(secret, now - 30_000), now)).toBe(step - 1);
    expect(matchTotp(secret, totpCode(secret, now + 30_000), now)).toBe(step + 1);
    const far = totpCode(secret, now - 90_000);
    if (![-1, 0, 1].some((d) => totpCode(secret, now + d * 30_000) === far)) expect(matchTotp(secret, far, now)).toBeNull();
    expect(matchTotp(secret, 'abcdef', now)).toBeNull();
    expect(matchTotp(secret, '1234567', now)).toBeNull();
  });

  it('builds an otpauth URI', () => {
    expect(totpUri('ABC', 'alice@ecole.example', 'Facteur')).toBe('otpauth://totp/Facteur:alice%40ecole.example?secret=ABC&issuer=Facteur&algorithm=SHA1&digits=6&period=30');
  });
});
