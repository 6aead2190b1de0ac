import { describe, expect, it } from 'vitest';
import { Invalid } from '../errors.js';
import { parseCalendarObject } from './index.js';
import {
  APPLE_WEEKLY, BARE_TZID_EVENT, DST_OVERNIGHT, FLOATING_EVENT, GOOGLE_ALL_DAY, GOOGLE_MULTI_DAY,
  OUTLOOK_EVENT, THUNDERBIRD_EVENT, event, todo,
} from './test-fixtures.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function invalid(text: string, reason: RegExp, options?: { maxBytes?: number }): void {
  let error: unknown;
  try { parseCalendarObject(text, options); } catch (err) { error = err; }
  expect(error).toBeInstanceOf(Invalid);
  expect((error as Error).message).toMatch(reason);
}

describe('parseCalendarObject: real client data', () => {
  it('reads a Thunderbird event with its VTIMEZONE, organizer and attendees', () => {
    const o = parseCalendarObject(THUNDERBIRD_EVENT);
    expect(o.uid).toBe('7f3c2b1e-0b7a-4f1c-9f6e-2b1c0d9e8a71');
    expect(o.componentType).toBe('VEVENT');
    expect(iso(o.firstStart)).toBe('2026-01-26T16:00:00.000Z');
    expect(iso(o.lastEnd)).toBe('2026-01-26T17:30:00.000Z');
    expect(o.organizer).toBe('claire.martin@college.example.fr');
    expect(o.summary).toBe('Conseil de classe 3e B');
    expect(o.attendees).toEqual([
      { address: 'paul.durand@college.example.fr', partstat: 'NEEDS-ACTION', name: 'Paul Durand' },
      { address: 'claire.martin@college.example.fr', partstat: 'ACCEPTED', name: 'Claire Martin' },
    ]);
  });

  it('spans every instance of an Apple weekly event across the DST change', () => {
    const o = parseCalendarObject(APPLE_WEEKLY);
    expect(iso(o.firstStart)).toBe('2026-03-09T08:00:00.000Z');
    // Last instance 13 Apr 09:00–10:00 CEST.
    expect(iso(o.lastEnd)).toBe('2026-04-13T08:00:00.000Z');
    expect(o.summary).toBe('Réunion pédagogique');
  });

  it('reads Google all-day events as whole UTC days', () => {
    const o = parseCalendarObject(GOOGLE_ALL_DAY);
    expect(iso(o.firstStart)).toBe('2026-05-01T00:00:00.000Z');
    expect(iso(o.lastEnd)).toBe('2026-05-02T00:00:00.000Z');
    const m = parseCalendarObject(GOOGLE_MULTI_DAY);
    expect(iso(m.lastEnd)).toBe('2026-05-04T00:00:00.000Z');
  });

  it('resolves an Outlook Windows TZID through its VTIMEZONE', () => {
    const o = parseCalendarObject(OUTLOOK_EVENT);
    expect(iso(o.firstStart)).toBe('2026-05-20T08:00:00.000Z');
    expect(iso(o.lastEnd)).toBe('2026-05-20T09:30:00.000Z');
    expect(o.summary).toBe("Conseil d'administration");
  });

  it('falls back to the IANA database for a TZID without VTIMEZONE', () => {
    const o = parseCalendarObject(BARE_TZID_EVENT);
    expect(iso(o.firstStart)).toBe('2026-03-10T13:00:00.000Z'); // EDT, not EST
    const moz = parseCalendarObject(BARE_TZID_EVENT.replace(/America\/New_York/g, '/mozilla.org/20050126_1/Europe/Paris'));
    expect(iso(moz.firstStart)).toBe('2026-03-10T08:00:00.000Z');
    const win = parseCalendarObject(BARE_TZID_EVENT.replace(/TZID=America\/New_York/g, 'TZID="W. Europe Standard Time"'));
    expect(iso(win.firstStart)).toBe('2026-03-10T08:00:00.000Z');
    const unknown = parseCalendarObject(BARE_TZID_EVENT.replace(/America\/New_York/g, 'Mars/Olympus_Mons'));
    expect(iso(unknown.firstStart)).toBe('2026-03-10T09:00:00.000Z'); // floating, read as UTC
  });

  it('computes the real length of an event spanning the DST change', () => {
    const o = parseCalendarObject(DST_OVERNIGHT);
    expect(iso(o.firstStart)).toBe('2026-03-28T21:00:00.000Z');
    expect(iso(o.lastEnd)).toBe('2026-03-29T02:00:00.000Z');
  });

  it('reads floating times as UTC', () => {
    const o = parseCalendarObject(FLOATING_EVENT);
    expect(iso(o.firstStart)).toBe('2026-04-01T10:00:00.000Z');
  });

  it('gives no end to an unbounded RRULE and a bounded span to UNTIL', () => {
    const open = parseCalendarObject(event('DTSTART:20260105T080000Z\nDURATION:PT1H\nRRULE:FREQ=WEEKLY;BYDAY=MO'));
    expect(iso(open.firstStart)).toBe('2026-01-05T08:00:00.000Z');
    expect(open.lastEnd).toBeNull();
    const until = parseCalendarObject(event('DTSTART:20260105T080000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY;UNTIL=20260109T080000Z'));
    expect(iso(until.lastEnd)).toBe('2026-01-09T09:00:00.000Z');
  });

  it('includes RDATEs and a DTSTART excluded by EXDATE', () => {
    const o = parseCalendarObject(event([
      'DTSTART:20260105T080000Z', 'DTEND:20260105T090000Z',
      'RDATE:20260301T080000Z', 'EXDATE:20260105T080000Z',
    ].join('\n')));
    expect(iso(o.firstStart)).toBe('2026-03-01T08:00:00.000Z');
    expect(iso(o.lastEnd)).toBe('2026-03-01T09:00:00.000Z');
  });

  it('reads to-dos: DUE only, no dates, DTSTART+DUE', () => {
    const due = parseCalendarObject(todo('DUE:20260410T150000Z'));
    expect(due.componentType).toBe('VTODO');
    expect(iso(due.firstStart)).toBe('2026-04-10T15:00:00.000Z');
    expect(iso(due.lastEnd)).toBe('2026-04-10T15:00:00.000Z');
    const none = parseCalendarObject(todo('STATUS:NEEDS-ACTION'));
    expect(none.firstStart).toBeNull();
    expect(none.lastEnd).toBeNull();
    const both = parseCalendarObject(todo('DTSTART:20260401T080000Z\nDUE:20260405T170000Z'));
    expect(iso(both.firstStart)).toBe('2026-04-01T08:00:00.000Z');
    expect(iso(both.lastEnd)).toBe('2026-04-05T17:00:00.000Z');
  });
});

