import { describe, expect, it } from 'vitest';
import type { CompFilter, ParamFilter, PropFilter, TextMatch } from './index.js';
import { matchesCalendarQuery, parseCalendarObject } from './index.js';
import {
  APPLE_WEEKLY, BARE_TZID_EVENT, DST_OVERNIGHT, FLOATING_EVENT, GOOGLE_ALL_DAY, OUTLOOK_EVENT,
  THUNDERBIRD_EVENT, event, todo,
} from './test-fixtures.js';

const d = (s: string | null) => (s === null ? null : new Date(s));

function comp(name: string, opts: Partial<CompFilter> = {}): CompFilter {
  return { name, isNotDefined: false, timeRange: null, propFilters: [], compFilters: [], ...opts };
}
function range(start: string | null, end: string | null) {
  return { start: d(start), end: d(end) };
}
function prop(name: string, opts: Partial<PropFilter> = {}): PropFilter {
  return { name, isNotDefined: false, timeRange: null, textMatches: [], paramFilters: [], test: 'anyof', ...opts };
}
function text(value: string, opts: Partial<TextMatch> = {}): TextMatch {
  return { value, collation: 'i;ascii-casemap', negate: false, matchType: 'contains', ...opts };
}
function param(name: string, opts: Partial<ParamFilter> = {}): ParamFilter {
  return { name, isNotDefined: false, textMatch: null, ...opts };
}
/** VCALENDAR > <type> with a time-range. */
function inRange(data: string, start: string | null, end: string | null, type = 'VEVENT'): boolean {
  return matchesCalendarQuery(data, comp('VCALENDAR', { compFilters: [comp(type, { timeRange: range(start, end) })] }));
}

