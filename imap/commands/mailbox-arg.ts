// The mailbox argument shared by most commands, and finding it for the logged-in user.
import { NotFound } from '../../core/index.js';
import type { Mailbox } from '../../storage/index.js';
import type { Cursor } from '../protocol/cursor.js';
import { mailboxFromWire } from '../mailbox-name.js';
import type { Session } from '../session.js';

/** The raw astring: decoding errors are reported when the command runs (NO, not BAD). */
export function parseMailbox(cur: Cursor): Buffer {
  return Buffer.from(cur.astring());
}

export async function findMailbox(session: Session, raw: Buffer): Promise<Mailbox> {
  const name = mailboxFromWire(raw);
  const mailbox = await session.store.mail.findMailbox(session.user!.id, name);
  if (!mailbox) throw new NotFound('Mailbox does not exist');
  return mailbox;
}
