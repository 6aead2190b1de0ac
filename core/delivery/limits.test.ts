import { describe, expect, it } from 'vitest';
import { SendingLimiter } from './limits.js';

describe('SendingLimiter', () => {
  it('allows perHour messages in any sliding hour, per user', () => {
    let now = 0;
    const limiter = new SendingLimiter(3, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take('u1'))).toEqual([true, true, true, false]);
    expect(limiter.take('u2')).toBe(true);
    now = 3599_999;
    expect(limiter.take('u1')).toBe(false);
    now = 3600_001;
    expect(limiter.take('u1')).toBe(true);
  });

  it('counts a batch at once, refusing it whole if it does not fit', () => {
    const limiter = new SendingLimiter(5, () => 0);
    expect(limiter.take('u', 4)).toBe(true);
    expect(limiter.take('u', 2)).toBe(false);
    expect(limiter.take('u', 1)).toBe(true);
  });

  it('has no limit at 0', () => {
    const limiter = new SendingLimiter(0);
    for (let i = 0; i < 1000; i++) expect(limiter.take('u')).toBe(true);
  });
});
