import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretSealer, loadOrCreateKey } from './totp-seal.js';

describe('TOTP secret sealing', () => {
  it('round-trips, binds the user, refuses tampering, passes old plain values through', () => {
    const sealer = new SecretSealer(randomBytes(32));
    const sealed = sealer.seal('JBSWY3DPEHPK3PXP', 'u1');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(sealer.seal('JBSWY3DPEHPK3PXP', 'u1')).not.toBe(sealed); // fresh IV each time
    expect(sealer.unseal(sealed, 'u1')).toBe('JBSWY3DPEHPK3PXP');
    expect(() => sealer.unseal(sealed, 'u2')).toThrow();
    expect(() => new SecretSealer(randomBytes(32)).unseal(sealed, 'u1')).toThrow();
    const parts = sealed.split('.');
    parts[2] = Buffer.from('X'.repeat(16)).toString('base64url');
    expect(() => sealer.unseal(parts.join('.'), 'u1')).toThrow();
    expect(sealer.unseal('JBSWY3DPEHPK3PXP', 'u1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('makes the key once, owner-only, and reads it back', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-seal-'));
    try {
      const file = path.join(dir, 'keys', 'totp.key');
      const key = loadOrCreateKey(file);
      expect(key).toHaveLength(32);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(loadOrCreateKey(file)).toEqual(key);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
