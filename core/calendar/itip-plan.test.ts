import { describe, expect, it } from 'vitest';
import { Invalid } from '../errors.js';
import { planItip } from './itip-plan.js';

const ME = 'claire@college.test';

/** A stored event organized by `organizer` (none: null) with these attendee lines. */
function event(options: { organizer?: string | null; attendees?: string[]; summary?: string; start?: string; extra?: string[] } = {}): string {
  const organizer = options.organizer === undefined ? ME : options.organizer;
  return [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:plan-1@test', 'DTSTAMP:20260101T000000Z',
    `DTSTART:${options.start ?? '20260301T100000Z'}`, 'DTEND:20260301T110000Z', `SUMMARY:${options.summary ?? 'Conseil'}`,
    ...(organizer ? [`ORGANIZER:mailto:${organizer}`] : []),
    ...(options.attendees ?? []).map((a) => (a.includes(':') ? a : `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${a}`)),
    ...(options.extra ?? []), 'END:VEVENT', 'END:VCALENDAR', '',
  ].join('\r\n');
}

const summary = (steps: ReturnType<typeof planItip>) => steps.map((s) => [s.kind, s.itip.method, s.itip.recipients]);

describe('planItip', () => {
  it('a new event invites every attendee but the organizer', () => {
    expect(summary(planItip(ME, null, event({ attendees: ['paul@college.test', ME, 'anne@college.test'] }))))
      .toEqual([['invitation', 'REQUEST', ['paul@college.test', 'anne@college.test']]]);
  });

  it('the organizer is compared without case', () => {
    expect(summary(planItip('Claire@College.TEST', null, event({ attendees: ['paul@college.test'] })))).toHaveLength(1);
  });

  it('nothing for an event the user does not organize, or one without attendees', () => {
    const theirs = event({ organizer: 'boss@college.test', attendees: ['paul@college.test', ME] });
    expect(planItip(ME, null, theirs)).toEqual([]);
    expect(planItip(ME, theirs, theirs.replace('Conseil', 'Autre'))).toEqual([]);
    expect(planItip(ME, theirs, null)).toEqual([]);
    expect(planItip(ME, null, event({ organizer: null }))).toEqual([]);
    expect(planItip(ME, null, event({ attendees: [ME] }))).toEqual([]);
  });

  it('a significant change sends the update again; an answer or a new DTSTAMP does not', () => {
    const before = event({ attendees: ['paul@college.test'] });
    expect(summary(planItip(ME, before, event({ attendees: ['paul@college.test'], start: '20260301T093000Z' }))))
      .toEqual([['update', 'REQUEST', ['paul@college.test']]]);
    const answered = before.replace('PARTSTAT=NEEDS-ACTION;RSVP=TRUE', 'PARTSTAT=ACCEPTED');
    expect(planItip(ME, before, answered)).toEqual([]);
    expect(planItip(ME, before, before.replace('DTSTAMP:20260101T000000Z', 'DTSTAMP:20260202T000000Z'))).toEqual([]);
  });

  it('attendees taken off get CANCEL naming only them, before the update to those left', () => {
    const before = event({ attendees: ['paul@college.test', 'anne@college.test'] });
    const after = event({ attendees: ['Paul@College.test'], start: '20260301T093000Z' });
    const steps = planItip(ME, before, after);
    expect(summary(steps)).toEqual([['cancel', 'CANCEL', ['anne@college.test']], ['update', 'REQUEST', ['Paul@College.test']]]);
    expect(steps[0].itip.ics).not.toContain('paul@college.test');
    expect(steps[0].itip.ics).toContain('STATUS:CANCELLED');
  });

  it('taking every attendee off (ORGANIZER dropped with them) cancels for all of them', () => {
    const before = event({ attendees: ['paul@college.test', 'anne@college.test'] });
    expect(summary(planItip(ME, before, event({ organizer: null }))))
      .toEqual([['cancel', 'CANCEL', ['paul@college.test', 'anne@college.test']]]);
  });

  it('deleting the event cancels it for everyone', () => {
    expect(summary(planItip(ME, event({ attendees: ['paul@college.test', 'anne@college.test'] }), null)))
      .toEqual([['cancel', 'CANCEL', ['paul@college.test', 'anne@college.test']]]);
    expect(planItip(ME, event({}), null)).toEqual([]);
  });

  it('attendees scheduled by their own client get nothing', () => {
    const after = event({ attendees: ['ATTENDEE;SCHEDULE-AGENT=CLIENT:mailto:paul@college.test', 'anne@college.test'] });
    expect(summary(planItip(ME, null, after))).toEqual([['invitation', 'REQUEST', ['anne@college.test']]]);
  });

  it('data that is not a calendar object is Invalid', () => {
    expect(() => planItip(ME, null, 'BEGIN:VCARD\r\nEND:VCARD\r\n')).toThrow(Invalid);
  });
});
