import { describe, expect, test } from 'vitest';
import { parsePrefer } from './prefer.js';

describe('parsePrefer (RFC 7240)', () => {
  test('names are case-insensitive, values kept, parameters dropped', () => {
    expect([...parsePrefer('Return=minimal; foo="a;b", respond-async, wait=10')])
      .toEqual([['return', 'minimal'], ['respond-async', ''], ['wait', '10']]);
  });
  test('several headers are one list; the first of a repeated preference wins', () => {
    expect(parsePrefer(['return=minimal', 'return=representation']).get('return')).toBe('minimal');
    expect(parsePrefer('return=representation, return=minimal').get('return')).toBe('representation');
  });
  test('quoted values are unquoted, commas inside them do not split', () => {
    const p = parsePrefer('return="minimal", x="a,b\\"c", y');
    expect(p.get('return')).toBe('minimal');
    expect(p.get('x')).toBe('a,b"c');
    expect(p.get('y')).toBe('');
  });
  test('nothing, or garbage, gives no preferences', () => {
    expect(parsePrefer(undefined).size).toBe(0);
    expect(parsePrefer('').size).toBe(0);
    expect(parsePrefer('   ,  ,').size).toBe(0);
    expect(parsePrefer('return minimal, =x, "q"').size).toBe(0);
  });
});
