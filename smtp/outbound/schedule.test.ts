import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE, nextAttemptAt, retryDelay } from './schedule.js';

const MINUTE = 60_000;

describe('retry schedule', () => {
  it('waits longer after each failure, then stays at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => retryDelay(n) / MINUTE)).toEqual([5, 15, 30, 60, 120, 240, 240, 240]);
    expect(DEFAULT_RETRY_SCHEDULE.every((d, i) => i === 0 || d > DEFAULT_RETRY_SCHEDULE[i - 1])).toBe(true);
  });

  it('follows a schedule given in options', () => {
    expect([1, 2, 3].map((n) => retryDelay(n, [100, 200]))).toEqual([100, 200, 200]);
    expect(() => retryDelay(1, [])).toThrow(/empty/);
  });

  it('puts the last attempt at the deadline rather than past it', () => {
    const now = new Date('2025-03-01T10:00:00Z');
    const far = new Date('2025-03-06T10:00:00Z');
    const soon = new Date('2025-03-01T10:02:00Z');
    expect(nextAttemptAt(now, 1, far)).toEqual(new Date('2025-03-01T10:05:00Z'));
    expect(nextAttemptAt(now, 1, soon)).toEqual(soon);
    // Already past it (the expiry bounce could not be sent): the normal wait, not a busy loop.
    const past = new Date('2025-03-01T09:00:00Z');
    expect(nextAttemptAt(now, 3, past)).toEqual(new Date('2025-03-01T10:30:00Z'));
  });
});
