// Who is mailed what when an organizer saves or deletes an event (implicit scheduling,
// RFC 6638 §3.2, carried by mail as iMIP, RFC 6047): a new event sends REQUEST to its
// attendees, a significant change sends REQUEST again, attendees taken off get CANCEL, a
// deleted event sends CANCEL to all. CalDAV (dav/scheduling.ts) and the webmail agenda both
// plan with this; sending is theirs (core/delivery/itip-mail.ts).
import { buildItipMessage, type ItipMessage } from './itip.js';
import { parseCalendarObject } from './object.js';

export interface ItipPlanStep {
  /** 'invitation' for a new event, 'update' for a changed one, 'cancel' for attendees taken off
   *  or a deleted event: callers choose their subject line from it. */
  kind: 'invitation' | 'update' | 'cancel';
  itip: ItipMessage;
}

/** Properties whose change makes attendees need the new version (RFC 5546 §2.1.4's
 *  "significant" changes, plus the attendee list itself). */
const SIGNIFICANT = new Set(['DTSTART', 'DTEND', 'DURATION', 'DUE', 'RRULE', 'RDATE', 'EXDATE', 'RECURRENCE-ID',
  'SUMMARY', 'LOCATION', 'DESCRIPTION', 'STATUS', 'SEQUENCE', 'ATTENDEE', 'ORGANIZER']);
/** Attendee parameters that change with answers, not with the organizer's edits. */
const ANSWER_PARAMS = /;(PARTSTAT|RSVP|SCHEDULE-STATUS|SCHEDULE-FORCE-SEND)=("[^"]*"|[^;:]*)/gi;

/**
 * The messages `organizer` (the user who wrote) must send after a calendar object went from
 * `before` (null: it is new) to `after` (null: it was deleted), CANCELs first. Nothing when the
 * user is not the organizer: attendees' own copies are not theirs to schedule. Taking every
 * attendee off usually drops ORGANIZER as well (the webmail does so): those attendees still
 * get their CANCEL. Steps without a recipient (SCHEDULE-AGENT=CLIENT, the organizer alone)
 * are left out. Throws Invalid for data that is not a calendar object.
 */
export function planItip(organizer: string, before: string | null, after: string | null): ItipPlanStep[] {
  const me = organizer.toLowerCase();
  const organizerOf = (text: string) => parseCalendarObject(text).organizer?.toLowerCase() ?? null;
  const ownedBefore = before !== null && organizerOf(before) === me;
  const steps: ItipPlanStep[] = [];
  if (after === null) {
    if (ownedBefore) steps.push({ kind: 'cancel', itip: buildItipMessage(before, 'CANCEL') });
    return withRecipients(steps);
  }
  const afterOrganizer = organizerOf(after);
  const ownedAfter = afterOrganizer === me;
  if (!ownedAfter && !(ownedBefore && afterOrganizer === null)) return [];
  if (ownedBefore) {
    const kept = new Set(attendeesOf(after));
    const removed = attendeesOf(before).filter((a) => !kept.has(a));
    if (removed.length > 0) steps.push({ kind: 'cancel', itip: buildItipMessage(before, 'CANCEL', removed) });
  }
  if (ownedAfter && (before === null || significant(before) !== significant(after))) {
    steps.push({ kind: before === null ? 'invitation' : 'update', itip: buildItipMessage(after, 'REQUEST') });
  }
  return withRecipients(steps);
}

function withRecipients(steps: ItipPlanStep[]): ItipPlanStep[] {
  return steps.filter((s) => s.itip.recipients.length > 0);
}

function attendeesOf(text: string): string[] {
  return parseCalendarObject(text).attendees.map((a) => a.address.toLowerCase());
}

/** The significant lines, unfolded, answers removed, in a stable order. */
function significant(text: string): string {
  return text.replace(/\r?\n[ \t]/g, '').split(/\r?\n/)
    .filter((line) => SIGNIFICANT.has(line.split(/[;:]/, 1)[0].toUpperCase()))
    .map((line) => (/^ATTENDEE[;:]/i.test(line) ? line.replace(ANSWER_PARAMS, '') : line))
    .sort().join('\n');
}
