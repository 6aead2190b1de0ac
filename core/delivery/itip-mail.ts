// Invitations and cancellations by mail (iMIP, RFC 6047): the organizer's iTIP message as a
// text/calendar part, sent through the one delivery pipeline as the organizer (same checks,
// DKIM signing, queue). Used by the webmail agenda and by CalDAV when an organizer saves.
import { randomUUID } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { ItipMessage } from '../calendar/index.js';
import type { User } from '../../storage/index.js';
import type { Delivery, OriginKind } from './pipeline.js';

/** What goes out: an organizer's REQUEST/CANCEL (buildItipMessage) or an attendee's REPLY. */
export type ItipMail = Pick<ItipMessage, 'recipients' | 'summary' | 'ics'> & { method: 'REQUEST' | 'CANCEL' | 'REPLY' };

export interface ItipSent {
  sent: number;
  refused: string[];
  /** The pipeline's refusal, when there was one. */
  error?: string;
}

export async function mailItip(
  delivery: Delivery,
  from: { user: User; ip: string | null; origin: Extract<OriginKind, 'webmail' | 'dav'> },
  itip: ItipMail,
  subject: string,
  text: string,
): Promise<ItipSent> {
  if (itip.recipients.length === 0) return { sent: 0, refused: [] };
  const { user } = from;
  const composer = new MailComposer({
    from: { name: user.displayName, address: user.address },
    to: itip.recipients,
    subject,
    text,
    // RFC 6047 §2.4: the iTIP object as text/calendar with its METHOD (nodemailer adds the
    // method parameter and an alternative part clients recognise).
    icalEvent: { method: itip.method, content: itip.ics },
    messageId: `<${randomUUID()}@${user.address.split('@')[1]}>`,
  });
  const raw = await composer.compile().build();
  const result = await delivery.submit({ kind: from.origin, ip: from.ip, user }, { from: user.address, to: itip.recipients }, raw);
  if (result.decision.ok) return { sent: itip.recipients.length, refused: [] };
  return { sent: 0, refused: itip.recipients, error: result.decision.text };
}
