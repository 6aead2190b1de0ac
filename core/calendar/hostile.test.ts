// Hostile calendar data must be refused or bounded: never hang, never crash.
// (A hang shows up as a test timeout; the limits are in limits.ts.)
import { describe, expect, it } from 'vitest';
import { Invalid } from '../errors.js';
import type { CompFilter } from './index.js';
import {
  InstanceBudget, MAX_INSTANCES, TooManyInstances, expandCalendarObject, freeBusy, listOccurrences, matchesCalendarQuery, parseCalendarObject, parseVCard,
} from './index.js';
import { event } from './test-fixtures.js';

const vevent = (start: string, end: string | null): CompFilter => ({
  name: 'VCALENDAR', isNotDefined: false, timeRange: null, propFilters: [],
  compFilters: [{ name: 'VEVENT', isNotDefined: false, timeRange: { start: new Date(start), end: end ? new Date(end) : null }, propFilters: [], compFilters: [] }],
});

describe('hostile recurrences', () => {
  it('caps a SECONDLY rule with a huge COUNT', { timeout: 10_000 }, () => {
    const flood = event('DTSTART:20260101T000000Z\nRRULE:FREQ=SECONDLY;COUNT=2000000000');
    const parsed = parseCalendarObject(flood);
    expect(parsed.firstStart?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(parsed.lastEnd).toBeNull(); // past the cap: treated as unbounded
    // Instances within the cap are found, those beyond it are not.
    expect(matchesCalendarQuery(flood, vevent('2026-01-01T01:00:00Z', '2026-01-01T01:00:01Z'))).toBe(true);
    // Instance number MAX_INSTANCES starts MAX_INSTANCES - 1 seconds after DTSTART; the next one is cut.
    const nth = (n: number) => new Date(Date.UTC(2026, 0, 1) + (n - 1) * 1000).toISOString();
    expect(matchesCalendarQuery(flood, vevent(nth(MAX_INSTANCES), nth(MAX_INSTANCES + 1)))).toBe(true);
    expect(matchesCalendarQuery(flood, vevent(nth(MAX_INSTANCES + 1), nth(MAX_INSTANCES + 2)))).toBe(false);
    const expanded = expandCalendarObject(flood, { start: new Date('2026-01-01T00:00:00Z'), end: new Date('2026-01-01T00:00:05Z') });
    expect(expanded.match(/BEGIN:VEVENT/g)?.length).toBe(5);
  });

  it('refuses rules that can never produce their next instance', { timeout: 10_000 }, () => {
    expect(() => parseCalendarObject(event('DTSTART:20260101T060000Z\nRRULE:FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30'))).toThrow(Invalid);
    expect(() => parseCalendarObject(event('DTSTART:20260101T060000Z\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30'))).toThrow(Invalid);
    const stored = event('DTSTART:20260101T060000Z\nRRULE:FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=31');
    expect(matchesCalendarQuery(stored, vevent('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'))).toBe(false);
    expect(listOccurrences([{ name: 'x', data: stored }], { start: new Date('2026-01-01T00:00:00Z'), end: new Date('2026-02-01T00:00:00Z') })).toEqual([]);
  });

  it('caps an unbounded yearly rule at the year limit and stays quick for far ranges', { timeout: 10_000 }, () => {
    const yearly = event('DTSTART;VALUE=DATE:20000101\nRRULE:FREQ=YEARLY');
    expect(matchesCalendarQuery(yearly, vevent('2090-01-01T00:00:00Z', '2090-01-02T00:00:00Z'))).toBe(true);
    expect(matchesCalendarQuery(yearly, vevent('2200-01-01T00:00:00Z', '2200-01-02T00:00:00Z'))).toBe(false);
    const secondly = event('DTSTART:20260101T000000Z\nRRULE:FREQ=SECONDLY');
    expect(matchesCalendarQuery(secondly, vevent('2090-01-01T00:00:00Z', null))).toBe(false);
    expect(freeBusy([secondly], { start: new Date('2026-01-01T00:00:00Z'), end: new Date('2026-01-01T00:00:10Z') }))
      .toContain('FREEBUSY');
  });

  it('a budget shared by several expansions or free-busy answers bounds them together', () => {
    // 100 one-second instances from midnight.
    const burst = event('DTSTART:20260101T000000Z\nDTEND:20260101T000001Z\nRRULE:FREQ=SECONDLY;COUNT=100');
    const all = { start: new Date('2026-01-01T00:00:00Z'), end: new Date('2026-01-02T00:00:00Z') };
    const firstFifty = { start: new Date('2026-01-01T00:00:00Z'), end: new Date('2026-01-01T00:00:50Z') };
    const budget = new InstanceBudget(150);
    expect(expandCalendarObject(burst, all, budget).match(/BEGIN:VEVENT/g)).toHaveLength(100);
    expect(() => expandCalendarObject(burst, all, budget)).toThrow(TooManyInstances);
    // A refused call takes nothing: 50 still fit, then nothing.
    expect(expandCalendarObject(burst, firstFifty, budget).match(/BEGIN:VEVENT/g)).toHaveLength(50);
    expect(() => expandCalendarObject(burst, firstFifty, budget)).toThrow(TooManyInstances);
    expect(expandCalendarObject(burst, all).match(/BEGIN:VEVENT/g)).toHaveLength(100);

    expect(() => freeBusy([burst, burst], all, new Date(), new InstanceBudget(150))).toThrow(TooManyInstances);
    expect(freeBusy([burst], all, new Date(), new InstanceBudget(100))).toContain('FREEBUSY:20260101T000000Z/20260101T000140Z');
  });

  it('refuses a VTIMEZONE with a non-yearly rule instead of expanding it for ever', { timeout: 10_000 }, () => {
    const tz = [
      'BEGIN:VTIMEZONE', 'TZID:Evil/Zone', 'BEGIN:STANDARD', 'DTSTART:19700101T000000',
      'RRULE:FREQ=SECONDLY', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0100', 'END:STANDARD', 'END:VTIMEZONE', '',
    ].join('\n');
    const data = event('DTSTART;TZID=Evil/Zone:20260101T100000\nDTEND;TZID=Evil/Zone:20260101T110000', 'evil@x', tz);
    expect(() => parseCalendarObject(data)).toThrow(/yearly/);
    expect(matchesCalendarQuery(data, vevent('2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'))).toBe(false);
  });
});

describe('hostile structure', () => {
  it('refuses deep nesting and too many components', () => {
    const deep = 'BEGIN:VCALENDAR\r\n' + 'BEGIN:X-A\r\n'.repeat(200) + 'END:X-A\r\n'.repeat(200) + 'END:VCALENDAR\r\n';
    expect(() => parseCalendarObject(deep)).toThrow(/nests/);
    const many = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\n' + 'BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260101T000000Z\r\nEND:VEVENT\r\n'.repeat(3000) + 'END:VCALENDAR\r\n';
    expect(() => parseCalendarObject(many)).toThrow(/more than/);
    expect(() => parseVCard('BEGIN:VCARD\r\n' + 'BEGIN:VCARD\r\n'.repeat(50))).toThrow(Invalid);
  });

  it('refuses truncated and binary input without crashing', () => {
    const samples = ['BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n', '\u0000\u0001\u0002', 'BEGIN:VCALENDAR\r\nEND:VEVENT\r\n', ':::\r\n;;;', 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART;TZID=:20260101T000000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n'];
    for (const s of samples) {
      try {
        parseCalendarObject(s);
      } catch (err) {
        expect(err).toBeInstanceOf(Invalid);
      }
      expect(typeof matchesCalendarQuery(s, vevent('2026-01-01T00:00:00Z', null))).toBe('boolean');
    }
  });

  it('refuses an EXDATE or RDATE with impossible dates', () => {
    expect(() => parseCalendarObject(event('DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY;COUNT=3\nEXDATE:20260230T000000Z'))).toThrow(Invalid);
    expect(() => parseCalendarObject(event('DTSTART:20260101T000000Z\nRDATE:2026010T000000Z'))).toThrow(Invalid);
  });
});

describe('mutated real data', () => {
  // Deterministic mutations of the fixtures: drop, duplicate or corrupt lines. Every entry
  // point must either work or throw Invalid, and the query functions must never throw.
  it('never crashes with anything but Invalid', { timeout: 30_000 }, async () => {
    const fixtures = await import('./test-fixtures.js');
    const sources = [fixtures.THUNDERBIRD_EVENT, fixtures.APPLE_WEEKLY, fixtures.OUTLOOK_EVENT, fixtures.GOOGLE_ALL_DAY, fixtures.todo('DTSTART:20260401T080000Z\nDUE:20260405T170000Z\nRRULE:FREQ=DAILY;COUNT=4')];
    let seed = 42;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    const junk = ['', ':', ';', 'X', '99999999T999999Z', 'FREQ=SECONDLY', '-P1D', 'BEGIN:VEVENT', 'END:VCALENDAR', '\u0000', 'TZID=Europe/Paris'];
    const r = { start: new Date('2026-01-01T00:00:00Z'), end: new Date('2026-06-01T00:00:00Z') };
    for (let i = 0; i < 400; i++) {
      const lines = sources[rand(sources.length)].split('\r\n');
      const at = rand(lines.length);
      switch (rand(4)) {
        case 0: lines.splice(at, 1); break;
        case 1: lines.splice(at, 0, lines[rand(lines.length)]); break;
        case 2: lines[at] = lines[at].slice(0, rand(lines[at].length + 1)) + junk[rand(junk.length)]; break;
        default: lines[at] = lines[at].replace(/\d/g, () => String(rand(10))); break;
      }
      const text = lines.join('\r\n');
      for (const run of [() => parseCalendarObject(text), () => expandCalendarObject(text, r)]) {
        try { run(); } catch (err) {
          if (!(err instanceof Invalid)) throw new Error(`mutation ${i} threw ${String(err)}\n${text}`);
        }
      }
      expect(typeof matchesCalendarQuery(text, vevent('2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z'))).toBe('boolean');
      expect(freeBusy([text], r)).toContain('BEGIN:VFREEBUSY');
      expect(Array.isArray(listOccurrences([{ name: 'x', data: text }], r))).toBe(true);
    }
  });
});
