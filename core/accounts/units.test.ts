import { describe, expect, it } from 'vitest';
import type { Unit } from '../../storage/index.js';
import { UnitVisibility } from './units.js';

const unit = (name: string, parent: string | null, hidden = false): Unit => ({ name, parent, displayName: name, hidden });

describe('UnitVisibility', () => {
  const units = [
    unit('district', null), unit('college-a', 'district', true), unit('college-a-cdi', 'college-a'),
    unit('college-b', 'district'), unit('rased', 'college-a-cdi', true),
  ];
  const v = UnitVisibility.of(units);

  it('finds the nearest hidden unit at or above a unit', () => {
    expect(v.hidden).toEqual(['college-a', 'rased']);
    expect(v.hidingUnit('college-a-cdi')).toBe('college-a');
    expect(v.hidingUnit('rased')).toBe('rased');
    expect(v.hidingUnit('college-b')).toBeNull();
    expect(v.hidingUnit(null)).toBeNull();
    expect(v.hidingUnit('unknown')).toBeNull();
    expect(v.hiddenAround('rased')).toEqual(['rased', 'college-a']);
    expect(v.hiddenAround('college-b')).toEqual([]);
  });

  it('a hidden unit is seen from inside it only', () => {
    expect(v.sees('college-b', 'college-a')).toBe(false);
    expect(v.sees(null, 'college-a-cdi')).toBe(false);
    expect(v.sees('district', 'college-a')).toBe(false);
    expect(v.sees('college-a', 'college-a-cdi')).toBe(true);
    expect(v.sees('college-a-cdi', 'college-a')).toBe(true);
    expect(v.sees('college-a', 'rased')).toBe(false);
    expect(v.sees('rased', 'college-a')).toBe(true);
    expect(v.sees('college-a', 'college-b')).toBe(true);
    expect(v.sees('college-b', null)).toBe(true);
  });

  it('survives a loop in the parent links', () => {
    const loop = UnitVisibility.of([unit('x', 'y'), unit('y', 'x', true)]);
    expect(loop.hidingUnit('x')).toBe('y');
    expect(loop.sees('x', 'y')).toBe(true);
  });
});
