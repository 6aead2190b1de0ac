// Invitations by mail for what organizers save over CalDAV (iMIP, RFC 6047), the part of
// implicit scheduling (RFC 6638 §3.2) that clients rely on: core's planItip says who gets a
// REQUEST and who a CANCEL, this file mails them. The DAV header says calendar-auto-schedule,
// so clients leave the sending to us instead of mailing the invitations a second time. Answers
// come back by mail and the delivery pipeline files them into the organizer's copy
// (core/delivery/itip-replies.ts).
import { mailItip, planItip, type ItipPlanStep } from '../core/index.js';
import type { DavRequest } from './context.js';

const LABEL: Record<ItipPlanStep['kind'], string> = {
  invitation: 'Invitation',
  update: 'Invitation modifiée / Updated invitation',
  cancel: 'Annulation / Cancelled',
};

/** After a calendar object is written (`after`) or deleted (`after` null). Never throws: the
 *  write stands whatever happens to the mail, which is logged. */
export async function scheduleAfterWrite(ctx: DavRequest, before: string | null, after: string | null): Promise<void> {
  const delivery = ctx.deps.delivery;
  if (!delivery) return;
  try {
    for (const { kind, itip } of planItip(ctx.user.address, before, after)) {
      const result = await mailItip(delivery, { user: ctx.user, ip: ctx.req.socket.remoteAddress ?? null, origin: 'dav' },
        itip, `${LABEL[kind]} : ${itip.summary ?? ''}`.trim(), `${itip.summary ?? ''}`);
      ctx.log.info({ method: itip.method, uid: itip.uid, sent: result.sent, refused: result.refused.length, reason: result.error }, 'scheduling message');
    }
  } catch (err) {
    ctx.log.warn({ err }, 'scheduling message not sent');
  }
}