describe('time-range on VEVENT (RFC 4791 §9.9)', () => {
  it('is half-open on a Thunderbird event 16:00Z–17:30Z', () => {
    expect(inRange(THUNDERBIRD_EVENT, '2026-01-26T16:00:00Z', '2026-01-26T16:30:00Z')).toBe(true);
    expect(inRange(THUNDERBIRD_EVENT, '2026-01-26T17:29:59Z', '2026-01-26T18:00:00Z')).toBe(true);
    expect(inRange(THUNDERBIRD_EVENT, '2026-01-26T17:30:00Z', '2026-01-26T18:00:00Z')).toBe(false);
    expect(inRange(THUNDERBIRD_EVENT, '2026-01-26T15:00:00Z', '2026-01-26T16:00:00Z')).toBe(false);
    expect(inRange(THUNDERBIRD_EVENT, '2026-01-26T15:00:00Z', '2026-01-26T16:00:01Z')).toBe(true);
    // A range around the event's wall time read as UTC (17:00–18:30Z) must not be required.
    expect(inRange(THUNDERBIRD_EVENT, '2026-01-26T17:45:00Z', '2026-01-26T18:30:00Z')).toBe(false);
  });

  it('accepts open-ended ranges', () => {
    expect(inRange(THUNDERBIRD_EVENT, null, '2026-01-26T16:00:01Z')).toBe(true);
    expect(inRange(THUNDERBIRD_EVENT, null, '2026-01-26T16:00:00Z')).toBe(false);
    expect(inRange(THUNDERBIRD_EVENT, '2026-01-26T17:29:00Z', null)).toBe(true);
    expect(inRange(THUNDERBIRD_EVENT, '2026-01-26T17:30:00Z', null)).toBe(false);
  });

  it('treats a DATE-TIME event without end as an instant: start <= DTSTART < end', () => {
    const instant = event('DTSTART:20260301T100000Z');
    expect(inRange(instant, '2026-03-01T10:00:00Z', '2026-03-01T10:00:01Z')).toBe(true);
    expect(inRange(instant, '2026-03-01T09:00:00Z', '2026-03-01T10:00:00Z')).toBe(false);
    expect(inRange(instant, '2026-03-01T10:00:01Z', '2026-03-01T11:00:00Z')).toBe(false);
    const zero = event('DTSTART:20260301T100000Z\nDURATION:PT0S');
    expect(inRange(zero, '2026-03-01T10:00:00Z', '2026-03-01T10:00:01Z')).toBe(true);
  });

  it('gives a DATE event without end one day', () => {
    const day = event('DTSTART;VALUE=DATE:20260301');
    expect(inRange(day, '2026-03-01T23:00:00Z', '2026-03-02T01:00:00Z')).toBe(true);
    expect(inRange(day, '2026-03-02T00:00:00Z', '2026-03-02T01:00:00Z')).toBe(false);
  });

  it('reads Google all-day events as [day, next day)', () => {
    expect(inRange(GOOGLE_ALL_DAY, '2026-05-01T23:59:00Z', '2026-05-02T01:00:00Z')).toBe(true);
    expect(inRange(GOOGLE_ALL_DAY, '2026-05-02T00:00:00Z', '2026-05-03T00:00:00Z')).toBe(false);
    expect(inRange(GOOGLE_ALL_DAY, '2026-04-30T00:00:00Z', '2026-05-01T00:00:00Z')).toBe(false);
  });

  it('uses Outlook, bare IANA and floating zones', () => {
    expect(inRange(OUTLOOK_EVENT, '2026-05-20T09:00:00Z', '2026-05-20T09:10:00Z')).toBe(true);
    expect(inRange(OUTLOOK_EVENT, '2026-05-20T09:30:00Z', '2026-05-20T10:00:00Z')).toBe(false);
    expect(inRange(BARE_TZID_EVENT, '2026-03-10T13:00:00Z', '2026-03-10T13:30:00Z')).toBe(true);
    expect(inRange(BARE_TZID_EVENT, '2026-03-10T14:00:00Z', '2026-03-10T15:00:00Z')).toBe(false);
    expect(inRange(FLOATING_EVENT, '2026-04-01T10:30:00Z', '2026-04-01T10:31:00Z')).toBe(true);
    expect(inRange(FLOATING_EVENT, '2026-04-01T11:00:00Z', '2026-04-01T12:00:00Z')).toBe(false);
  });

  it('measures an overnight event across the DST change in real time', () => {
    expect(inRange(DST_OVERNIGHT, '2026-03-29T01:30:00Z', '2026-03-29T01:45:00Z')).toBe(true);
    // Wall-clock arithmetic would end at 03:00Z.
    expect(inRange(DST_OVERNIGHT, '2026-03-29T02:00:00Z', '2026-03-29T03:00:00Z')).toBe(false);
  });
});

