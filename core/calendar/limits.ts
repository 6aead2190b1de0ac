// Bounds that keep hostile calendar data from hanging or exhausting the server.

/**
 * Recurrence expansion stops after this many instances of one series. An RRULE with
 * COUNT=10000000 or FREQ=SECONDLY therefore costs bounded time; instances beyond the cap
 * are treated as if they did not exist (they cannot match a time-range and are not
 * expanded). 10,000 covers a daily event for ~27 years and costs ~0.2 s of CPU at worst.
 */
export const MAX_INSTANCES = 10_000;

/**
 * Expansion also stops at this many years after the first instance: a yearly rule
 * reaches it before the instance cap, and lastEnd then becomes null (unbounded).
 */
export const MAX_YEARS = 100;

/** Default size limit for validating one calendar object / vCard when the caller gives none. */
export const MAX_CALENDAR_BYTES = 1024 * 1024;

/**
 * Limit when reading stored data back (queries, expand, free-busy, iTIP): it was checked
 * against the configured dav.maxResourceBytes (at most 100 MiB) when it was written.
 */
export const MAX_STORED_BYTES = 128 * 1024 * 1024;

/** Maximum nesting of BEGIN blocks: VCALENDAR > VEVENT > VALARM is 3; anything past this is hostile. */
export const MAX_DEPTH = 8;

/** Maximum number of components (events, overrides, timezones...) in one object. */
export const MAX_COMPONENTS = 2_000;

/** Thrown when an InstanceBudget would be overdrawn. */
export class TooManyInstances extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} instances`);
  }
}

/**
 * Instances a caller lets several calls hand out together (one CalDAV REPORT expanding
 * many objects): MAX_INSTANCES bounds one series, not how many series one request walks.
 * Charged before the costly work (copying each instance into its own component).
 */
export class InstanceBudget {
  private left: number;

  constructor(readonly limit: number) {
    this.left = limit;
  }

  /** Takes `n` instances, or throws TooManyInstances and takes none. */
  take(n: number): void {
    if (n > this.left) throw new TooManyInstances(this.limit);
    this.left -= n;
  }
}
