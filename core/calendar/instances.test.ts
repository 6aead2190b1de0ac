// The fast-forward of DAILY/WEEKLY rules (instances.ts) must give exactly the instances a
// full expansion from DTSTART gives in the window.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { componentInstances, instanceKey, mainComponents } from './instances.js';
import { PARIS_VTIMEZONE } from './test-fixtures.js';

function master(rule: string, start: string, extra = '') {
  const text = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', ...PARIS_VTIMEZONE.split('\n'),
    'BEGIN:VEVENT', `UID:${Math.random()}`, 'DTSTAMP:20190101T000000Z', start, 'DURATION:PT1H', `RRULE:${rule}`, ...extra.split('\n').filter(Boolean),
    'END:VEVENT', 'END:VCALENDAR', '',
  ].join('\r\n');
  const root = new ICAL.Component(ICAL.parse(text));
  return mainComponents(root)[0];
}

const overlapping = (starts: { start: number | null; end: number | null }[], from: number, until: number) =>
  starts.filter((i) => (i.end as number) > from && (i.start as number) < until).map((i) => new Date(i.start as number).toISOString());

const RULES = [
  'FREQ=WEEKLY',
  'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH',
  'FREQ=WEEKLY;BYDAY=TU',
  'FREQ=DAILY;INTERVAL=3',
  'FREQ=DAILY;BYDAY=MO,WE,FR;BYMONTH=1,2,3,9,10',
  'FREQ=DAILY;BYHOUR=8,14',
  'FREQ=WEEKLY;UNTIL=20270101T000000Z;WKST=SU;BYDAY=SU,SA',
  'FREQ=WEEKLY;INTERVAL=5',
];
const STARTS = ['DTSTART;TZID=Europe/Paris:20190304T090000', 'DTSTART;VALUE=DATE:20190301', 'DTSTART:20190305T233000Z'];
const WINDOWS: [string, string][] = [
  ['2026-03-20T00:00:00Z', '2026-04-10T00:00:00Z'],
  ['2026-10-20T00:00:00Z', '2026-11-05T00:00:00Z'],
  ['2019-03-01T00:00:00Z', '2019-03-20T00:00:00Z'],
  ['2026-12-28T00:00:00Z', '2027-01-04T00:00:00Z'],
];

describe('fast-forwarded expansion', () => {
  for (const rule of RULES) {
    it(`matches the full expansion for ${rule}`, () => {
      const exdate = 'EXDATE;TZID=Europe/Paris:20260323T090000';
      const lastEnd = Math.max(...WINDOWS.map(([, b]) => Date.parse(b)));
      for (const start of STARTS) {
        const full = componentInstances(master(rule, start, exdate), new Set(), lastEnd, null);
        for (const [a, b] of WINDOWS) {
          const from = Date.parse(a);
          const until = Date.parse(b);
          const fast = componentInstances(master(rule, start, exdate), new Set(), until, from);
          expect(overlapping(fast.instances, from, until)).toEqual(overlapping(full.instances, from, until));
        }
      }
    });
  }

  it('really skips the early instances of a long series', () => {
    const comp = master('FREQ=DAILY', 'DTSTART;TZID=Europe/Paris:20190304T090000');
    const from = Date.parse('2026-03-28T00:00:00Z');
    const fast = componentInstances(comp, new Set(), Date.parse('2026-04-01T00:00:00Z'), from);
    expect(fast.instances.length).toBeLessThan(20);
    expect(overlapping(fast.instances, from, Date.parse('2026-04-01T00:00:00Z'))).toEqual([
      '2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z', '2026-03-31T07:00:00.000Z',
    ]);
  });

  it('keeps overridden instances out', () => {
    const comp = master('FREQ=DAILY', 'DTSTART;TZID=Europe/Paris:20190304T090000');
    const key = instanceKey(ICAL.Time.fromDateTimeString('2026-03-30T07:00:00Z'));
    const fast = componentInstances(comp, new Set([key]), Date.parse('2026-04-01T00:00:00Z'), Date.parse('2026-03-29T12:00:00Z'));
    expect(fast.instances.map((i) => i.start)).not.toContain(key);
  });
});
