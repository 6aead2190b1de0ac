import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { Invalid } from '../errors.js';
import { applyItipReply, buildItipMessage, parseCalendarObject } from './index.js';
import { APPLE_WEEKLY, THUNDERBIRD_EVENT } from './test-fixtures.js';

function reply(props: string, uid = '7f3c2b1e-0b7a-4f1c-9f6e-2b1c0d9e8a71'): string {
  return [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN', 'METHOD:REPLY',
    'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260111T090000Z', 'DTSTART:20260126T160000Z',
    'ORGANIZER;CN=Claire Martin:mailto:claire.martin@college.example.fr', ...props.split('\n'),
    'END:VEVENT', 'END:VCALENDAR', '',
  ].join('\r\n');
}

const partstats = (data: string) => Object.fromEntries(
  new ICAL.Component(ICAL.parse(data)).getFirstSubcomponent('vevent')!.getAllProperties('attendee')
    .map((p) => [String(p.getFirstValue()), p.getFirstParameter('partstat')]),
);

describe('buildItipMessage (RFC 5546)', () => {
  it('builds a REQUEST for every attendee but the organizer', () => {
    const msg = buildItipMessage(THUNDERBIRD_EVENT, 'REQUEST');
    expect(msg.method).toBe('REQUEST');
    expect(msg.organizer).toBe('claire.martin@college.example.fr');
    expect(msg.recipients).toEqual(['paul.durand@college.example.fr']);
    expect(msg.summary).toBe('Conseil de classe 3e B');
    expect(msg.ics).toContain('METHOD:REQUEST\r\n');
    expect(msg.ics).toContain('BEGIN:VTIMEZONE');
    expect(msg.ics).toContain('DTSTART;TZID=Europe/Paris:20260126T170000');
    expect(msg.ics).toMatch(/\r\n$/);
    // The stored object itself stays free of METHOD.
    expect(() => parseCalendarObject(THUNDERBIRD_EVENT)).not.toThrow();
  });

  it('skips attendees scheduled by their own client and strips SCHEDULE-* parameters', () => {
    const data = THUNDERBIRD_EVENT.replace('ATTENDEE;CN=Paul Durand;', 'ATTENDEE;SCHEDULE-AGENT=CLIENT;CN=Paul Durand;')
      .replace('ATTENDEE;CN=Claire Martin;', 'ATTENDEE;SCHEDULE-STATUS=1.2;CN=Claire Martin;');
    const msg = buildItipMessage(data, 'REQUEST');
    expect(msg.recipients).toEqual([]);
    expect(msg.ics).not.toMatch(/SCHEDULE-(AGENT|STATUS)/);
  });

  it('builds a CANCEL with STATUS:CANCELLED and a higher SEQUENCE, optionally for some attendees', () => {
    const msg = buildItipMessage(THUNDERBIRD_EVENT, 'CANCEL');
    expect(msg.ics).toContain('METHOD:CANCEL\r\n');
    expect(msg.ics).toContain('STATUS:CANCELLED\r\n');
    expect(msg.ics).toContain('SEQUENCE:1\r\n');
    expect(msg.recipients).toEqual(['paul.durand@college.example.fr']);
    const removed = buildItipMessage(THUNDERBIRD_EVENT, 'CANCEL', ['mailto:Paul.Durand@college.example.fr']);
    expect(removed.recipients).toEqual(['paul.durand@college.example.fr']);
    expect(Object.keys(partstats(removed.ics))).toEqual(['mailto:paul.durand@college.example.fr']);
  });
});

describe('applyItipReply (RFC 5546 §3.2.3)', () => {
  it("updates the attendee's PARTSTAT in the organizer's copy", () => {
    const result = applyItipReply(THUNDERBIRD_EVENT, reply('ATTENDEE;PARTSTAT=ACCEPTED;CN=Paul Durand:mailto:paul.durand@college.example.fr'));
    expect(result.changed).toBe(true);
    expect(result.attendee).toBe('paul.durand@college.example.fr');
    expect(result.partstat).toBe('ACCEPTED');
    expect(partstats(result.data)).toEqual({
      'mailto:paul.durand@college.example.fr': 'ACCEPTED',
      'mailto:claire.martin@college.example.fr': 'ACCEPTED',
    });
    // Still a valid stored object, with its time zone.
    expect(parseCalendarObject(result.data).attendees[0].partstat).toBe('ACCEPTED');
    expect(result.data).toContain('DTSTART;TZID=Europe/Paris:20260126T170000');
  });

  it('ignores strangers, stale sequences and repeated answers', () => {
    expect(applyItipReply(THUNDERBIRD_EVENT, reply('ATTENDEE;PARTSTAT=ACCEPTED:mailto:intrus@example.com')).changed).toBe(false);
    const newer = THUNDERBIRD_EVENT.replace('SEQUENCE:0', 'SEQUENCE:3');
    expect(applyItipReply(newer, reply('SEQUENCE:2\nATTENDEE;PARTSTAT=DECLINED:mailto:paul.durand@college.example.fr')).changed).toBe(false);
    expect(applyItipReply(newer, reply('SEQUENCE:3\nATTENDEE;PARTSTAT=DECLINED:mailto:paul.durand@college.example.fr')).changed).toBe(true);
    const same = applyItipReply(THUNDERBIRD_EVENT, reply('ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:paul.durand@college.example.fr'));
    expect(same.changed).toBe(false);
    expect(same.data).toBe(THUNDERBIRD_EVENT);
  });

  it('updates only the overridden instance a reply names', () => {
    const organizerCopy = APPLE_WEEKLY
      .replace(/SUMMARY:Réunion pédagogique\r\n/, 'SUMMARY:Réunion pédagogique\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:paul@x.fr\r\n')
      .replace(/SUMMARY:Réunion pédagogique \(déplacée\)\r\n/, 'SUMMARY:Réunion pédagogique (déplacée)\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:paul@x.fr\r\n');
    const r = reply('RECURRENCE-ID:20260323T080000Z\nSEQUENCE:2\nATTENDEE;PARTSTAT=DECLINED:mailto:paul@x.fr', '5E1B2A7C-3D4F-4A8B-9C0D-1E2F3A4B5C6D');
    const result = applyItipReply(organizerCopy, r);
    expect(result.changed).toBe(true);
    const events = new ICAL.Component(ICAL.parse(result.data)).getAllSubcomponents('vevent');
    expect(events[0].getFirstProperty('attendee')!.getFirstParameter('partstat')).toBe('NEEDS-ACTION');
    expect(events[1].getFirstProperty('attendee')!.getFirstParameter('partstat')).toBe('DECLINED');
  });

  it('refuses what is not a REPLY for this event', () => {
    expect(() => applyItipReply(THUNDERBIRD_EVENT, reply('ATTENDEE;PARTSTAT=ACCEPTED:mailto:paul.durand@college.example.fr').replace('METHOD:REPLY', 'METHOD:REQUEST'))).toThrow(Invalid);
    expect(() => applyItipReply(THUNDERBIRD_EVENT, reply('ATTENDEE;PARTSTAT=ACCEPTED:mailto:paul.durand@college.example.fr', 'other-uid'))).toThrow(/another UID/);
    expect(() => applyItipReply(THUNDERBIRD_EVENT, reply('ATTENDEE:mailto:a@x\nATTENDEE:mailto:b@x'))).toThrow(/exactly one attendee/);
  });
});
