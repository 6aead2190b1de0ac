import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { Invalid } from '../errors.js';
import { expandCalendarObject, freeBusy, listOccurrences } from './index.js';
import {
  APPLE_WEEKLY, DST_OVERNIGHT, GOOGLE_ALL_DAY, GOOGLE_MULTI_DAY, OUTLOOK_EVENT, THUNDERBIRD_EVENT, event,
} from './test-fixtures.js';

const range = (start: string, end: string) => ({ start: new Date(start), end: new Date(end) });

function components(text: string) {
  const root = new ICAL.Component(ICAL.parse(text));
  return { root, events: root.getAllSubcomponents('vevent') };
}

describe('expandCalendarObject (RFC 4791 §9.6.5)', () => {
  it('returns one UTC component per instance, with RECURRENCE-ID and no recurrence rules', () => {
    const out = expandCalendarObject(APPLE_WEEKLY, range('2026-03-01T00:00:00Z', '2026-05-01T00:00:00Z'));
    expect(out).not.toMatch(/RRULE|EXDATE|RDATE|VTIMEZONE|TZID/);
    expect(out).toMatch(/\r\n$/);
    const { events } = components(out);
    expect(events.map((e) => e.getFirstProperty('dtstart')!.toICALString())).toEqual([
      'DTSTART:20260309T080000Z',
      'DTSTART:20260323T130000Z',
      'DTSTART:20260330T070000Z',
      'DTSTART:20260406T070000Z',
      'DTSTART:20260413T070000Z',
    ]);
    expect(events.map((e) => e.getFirstProperty('recurrence-id')!.toICALString())).toEqual([
      'RECURRENCE-ID:20260309T080000Z',
      'RECURRENCE-ID:20260323T080000Z',
      'RECURRENCE-ID:20260330T070000Z',
      'RECURRENCE-ID:20260406T070000Z',
      'RECURRENCE-ID:20260413T070000Z',
    ]);
    expect(events.map((e) => e.getFirstProperty('dtend')!.toICALString())[2]).toBe('DTEND:20260330T080000Z');
    expect(events[1].getFirstPropertyValue('summary')).toBe('Réunion pédagogique (déplacée)');
    expect(events[0].getFirstPropertyValue('summary')).toBe('Réunion pédagogique');
    expect(events.every((e) => e.getFirstPropertyValue('uid') === '5E1B2A7C-3D4F-4A8B-9C0D-1E2F3A4B5C6D')).toBe(true);
    // The alarm stays with the instances of the master.
    expect(events[0].getAllSubcomponents('valarm')).toHaveLength(1);
  });

  it('keeps only the instances overlapping a half-open range', () => {
    const out = expandCalendarObject(APPLE_WEEKLY, range('2026-03-30T08:00:00Z', '2026-04-06T07:00:00Z'));
    expect(components(out).events).toHaveLength(0);
    const one = expandCalendarObject(APPLE_WEEKLY, range('2026-03-30T07:59:59Z', '2026-04-06T07:00:00Z'));
    expect(components(one).events.map((e) => e.getFirstProperty('dtstart')!.toICALString())).toEqual(['DTSTART:20260330T070000Z']);
  });

  it('converts a non-recurring zoned event to UTC without RECURRENCE-ID', () => {
    const out = expandCalendarObject(OUTLOOK_EVENT, range('2026-05-01T00:00:00Z', '2026-06-01T00:00:00Z'));
    const { events } = components(out);
    expect(events).toHaveLength(1);
    expect(events[0].getFirstProperty('dtstart')!.toICALString()).toBe('DTSTART:20260520T080000Z');
    expect(events[0].getFirstProperty('dtend')!.toICALString()).toBe('DTEND:20260520T093000Z');
    expect(events[0].hasProperty('recurrence-id')).toBe(false);
    expect(out).not.toContain('Romance Standard Time');
  });

  it('keeps all-day dates as DATE values', () => {
    const out = expandCalendarObject(GOOGLE_ALL_DAY, range('2026-05-01T00:00:00Z', '2026-05-02T00:00:00Z'));
    expect(out).toContain('DTSTART;VALUE=DATE:20260501');
    expect(out).toContain('DTEND;VALUE=DATE:20260502');
  });

  it('refuses unreadable data with Invalid', () => {
    expect(() => expandCalendarObject('nonsense', range('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'))).toThrow(Invalid);
  });
});

