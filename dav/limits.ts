// What one user may make the DAV service keep or compute. Past these, a request is refused
// whole with the DAV error its RFC names; none is ever half applied.
import { MAX_INSTANCES } from '../core/calendar/index.js';

/** Instances one REPORT may hand out: expanded into calendar-data (CALDAV:expand, RFC 4791
 *  §9.6.5) or counted into a free-busy answer (§7.10). As many as one series may have
 *  (core's MAX_INSTANCES), so that a REPORT costs at most what one series already can; a
 *  school year of 30 weekly lessons is about 1,100. Past it: 403 with
 *  DAV:number-of-matches-within-limits (§7.8), and the client narrows its range. */
export const MAX_REPORT_INSTANCES = MAX_INSTANCES;

/** Dead properties on one collection, and their total size in bytes (names and values as
 *  stored). Clients keep a few (calendar order, refresh rate, a VTIMEZONE of a few KB):
 *  every PROPFIND allprop and home listing carries them. */
export const MAX_DEAD_PROPERTIES = 100;
export const MAX_DEAD_PROPERTY_BYTES = 64 * 1024;

/** Calendars, and separately address books, a user may make in their own home (group
 *  calendars and directory books are not theirs and do not count). */
export const MAX_COLLECTIONS_PER_HOME = 100;