describe('parseCalendarObject: invalid data', () => {
  it('refuses text that is not iCalendar', () => {
    invalid('hello world', /cannot be parsed|empty|not an iCalendar/);
    invalid('', /cannot be parsed|empty/);
    invalid('BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nEND:VCARD\r\n', /no VCALENDAR/);
  });

  it('refuses METHOD (RFC 4791 §4.1)', () => {
    invalid(THUNDERBIRD_EVENT.replace('VERSION:2.0', 'VERSION:2.0\r\nMETHOD:REQUEST'), /METHOD/);
  });

  it('refuses objects without component, with mixed types or different UIDs', () => {
    invalid('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n', /no VEVENT/);
    const mixed = THUNDERBIRD_EVENT.replace('END:VCALENDAR', 'BEGIN:VTODO\r\nUID:7f3c2b1e-0b7a-4f1c-9f6e-2b1c0d9e8a71\r\nDTSTAMP:20260101T000000Z\r\nEND:VTODO\r\nEND:VCALENDAR');
    invalid(mixed, /several component types/);
    const twoUids = APPLE_WEEKLY.replace(/UID:5E1B2A7C-3D4F-4A8B-9C0D-1E2F3A4B5C6D\r\nDTEND;TZID=Europe\/Paris:20260323/, 'UID:other\r\nDTEND;TZID=Europe/Paris:20260323');
    invalid(twoUids, /different UIDs/);
  });

  it('refuses a missing UID, two masters, duplicate overrides', () => {
    invalid(event('DTSTART:20260105T080000Z').replace(/UID:.*\r\n/, ''), /without UID/);
    const twoMasters = APPLE_WEEKLY.replace(/RECURRENCE-ID;TZID=Europe\/Paris:20260323T090000\r\n/, '');
    invalid(twoMasters, /without RECURRENCE-ID/);
    const dup = APPLE_WEEKLY.replace('END:VCALENDAR', APPLE_WEEKLY.slice(APPLE_WEEKLY.lastIndexOf('BEGIN:VEVENT')).replace('END:VCALENDAR\r\n', '') + 'END:VCALENDAR');
    invalid(dup, /same RECURRENCE-ID/);
  });

  it('refuses DTEND before DTSTART, DTEND with DURATION, no DTSTART', () => {
    invalid(event('DTSTART:20260105T090000Z\nDTEND:20260105T080000Z'), /DTEND is before DTSTART/);
    invalid(event('DTSTART:20260105T090000Z\nDTEND:20260105T100000Z\nDURATION:PT1H'), /both DTEND and DURATION/);
    invalid(event('SUMMARY:no start'), /without DTSTART/);
    invalid(todo('DTSTART:20260105T090000Z\nDUE:20260104T090000Z'), /DUE is before DTSTART/);
  });

  it('refuses an end past year 9999, however it is reached', () => {
    // Past what a Date holds: every reader of the stored object failed on it.
    invalid(event('DTSTART:20261201T100000Z\nDURATION:P99999999W'), /date out of range/);
    invalid(event('DTSTART:99991231T230000Z\nDURATION:PT2H'), /date out of range/);
    invalid(event('DTSTART;VALUE=DATE:99990101\nRRULE:FREQ=YEARLY;COUNT=2'), /date out of range/);
    expect(iso(parseCalendarObject(event('DTSTART:99991231T220000Z\nDURATION:PT1H')).lastEnd)).toBe('9999-12-31T23:00:00.000Z');
    expect(iso(parseCalendarObject(event('DTSTART;VALUE=DATE:99991231')).lastEnd)).toBe('+010000-01-01T00:00:00.000Z');
    expect(iso(parseCalendarObject(event('DTSTART:20261201T100000Z\nDURATION:P400000W')).lastEnd)).toBe('9693-01-20T10:00:00.000Z');
  });

  it('refuses malformed dates and rules', () => {
    invalid(event('DTSTART:20261345T250000Z'), /DTSTART|invalid/i);
    invalid(event('DTSTART:yesterday'), /DTSTART|invalid|parsed/i);
    invalid(event('DTSTART:20260105T090000Z\nRRULE:COUNT=3'), /FREQ|RRULE/);
    invalid(event('DTSTART:20260105T090000Z\nRRULE:FREQ=DAILY;COUNT=0'), /COUNT/);
    invalid(event('DTSTART:20260105T090000Z\nRRULE:FREQ=FOO'), /frequency|RRULE|parsed/i);
  });

  it('refuses oversized data, even when it was read before without a limit', () => {
    parseCalendarObject(THUNDERBIRD_EVENT);
    invalid(THUNDERBIRD_EVENT, /larger than 100 bytes/, { maxBytes: 100 });
  });
});