describe('time-range on a recurring event (RRULE, EXDATE, RECURRENCE-ID, DST)', () => {
  it('finds instances on both sides of the DST change', () => {
    expect(inRange(APPLE_WEEKLY, '2026-03-09T08:00:00Z', '2026-03-09T08:30:00Z')).toBe(true);
    // After 29 Mar 09:00 Paris is 07:00Z.
    expect(inRange(APPLE_WEEKLY, '2026-03-30T07:00:00Z', '2026-03-30T07:30:00Z')).toBe(true);
    expect(inRange(APPLE_WEEKLY, '2026-03-30T08:00:00Z', '2026-03-30T09:00:00Z')).toBe(false);
    expect(inRange(APPLE_WEEKLY, '2026-04-13T07:59:00Z', '2026-04-13T08:00:00Z')).toBe(true);
  });

  it('skips the EXDATE and the original slot of the overridden instance', () => {
    expect(inRange(APPLE_WEEKLY, '2026-03-16T00:00:00Z', '2026-03-17T00:00:00Z')).toBe(false);
    expect(inRange(APPLE_WEEKLY, '2026-03-23T08:00:00Z', '2026-03-23T09:00:00Z')).toBe(false);
    expect(inRange(APPLE_WEEKLY, '2026-03-23T13:00:00Z', '2026-03-23T13:01:00Z')).toBe(true);
  });

  it('stops after COUNT', () => {
    expect(inRange(APPLE_WEEKLY, '2026-04-20T00:00:00Z', '2026-04-21T00:00:00Z')).toBe(false);
    expect(inRange(APPLE_WEEKLY, '2026-04-14T00:00:00Z', null)).toBe(false);
  });

  it('checks prop-filters against the instance that overlaps (override vs master)', () => {
    const moved = (start: string, end: string) => matchesCalendarQuery(APPLE_WEEKLY, comp('VCALENDAR', {
      compFilters: [comp('VEVENT', {
        timeRange: range(start, end),
        propFilters: [prop('SUMMARY', { textMatches: [text('déplacée', { collation: 'i;unicode-casemap' })] })],
      })],
    }));
    expect(moved('2026-03-23T13:00:00Z', '2026-03-23T14:00:00Z')).toBe(true);
    expect(moved('2026-03-30T07:00:00Z', '2026-03-30T08:00:00Z')).toBe(false);
  });

  it('expands an unbounded daily RRULE far into the future and honours RDATE periods', () => {
    const daily = event('DTSTART:20260105T080000Z\nDTEND:20260105T090000Z\nRRULE:FREQ=DAILY');
    expect(inRange(daily, '2031-06-01T08:30:00Z', '2031-06-01T08:31:00Z')).toBe(true);
    expect(inRange(daily, '2031-06-01T09:00:00Z', '2031-06-02T08:00:00Z')).toBe(false);
    const rdate = event('DTSTART:20260105T080000Z\nDTEND:20260105T090000Z\nRDATE;VALUE=PERIOD:20260110T120000Z/PT3H');
    expect(inRange(rdate, '2026-01-10T14:30:00Z', '2026-01-10T14:31:00Z')).toBe(true);
    expect(inRange(rdate, '2026-01-10T15:00:00Z', '2026-01-10T16:00:00Z')).toBe(false);
  });

  it('extends a cached short expansion when a later query reaches further', () => {
    const weekly = event('DTSTART:20260105T080000Z\nDTEND:20260105T090000Z\nRRULE:FREQ=WEEKLY', 'cache-extend@x');
    expect(parseCalendarObject(weekly).lastEnd).toBeNull(); // expands only the first instance
    expect(inRange(weekly, '2026-01-12T08:00:00Z', '2026-01-12T08:01:00Z')).toBe(true);
    expect(inRange(weekly, '2027-01-04T08:00:00Z', '2027-01-04T08:01:00Z')).toBe(true);
    expect(inRange(weekly, '2027-01-05T08:00:00Z', '2027-01-05T08:01:00Z')).toBe(false);
    expect(inRange(weekly, '2026-01-19T08:30:00Z', '2026-01-19T08:31:00Z')).toBe(true);
  });

  it('applies an EXDATE given as DATE to a DATE-TIME series', () => {
    const daily = event('DTSTART:20260105T080000Z\nDTEND:20260105T090000Z\nRRULE:FREQ=DAILY;COUNT=5\nEXDATE;VALUE=DATE:20260107');
    expect(inRange(daily, '2026-01-07T00:00:00Z', '2026-01-08T00:00:00Z')).toBe(false);
    expect(inRange(daily, '2026-01-08T00:00:00Z', '2026-01-09T00:00:00Z')).toBe(true);
  });
});

