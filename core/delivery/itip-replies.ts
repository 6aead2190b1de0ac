// An attendee's answer to an invitation, received by mail (iMIP, RFC 6047): the organizer's
// copy of the event in their calendars is updated with the attendee's PARTSTAT, as a CalDAV
// scheduling server would (RFC 6638 §3.2.2.3 / RFC 5546 §3.2.3). Only a REPLY whose From is the
// attendee it speaks for is applied (RFC 6047 §3.2): anyone can write an iCalendar object.
import { simpleParser } from 'mailparser';
import { applyItipReply } from '../calendar/index.js';
import { isFacteurError } from '../errors.js';
import type { AnalyzedMessage } from '../mail/analyze.js';
import type { Store, User } from '../../storage/index.js';

const METHOD_REPLY = /METHOD:REPLY/i;

export async function applyCalendarReplies(store: Store, input: { users: User[]; raw: Buffer; analyzed: AnalyzedMessage; junk: boolean }): Promise<number> {
  // The analysis already lists the parts: no text/calendar part, nothing to parse (the case of
  // nearly every message, checked without copying its bytes into a string).
  if (input.junk || !input.analyzed.summary.attachments.some((a) => a.contentType.toLowerCase() === 'text/calendar')) return 0;
  const from = input.analyzed.summary.from[0]?.address.toLowerCase();
  if (!from) return 0;
  const mail = await simpleParser(input.raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const replies = mail.attachments.filter((a) => a.contentType.toLowerCase() === 'text/calendar')
    .map((a) => a.content.toString('utf8')).filter((t) => METHOD_REPLY.test(t));
  const uidOf = (t: string) => /^UID:(.*)$/im.exec(t.replace(/\r?\n[ \t]/g, ''))?.[1]?.trim() ?? null;
  let applied = 0;
  for (const reply of replies) {
    const uid = uidOf(reply);
    if (!uid) continue;
    for (const user of input.users) {
      for (const calendar of await store.dav.listCollections('user', user.id, 'calendar')) {
        const item = await store.dav.findItemByUid(calendar.id, uid);
        if (!item) continue;
        let result;
        try {
          result = applyItipReply(item.data, reply);
        } catch {
          continue; // not a reply to this object, or unreadable: nothing to apply
        }
        if (!result.changed || result.attendee?.toLowerCase() !== from) continue;
        try {
          await store.dav.putItem(calendar.id, { name: item.name, uid: item.uid, data: result.data, componentType: item.componentType, firstStart: item.firstStart, lastEnd: item.lastEnd }, { ifMatch: item.etag });
          applied += 1;
        } catch (err) {
          // Changed meanwhile (a client saved it): the client's version stands.
          if (!isFacteurError(err) || err.code !== 'PRECONDITION_FAILED') throw err;
        }
      }
    }
  }
  return applied;
}