describe('freeBusy (RFC 4791 §7.10)', () => {
  const tentative = event('DTSTART:20260126T163000Z\nDTEND:20260126T190000Z\nSTATUS:TENTATIVE', 'tentative@x');
  const cancelled = event('DTSTART:20260126T080000Z\nDTEND:20260126T090000Z\nSTATUS:CANCELLED', 'cancelled@x');
  const transparent = event('DTSTART:20260126T100000Z\nDTEND:20260126T110000Z\nTRANSP:TRANSPARENT', 'transp@x');
  const adjacent = event('DTSTART:20260126T173000Z\nDTEND:20260126T180000Z', 'adjacent@x');
  const overlapping = event('DTSTART:20260126T153000Z\nDTEND:20260126T161500Z', 'overlap@x');
  const vfreebusy = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', 'BEGIN:VFREEBUSY', 'UID:fb@x', 'DTSTAMP:20260101T000000Z',
    'FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20260126T120000Z/PT1H', 'FREEBUSY;FBTYPE=FREE:20260126T130000Z/PT1H',
    'END:VFREEBUSY', 'END:VCALENDAR', '',
  ].join('\r\n');

  it('merges busy periods per type, skips cancelled and transparent, clips to the range', () => {
    const out = freeBusy(
      [THUNDERBIRD_EVENT, tentative, cancelled, transparent, adjacent, overlapping, vfreebusy, 'garbage'],
      range('2026-01-26T00:00:00Z', '2026-01-26T18:30:00Z'),
      new Date('2026-01-20T00:00:00Z'),
    );
    const lines = out.split('\r\n');
    expect(lines).toContain('DTSTART:20260126T000000Z');
    expect(lines).toContain('DTEND:20260126T183000Z');
    expect(lines).toContain('DTSTAMP:20260120T000000Z');
    expect(lines.filter((l) => l.startsWith('FREEBUSY'))).toEqual([
      // 15:30–16:15 + 16:00–17:30 (Thunderbird) + 17:30–18:00 adjacent -> one period.
      'FREEBUSY:20260126T153000Z/20260126T180000Z',
      'FREEBUSY;FBTYPE=BUSY-TENTATIVE:20260126T163000Z/20260126T183000Z',
      'FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20260126T120000Z/20260126T130000Z',
    ]);
  });

  it('expands recurring events and answers an empty VFREEBUSY when nothing is busy', () => {
    const out = freeBusy([APPLE_WEEKLY], range('2026-03-30T00:00:00Z', '2026-04-07T00:00:00Z'));
    expect(out.split('\r\n').filter((l) => l.startsWith('FREEBUSY'))).toEqual([
      'FREEBUSY:20260330T070000Z/20260330T080000Z',
      'FREEBUSY:20260406T070000Z/20260406T080000Z',
    ]);
    const empty = freeBusy([GOOGLE_ALL_DAY], range('2026-05-01T00:00:00Z', '2026-05-02T00:00:00Z'));
    expect(empty).toContain('BEGIN:VFREEBUSY');
    expect(empty).not.toMatch(/^FREEBUSY/m);
  });
});

describe('listOccurrences', () => {
  it('lists instances of several objects in start order', () => {
    const occ = listOccurrences([
      { name: 'weekly.ics', data: APPLE_WEEKLY },
      { name: 'night.ics', data: DST_OVERNIGHT },
      { name: 'holidays.ics', data: GOOGLE_MULTI_DAY },
      { name: 'broken.ics', data: 'BEGIN:VCALENDAR' },
    ], range('2026-03-28T00:00:00Z', '2026-04-20T00:00:00Z'));
    expect(occ.map((o) => [o.name, o.start.toISOString(), o.end.toISOString(), o.allDay, o.recurrenceId])).toEqual([
      ['night.ics', '2026-03-28T21:00:00.000Z', '2026-03-29T02:00:00.000Z', false, null],
      ['weekly.ics', '2026-03-30T07:00:00.000Z', '2026-03-30T08:00:00.000Z', false, '20260330T070000Z'],
      ['weekly.ics', '2026-04-06T07:00:00.000Z', '2026-04-06T08:00:00.000Z', false, '20260406T070000Z'],
      ['weekly.ics', '2026-04-13T07:00:00.000Z', '2026-04-13T08:00:00.000Z', false, '20260413T070000Z'],
      ['holidays.ics', '2026-04-18T00:00:00.000Z', '2026-05-04T00:00:00.000Z', true, null],
    ]);
    expect(occ[1].summary).toBe('Réunion pédagogique');
    expect(occ[1].uid).toBe('5E1B2A7C-3D4F-4A8B-9C0D-1E2F3A4B5C6D');
  });

  it('leaves cancelled instances out', () => {
    const cancelledOverride = THUNDERBIRD_EVENT.replace('SEQUENCE:0', 'SEQUENCE:1\r\nSTATUS:CANCELLED');
    expect(listOccurrences([{ name: 'a', data: cancelledOverride }], range('2026-01-26T00:00:00Z', '2026-01-27T00:00:00Z'))).toEqual([]);
    expect(listOccurrences([{ name: 'a', data: THUNDERBIRD_EVENT }], range('2026-01-26T00:00:00Z', '2026-01-27T00:00:00Z'))).toHaveLength(1);
  });
});