describe('time-range on VTODO (§9.9 table)', () => {
  it('DUE only: start < DUE AND end >= DUE', () => {
    const t = todo('DUE:20260410T150000Z');
    expect(inRange(t, '2026-04-10T14:00:00Z', '2026-04-10T15:00:00Z', 'VTODO')).toBe(true);
    expect(inRange(t, '2026-04-10T15:00:00Z', '2026-04-10T16:00:00Z', 'VTODO')).toBe(false);
    expect(inRange(t, '2026-04-10T13:00:00Z', '2026-04-10T14:59:59Z', 'VTODO')).toBe(false);
  });

  it('no dates: always; CREATED only: end > CREATED; COMPLETED only: start <= COMPLETED <= end', () => {
    expect(inRange(todo('STATUS:NEEDS-ACTION'), '2000-01-01T00:00:00Z', '2000-01-02T00:00:00Z', 'VTODO')).toBe(true);
    const created = todo('CREATED:20260301T000000Z');
    expect(inRange(created, '2026-01-01T00:00:00Z', '2026-03-01T00:00:01Z', 'VTODO')).toBe(true);
    expect(inRange(created, '2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z', 'VTODO')).toBe(false);
    const completed = todo('COMPLETED:20260305T100000Z');
    expect(inRange(completed, '2026-03-05T10:00:00Z', '2026-03-06T00:00:00Z', 'VTODO')).toBe(true);
    expect(inRange(completed, '2026-03-04T00:00:00Z', '2026-03-05T10:00:00Z', 'VTODO')).toBe(true);
    expect(inRange(completed, '2026-03-05T10:00:01Z', '2026-03-06T00:00:00Z', 'VTODO')).toBe(false);
  });

  it('DTSTART + DUE and DTSTART + DURATION', () => {
    const both = todo('DTSTART:20260401T080000Z\nDUE:20260405T170000Z');
    expect(inRange(both, '2026-04-03T00:00:00Z', '2026-04-04T00:00:00Z', 'VTODO')).toBe(true);
    expect(inRange(both, '2026-04-05T17:00:00Z', '2026-04-06T00:00:00Z', 'VTODO')).toBe(false);
    expect(inRange(both, '2026-03-30T00:00:00Z', '2026-04-01T08:00:00Z', 'VTODO')).toBe(false);
    const dur = todo('DTSTART:20260401T080000Z\nDURATION:P1D');
    expect(inRange(dur, '2026-04-02T08:00:00Z', '2026-04-03T00:00:00Z', 'VTODO')).toBe(true);
    expect(inRange(dur, '2026-04-02T08:00:01Z', '2026-04-03T00:00:00Z', 'VTODO')).toBe(false);
    const start = todo('DTSTART:20260401T080000Z');
    expect(inRange(start, '2026-04-01T08:00:00Z', '2026-04-01T08:00:01Z', 'VTODO')).toBe(true);
    expect(inRange(start, '2026-04-01T08:00:01Z', '2026-04-02T00:00:00Z', 'VTODO')).toBe(false);
  });

  it('recurring to-do: each instance moves DTSTART and DUE', () => {
    const weekly = todo('DTSTART:20260406T080000Z\nDUE:20260406T100000Z\nRRULE:FREQ=WEEKLY;COUNT=3');
    expect(inRange(weekly, '2026-04-20T09:00:00Z', '2026-04-20T09:30:00Z', 'VTODO')).toBe(true);
    expect(inRange(weekly, '2026-04-27T09:00:00Z', '2026-04-27T09:30:00Z', 'VTODO')).toBe(false);
  });
});

