// The mailbox argument shared by most commands, and finding it for the logged-in user.
import { NotFound } from '../../core/index.js';
import type { Mailbox } from '../../storage/index.js';
import type { Cursor } from '../protocol/cursor.js';
import { no, type Reply } from '../replies.js';
import type { Session } from '../session.js';

/** The raw astring: decoding errors are reported when the command runs (NO, not BAD). */
export function parseMailbox(cur: Cursor): Buffer {
  return Buffer.from(cur.astring());
}

export async function findMailbox(session: Session, raw: Buffer): Promise<Mailbox> {
  const name = session.mailboxFromWire(raw);
  const mailbox = await session.store.mail.findMailbox(session.user!.id, name);
  if (!mailbox) throw new NotFound('Mailbox does not exist');
  return mailbox;
}

/** The destination of APPEND, COPY and MOVE: a missing one is NO [TRYCREATE], so that the client
 *  may create it and try again (RFC 9051 §6.3.12, §6.4.7). */
export async function findDestination(session: Session, raw: Buffer): Promise<Mailbox | Reply> {
  try {
    return await findMailbox(session, raw);
  } catch (err) {
    if (err instanceof NotFound) return no('Mailbox does not exist', 'TRYCREATE');
    throw err;
  }
}

export function isReply(x: Mailbox | Reply): x is Reply {
  return 'status' in x;
}
