// Invitations by mail for what organizers save over CalDAV (iMIP, RFC 6047), the part of
// implicit scheduling (RFC 6638 §3.2) that clients rely on: an organizer's new or changed event
// sends REQUEST to its attendees, attendees taken off get CANCEL, a deleted event sends CANCEL
// to all. The DAV header says calendar-auto-schedule, so clients leave the sending to us instead
// of mailing the invitations a second time. Answers come back by mail and the delivery pipeline
// files them into the organizer's copy (core/delivery/itip-replies.ts). Attendees marked
// SCHEDULE-AGENT=CLIENT are left to the client (buildItipMessage skips them).
import { buildItipMessage, mailItip, parseCalendarObject, type ItipMessage } from '../core/index.js';
import type { DavRequest } from './context.js';

/** Properties whose change makes attendees need the new version (RFC 5546 §2.1.4's
 *  "significant" changes, plus the attendee list itself). */
const SIGNIFICANT = new Set(['DTSTART', 'DTEND', 'DURATION', 'DUE', 'RRULE', 'RDATE', 'EXDATE', 'RECURRENCE-ID',
  'SUMMARY', 'LOCATION', 'DESCRIPTION', 'STATUS', 'SEQUENCE', 'ATTENDEE', 'ORGANIZER']);
/** Attendee parameters that change with answers, not with the organizer's edits. */
const ANSWER_PARAMS = /;(PARTSTAT|RSVP|SCHEDULE-STATUS|SCHEDULE-FORCE-SEND)=("[^"]*"|[^;:]*)/gi;

/** After a calendar object is written (`after`) or deleted (`after` null). Never throws: the
 *  write stands whatever happens to the mail, which is logged. */
export async function scheduleAfterWrite(ctx: DavRequest, before: string | null, after: string | null): Promise<void> {
  const delivery = ctx.deps.delivery;
  if (!delivery) return;
  try {
    const current = after ?? before;
    if (!current || !isOrganizer(ctx, current)) return;
    const sends: { itip: ItipMessage; label: string }[] = [];
    if (after === null) {
      sends.push({ itip: buildItipMessage(before!, 'CANCEL'), label: 'Annulation / Cancelled' });
    } else {
      const kept = new Set(attendeesOf(after));
      const removed = before && isOrganizer(ctx, before) ? attendeesOf(before).filter((a) => !kept.has(a)) : [];
      if (removed.length > 0) sends.push({ itip: buildItipMessage(before!, 'CANCEL', removed), label: 'Annulation / Cancelled' });
      if (before === null || significant(before) !== significant(after)) {
        sends.push({ itip: buildItipMessage(after, 'REQUEST'), label: before === null ? 'Invitation' : 'Invitation modifiée / Updated invitation' });
      }
    }
    for (const { itip, label } of sends) {
      if (itip.recipients.length === 0) continue;
      const result = await mailItip(delivery, { user: ctx.user, ip: ctx.req.socket.remoteAddress ?? null, origin: 'dav' },
        itip, `${label} : ${itip.summary ?? ''}`.trim(), `${itip.summary ?? ''}`);
      ctx.log.info({ method: itip.method, uid: itip.uid, sent: result.sent, refused: result.refused.length, reason: result.error }, 'scheduling message');
    }
  } catch (err) {
    ctx.log.warn({ err }, 'scheduling message not sent');
  }
}

function isOrganizer(ctx: DavRequest, text: string): boolean {
  const organizer = parseCalendarObject(text).organizer;
  return organizer !== null && organizer.toLowerCase() === ctx.user.address.toLowerCase();
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