describe('VALARM time-range', () => {
  const alarm = (data: string, start: string, end: string) => matchesCalendarQuery(data, comp('VCALENDAR', {
    compFilters: [comp('VEVENT', { compFilters: [comp('VALARM', { timeRange: range(start, end) })] })],
  }));
  it('fires 15 minutes before the Thunderbird event', () => {
    expect(alarm(THUNDERBIRD_EVENT, '2026-01-26T15:45:00Z', '2026-01-26T15:46:00Z')).toBe(true);
    expect(alarm(THUNDERBIRD_EVENT, '2026-01-26T15:40:00Z', '2026-01-26T15:45:00Z')).toBe(false);
    expect(alarm(THUNDERBIRD_EVENT, '2026-01-26T15:46:00Z', '2026-01-26T17:00:00Z')).toBe(false);
  });
  it('fires before every instance of a recurring event, in its zone', () => {
    expect(alarm(APPLE_WEEKLY, '2026-04-06T06:50:00Z', '2026-04-06T06:51:00Z')).toBe(true);
    expect(alarm(APPLE_WEEKLY, '2026-04-06T07:50:00Z', '2026-04-06T07:51:00Z')).toBe(false);
    // The override (23 Mar) has no VALARM and the master's 23 Mar instance is replaced.
    expect(alarm(APPLE_WEEKLY, '2026-03-23T07:50:00Z', '2026-03-23T07:51:00Z')).toBe(false);
  });
  it('honours RELATED=END, REPEAT and absolute triggers', () => {
    const data = event([
      'DTSTART:20260301T100000Z', 'DTEND:20260301T110000Z',
      'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:x', 'TRIGGER;RELATED=END:PT5M', 'REPEAT:2', 'DURATION:PT10M', 'END:VALARM',
    ].join('\n'));
    expect(alarm(data, '2026-03-01T11:25:00Z', '2026-03-01T11:26:00Z')).toBe(true);
    expect(alarm(data, '2026-03-01T11:26:00Z', '2026-03-01T11:35:00Z')).toBe(false);
    const abs = event('DTSTART:20260301T100000Z\nBEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:x\nTRIGGER;VALUE=DATE-TIME:20260228T180000Z\nEND:VALARM');
    expect(alarm(abs, '2026-02-28T18:00:00Z', '2026-02-28T18:00:01Z')).toBe(true);
    expect(alarm(abs, '2026-03-01T09:59:00Z', '2026-03-01T10:01:00Z')).toBe(false);
  });
});

