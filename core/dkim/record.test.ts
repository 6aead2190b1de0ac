import { describe, expect, it } from 'vitest';
import { Invalid } from '../errors.js';
import { defaultSelector, dkimRecordName, dkimRecordValue, normalizeSelector, txtStrings } from './record.js';

describe('DKIM DNS record', () => {
  it('names the record <selector>._domainkey.<domain>', () => {
    expect(dkimRecordName('mail2025', 'ecole.example')).toBe('mail2025._domainkey.ecole.example');
  });

  it('writes the tags verifiers expect', () => {
    expect(dkimRecordValue('rsa', 'QUJD')).toBe('v=DKIM1; k=rsa; p=QUJD');
    expect(dkimRecordValue('ed25519', 'QUJD')).toBe('v=DKIM1; k=ed25519; p=QUJD');
  });

  it('splits long values into 255-octet strings that join back to the value', () => {
    const value = `v=DKIM1; k=rsa; p=${'A'.repeat(392)}`;
    const parts = txtStrings(value);
    expect(parts.map((p) => p.length)).toEqual([255, value.length - 255]);
    expect(parts.join('')).toBe(value);
    expect(txtStrings('short')).toEqual(['short']);
  });
});

describe('normalizeSelector', () => {
  it('accepts sub-domain selectors and lower-cases them', () => {
    expect(normalizeSelector('Mail2025')).toBe('mail2025');
    expect(normalizeSelector('2025.eu-west')).toBe('2025.eu-west');
  });

  it.each(['', 'a_b', '-abc', 'abc-', 'a..b', 'é', 'a b', 'x'.repeat(64)])('refuses %j', (bad) => {
    expect(() => normalizeSelector(bad)).toThrow(Invalid);
  });

  it('dates the default selector so a rotation gets a new one', () => {
    expect(defaultSelector(new Date('2025-06-02T10:00:00Z'))).toBe('facteur20250602');
    expect(normalizeSelector(defaultSelector())).toBe(defaultSelector());
  });
});
