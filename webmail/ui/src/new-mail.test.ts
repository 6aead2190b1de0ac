import { describe, expect, it } from 'vitest';
import { NewMailCounter } from './new-mail';

describe('NewMailCounter', () => {
  it('tells nothing at first, then what arrived between two answers', () => {
    const c = new NewMailCounter();
    expect(c.answer(c.next(), 10)).toEqual({ arrived: 0 });
    expect(c.answer(c.next(), 12)).toEqual({ arrived: 2 });
    expect(c.answer(c.next(), 11)).toEqual({ arrived: 0 }); // one deleted
    expect(c.answer(c.next(), 12)).toEqual({ arrived: 1 });
  });

  it('drops an answer that comes after a newer one: one arrival is told once', () => {
    const c = new NewMailCounter();
    c.answer(c.next(), 10);
    const a = c.next();
    const b = c.next();
    expect(c.answer(b, 11)).toEqual({ arrived: 1 });
    expect(c.answer(a, 10)).toBeNull();
    // Had the stale answer been applied, this one would announce the same message again.
    expect(c.answer(c.next(), 11)).toEqual({ arrived: 0 });
  });

  it('does not lose an arrival when two reloads answer in order with the same count', () => {
    const c = new NewMailCounter();
    c.answer(c.next(), 10);
    const a = c.next();
    const b = c.next();
    expect(c.answer(a, 11)).toEqual({ arrived: 1 });
    expect(c.answer(b, 11)).toEqual({ arrived: 0 });
  });

  it('counts across a newer answer that overtook an older one', () => {
    const c = new NewMailCounter();
    c.answer(c.next(), 10);
    const a = c.next(); // saw 11
    const b = c.next(); // saw 12
    expect(c.answer(b, 12)).toEqual({ arrived: 2 });
    expect(c.answer(a, 11)).toBeNull();
  });
});