describe('prop-filter, text-match and param-filter (§9.7.2–9.7.5)', () => {
  const q = (data: string, ...propFilters: PropFilter[]) =>
    matchesCalendarQuery(data, comp('VCALENDAR', { compFilters: [comp('VEVENT', { propFilters })] }));

  it('applies the collations', () => {
    expect(q(THUNDERBIRD_EVENT, prop('SUMMARY', { textMatches: [text('CONSEIL')] }))).toBe(true);
    expect(q(THUNDERBIRD_EVENT, prop('SUMMARY', { textMatches: [text('CONSEIL', { collation: 'i;octet' })] }))).toBe(false);
    expect(q(THUNDERBIRD_EVENT, prop('SUMMARY', { textMatches: [text('Conseil', { collation: 'i;octet' })] }))).toBe(true);
    // ascii-casemap folds only a-z; unicode-casemap folds É/é too.
    expect(q(APPLE_WEEKLY, prop('SUMMARY', { textMatches: [text('RÉUNION')] }))).toBe(false);
    expect(q(APPLE_WEEKLY, prop('SUMMARY', { textMatches: [text('RÉUNION', { collation: 'i;unicode-casemap' })] }))).toBe(true);
  });

  it('applies match types and negation', () => {
    const s = (t: TextMatch) => q(THUNDERBIRD_EVENT, prop('SUMMARY', { textMatches: [t] }));
    expect(s(text('conseil de classe 3e b', { matchType: 'equals' }))).toBe(true);
    expect(s(text('conseil', { matchType: 'equals' }))).toBe(false);
    expect(s(text('conseil', { matchType: 'starts-with' }))).toBe(true);
    expect(s(text('3e b', { matchType: 'starts-with' }))).toBe(false);
    expect(s(text('3e b', { matchType: 'ends-with' }))).toBe(true);
    expect(s(text('conseil', { negate: true }))).toBe(false);
    expect(s(text('cantine', { negate: true }))).toBe(true);
  });

  it('matches by UID with i;octet (RFC 4791 §7.8.6) and on multi-valued CATEGORIES', () => {
    expect(q(THUNDERBIRD_EVENT, prop('UID', { textMatches: [text('7f3c2b1e-0b7a-4f1c-9f6e-2b1c0d9e8a71', { collation: 'i;octet', matchType: 'equals' })] }))).toBe(true);
    expect(q(THUNDERBIRD_EVENT, prop('CATEGORIES', { textMatches: [text('réunion', { collation: 'i;unicode-casemap', matchType: 'equals' })] }))).toBe(true);
  });

  it('combines a text-match with a param-filter on the same ATTENDEE (RFC 4791 §7.8.7)', () => {
    const attendee = (who: string, partstat: string) => q(THUNDERBIRD_EVENT, prop('ATTENDEE', {
      textMatches: [text(who)],
      paramFilters: [param('PARTSTAT', { textMatch: text(partstat, { matchType: 'equals' }) })],
    }));
    expect(attendee('mailto:paul.durand@college.example.fr', 'NEEDS-ACTION')).toBe(true);
    expect(attendee('mailto:paul.durand@college.example.fr', 'ACCEPTED')).toBe(false);
    expect(attendee('mailto:claire.martin@college.example.fr', 'ACCEPTED')).toBe(true);
  });

  it('handles is-not-defined on components, properties and parameters', () => {
    expect(q(THUNDERBIRD_EVENT, prop('STATUS', { isNotDefined: true }))).toBe(true);
    expect(q(GOOGLE_ALL_DAY, prop('STATUS', { isNotDefined: true }))).toBe(false);
    expect(q(THUNDERBIRD_EVENT, prop('ATTENDEE', { paramFilters: [param('RSVP', { isNotDefined: true })] }))).toBe(true);
    expect(q(THUNDERBIRD_EVENT, prop('ORGANIZER', { paramFilters: [param('CN', { isNotDefined: true })] }))).toBe(false);
    const noAlarm = (data: string) => matchesCalendarQuery(data, comp('VCALENDAR', { compFilters: [comp('VEVENT', { compFilters: [comp('VALARM', { isNotDefined: true })] })] }));
    expect(noAlarm(THUNDERBIRD_EVENT)).toBe(false);
    expect(noAlarm(GOOGLE_ALL_DAY)).toBe(true);
    expect(matchesCalendarQuery(GOOGLE_ALL_DAY, comp('VCALENDAR', { compFilters: [comp('VTODO', { isNotDefined: true })] }))).toBe(true);
  });

  it('finds pending to-dos (RFC 4791 §7.8.9)', () => {
    const pending = (data: string) => matchesCalendarQuery(data, comp('VCALENDAR', { compFilters: [comp('VTODO', {
      propFilters: [prop('COMPLETED', { isNotDefined: true }), prop('STATUS', { textMatches: [text('CANCELLED', { negate: true })] })],
    })] }));
    expect(pending(todo('STATUS:NEEDS-ACTION'))).toBe(true);
    expect(pending(todo('STATUS:CANCELLED'))).toBe(false);
    expect(pending(todo('STATUS:COMPLETED\nCOMPLETED:20260301T000000Z'))).toBe(false);
  });

  it('applies a time-range to DTSTAMP and to an effective DTEND from DURATION', () => {
    expect(q(THUNDERBIRD_EVENT, prop('DTSTAMP', { timeRange: range('2026-01-10T10:16:22Z', '2026-01-10T10:16:23Z') }))).toBe(true);
    expect(q(THUNDERBIRD_EVENT, prop('DTSTAMP', { timeRange: range('2026-01-10T10:16:23Z', null) }))).toBe(false);
    const dur = event('DTSTART:20260301T100000Z\nDURATION:PT2H');
    expect(q(dur, prop('DTEND', { timeRange: range('2026-03-01T12:00:00Z', '2026-03-01T12:00:01Z') }))).toBe(true);
    expect(q(dur, prop('DTEND', { timeRange: range('2026-03-01T11:00:00Z', '2026-03-01T12:00:00Z') }))).toBe(false);
  });

  it('matches the calendar level and rejects other roots', () => {
    expect(matchesCalendarQuery(THUNDERBIRD_EVENT, comp('VCALENDAR'))).toBe(true);
    expect(matchesCalendarQuery(THUNDERBIRD_EVENT, comp('VCALENDAR', { isNotDefined: true }))).toBe(false);
    expect(matchesCalendarQuery(THUNDERBIRD_EVENT, comp('VCARD'))).toBe(false);
    expect(matchesCalendarQuery('garbage', comp('VCALENDAR'))).toBe(false);
  });
});
