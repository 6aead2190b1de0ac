import { describe, expect, it } from 'vitest';
import { BoundedMap } from './bounded-map.js';

describe('BoundedMap', () => {
  it('drops the oldest key once one more is set', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2).set('c', 3);
    expect([...m.keys()]).toEqual(['b', 'c']);
    expect(m.get('a')).toBeUndefined();
  });

  it('setting a key it holds replaces the value and drops nothing', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2).set('a', 10);
    expect([...m.entries()]).toEqual([['a', 10], ['b', 2]]);
  });

  it('touch makes a key the newest, so that it is dropped last', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2).touch('a', 1).set('c', 3);
    expect([...m.keys()]).toEqual(['a', 'c']);
  });

  it('refuses a size that could hold nothing', () => {
    expect(() => new BoundedMap(0)).toThrow(RangeError);
    expect(() => new BoundedMap(Number.NaN)).toThrow(RangeError);
  });
});
