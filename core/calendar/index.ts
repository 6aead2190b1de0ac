// core/calendar: pure iCalendar (RFC 5545) and vCard (RFC 6350 / 2426) logic used by
// CalDAV/CardDAV (dav/) and the webmail agenda. No I/O here.
//
// - parseCalendarObject(text, { maxBytes }): validate a PUT body (throws Invalid with the
//   reason), and get what the store indexes (uid, type, span of all instances, organizer,
//   attendees, summary). See object.ts for how to pre-filter on firstStart/lastEnd.
// - matchesCalendarQuery(text, compFilter): RFC 4791 §9.7/§9.9. Never throws; unreadable
//   data does not match.
// - expandCalendarObject(text, range, budget?): CALDAV:expand (§9.6.5). Throws Invalid, or
//   TooManyInstances past an InstanceBudget shared by the caller's calls (one REPORT).
// - freeBusy(texts, range, now?, budget?): one VCALENDAR/VFREEBUSY (§7.10). Unreadable
//   objects are skipped; TooManyInstances past the budget.
// - listOccurrences(items, range): VEVENT instances for the webmail agenda.
// - parseVCard / matchesAddressbookQuery / buildVCard: CardDAV (RFC 6352) and the directory.
// - buildItipMessage / applyItipReply: iTIP REQUEST/CANCEL to send by mail, REPLY received.
// - planItip: which REQUEST/CANCEL an organizer's save or delete sends (CalDAV and webmail).
//
// Time zones: a TZID is read from the object's own VTIMEZONE; without one, from the IANA
// database when the TZID is (or ends with) an IANA name or is a common Windows name.
// Floating times and DATE values are read as UTC (there is no per-calendar time zone yet).
// Recurrences are expanded up to MAX_INSTANCES instances / MAX_YEARS years (limits.ts).
// Parsed objects are cached by text (bounded), so repeated queries over a collection are cheap.
export type { TimeRange, TextMatch, ParamFilter, PropFilter, CompFilter, CardFilter } from './filters.js';
export type { ParsedCalendarObject, CalendarAttendee, ParsedVCard, VCardInput, Occurrence } from './types.js';
export { parseCalendarObject } from './object.js';
export { matchesCalendarQuery } from './query.js';
export { expandCalendarObject } from './expand.js';
export { freeBusy } from './freebusy.js';
export { listOccurrences } from './occurrences.js';
export { parseVCard, matchesAddressbookQuery, buildVCard } from './vcard.js';
export { buildItipMessage, applyItipReply, type ItipMessage, type ItipReplyResult } from './itip.js';
export { planItip, type ItipPlanStep } from './itip-plan.js';
export { MAX_INSTANCES, MAX_YEARS, MAX_CALENDAR_BYTES, InstanceBudget, TooManyInstances } from './limits.js';
