// When to try again after a temporary failure. The waits grow (a server that is down for
// maintenance is not hammered) and stop growing at a cap, so a message that finally can go
// does not wait a whole day; RFC 5321 §4.5.4.1 asks for at least 30 minutes between
// tries to one destination after the first few, and for giving up after 4-5 days.

const MINUTE = 60_000;

/** Wait after the 1st, 2nd, ... failed attempt; the last value repeats. */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [
  5 * MINUTE, 15 * MINUTE, 30 * MINUTE, 60 * MINUTE, 2 * 60 * MINUTE, 4 * 60 * MINUTE,
];

/** The wait after the `attempts`-th failed attempt (1-based). */
export function retryDelay(attempts: number, schedule: readonly number[] = DEFAULT_RETRY_SCHEDULE): number {
  if (schedule.length === 0) throw new Error('the retry schedule is empty');
  return schedule[Math.min(Math.max(attempts, 1), schedule.length) - 1];
}

/**
 * The next attempt after the `attempts`-th failure at `now`. It never falls after `expiresAt`
 * while the entry is still young, so the last try happens at the deadline rather than never;
 * once past it (the bounce could not be sent) the normal wait applies.
 */
export function nextAttemptAt(now: Date, attempts: number, expiresAt: Date, schedule?: readonly number[]): Date {
  const next = now.getTime() + retryDelay(attempts, schedule);
  if (now < expiresAt && next > expiresAt.getTime()) return new Date(expiresAt);
  return new Date(next);
}
