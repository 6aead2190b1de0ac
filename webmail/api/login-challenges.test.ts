import { describe, expect, it } from 'vitest';
import { LoginChallenges, MAX_CODE_TRIES } from './login-challenges.js';

describe('login challenges', () => {
  it('name their user for five minutes, a few wrong codes, and once', () => {
    let now = 1_000_000;
    const c = new LoginChallenges(() => now);
    const a = c.create('u1');
    const b = c.create('u2');
    expect(a).not.toBe(b);
    expect(c.peek(a)).toBe('u1');
    expect(c.peek('made-up')).toBeNull();
    expect(c.peek(42)).toBeNull();
    for (let i = 1; i < MAX_CODE_TRIES; i++) expect(c.failed(a)).toBe(MAX_CODE_TRIES - i);
    expect(c.peek(a)).toBe('u1');
    expect(c.failed(a)).toBe(0);
    expect(c.peek(a)).toBeNull();
    c.consume(b);
    expect(c.peek(b)).toBeNull();
    const d = c.create('u3');
    now += 5 * 60_000 - 1;
    expect(c.peek(d)).toBe('u3');
    now += 1;
    expect(c.peek(d)).toBeNull();
  });
});
