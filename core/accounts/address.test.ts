import { describe, expect, it } from 'vitest';
import { normalizeAddress, normalizeDomain } from './address.js';

describe('normalizeAddress', () => {
  it('lower-cases and converts the domain to its A-label', () => {
    expect(normalizeAddress(' Jean.Dupont@Ecole.FR ')).toBe('jean.dupont@ecole.fr');
    expect(normalizeAddress('prof@école.fr')).toBe('prof@xn--cole-9oa.fr');
  });
  it.each(['jean', '@ecole.fr', 'jean@', 'je an@ecole.fr', 'jean..d@ecole.fr', '.jean@ecole.fr', 'jean@ecole', 'jean@-ecole.fr', 'a"b@ecole.fr'])('refuses %s', (bad) => {
    expect(() => normalizeAddress(bad)).toThrow(/invalid address/);
  });
});

describe('normalizeDomain', () => {
  it('accepts a trailing dot and upper case', () => {
    expect(normalizeDomain('Ac-Exemple.FR.')).toBe('ac-exemple.fr');
  });
  it('refuses single labels and bad characters', () => {
    expect(() => normalizeDomain('localhost')).toThrow(/invalid domain/);
    expect(() => normalizeDomain('ex_ample.fr')).toThrow(/invalid domain/);
  });
});
