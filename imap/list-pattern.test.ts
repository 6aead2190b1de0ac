import { describe, expect, it } from 'vitest';
import { compilePattern, MAX_PATTERN_LENGTH } from './list-pattern.js';
import { ParseError } from './protocol/cursor.js';

/** What the pattern means, written as the regular expression it used to be compiled to. */
function reference(pattern: string): RegExp {
  const source = [...pattern].map((c) => (c === '*' ? '.*' : c === '%' ? '[^/]*' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 'su');
}

describe('LIST patterns', () => {
  it('"*" matches anything, "%" anything but the separator, literals themselves', () => {
    const names = ['INBOX', 'INBOX/a', 'Archives', 'Archives/2024', 'Archives/2024/Q1', 'Arc', 'a.b', 'a+b', 'élève/été', '', 'x\ny', 'A/%/B'];
    const patterns = ['*', '%', 'Archives/%', 'Archives/*', 'Arc*', 'Arc%', '%/%', '*/*', '*2024*', '%2024', 'a.b', 'a*b', '%%', '*%*', 'élève/%', 'x*y', '', '*/', 'Archives%2024'];
    for (const p of patterns) {
      const m = compilePattern(p);
      for (const n of names) expect(m.test(n), `${p} ~ ${n}`).toBe(reference(p).test(n));
    }
  });

  it('INBOX in any case', () => {
    expect(compilePattern('inbox').test('INBOX')).toBe(true);
    expect(compilePattern('Inbox/%').test('INBOX/a')).toBe(true);
  });

  it('takes time in proportion to pattern and name, whatever the wildcards (a regular expression backtracked)', () => {
    const name = 'A'.repeat(1000);
    const start = performance.now();
    expect(compilePattern(`${'*A'.repeat(100)}x`).test(name)).toBe(false);
    expect(compilePattern(`${'*'.repeat(5000)}x`).test(name)).toBe(false);
    expect(compilePattern(`${'%'.repeat(50)}${'*A%'.repeat(60)}`).test(name)).toBe(true);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it(`refuses a pattern over ${MAX_PATTERN_LENGTH} characters (runs of wildcards counting as one)`, () => {
    expect(() => compilePattern('a'.repeat(MAX_PATTERN_LENGTH + 1))).toThrow(ParseError);
    expect(() => compilePattern('a'.repeat(MAX_PATTERN_LENGTH - 1) + '*'.repeat(10_000))).not.toThrow();
  });
});
