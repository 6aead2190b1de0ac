import { describe, expect, it } from 'vitest';
import { Slots } from './slots.js';

describe('Slots', () => {
  it('limits deliveries per domain and overall', () => {
    const slots = new Slots(3, 2);
    expect(slots.take('a.test')).toBe(true);
    expect(slots.take('a.test')).toBe(true);
    expect(slots.take('a.test')).toBe(false); // a.test is at its limit
    expect(slots.domainFull('a.test')).toBe(true);
    expect(slots.take('b.test')).toBe(true);
    expect(slots.take('c.test')).toBe(false); // every slot is taken
    expect(slots.used).toBe(3);
    slots.release('a.test');
    // The refused takes above kept nothing: one slot is free, and any domain under its limit may have it.
    expect(slots.free).toBe(1);
    expect(slots.take('c.test')).toBe(true);
    expect(slots.take('a.test')).toBe(false);
  });

  it('gives a slot back to the domain that held it', () => {
    const slots = new Slots(2, 1);
    expect(slots.take('a.test')).toBe(true);
    expect(slots.take('a.test')).toBe(false);
    slots.release('a.test');
    expect(slots.take('a.test')).toBe(true);
    expect(slots.free).toBe(1);
    expect(() => slots.release('b.test')).toThrow(/no slot held/);
  });
});
