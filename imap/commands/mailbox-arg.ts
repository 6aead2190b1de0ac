// The mailbox argument shared by most commands, and finding it for the logged-in user.
import { mailboxKey, NotFound } from '../../core/index.js';
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
 *  may create it and try again (RFC 9051 §6.3.12, §6.4.7). Ids come from the service's cache
 *  (core/mail/mailbox-ids.ts). */
export async function findDestination(session: Session, raw: Buffer): Promise<Destination | Reply> {
  const key = mailboxKey(session.user!.id, session.mailboxFromWire(raw));
  const id = await session.options.destinations.get(key);
  if (id === null) return no('Mailbox does not exist', 'TRYCREATE');
  return { id, key };
}

export interface Destination {
  id: string;
  key: string;
}

/** Runs `op` on the destination. When the store no longer knows the id (NotFound: deleted by
 *  another process, its change not yet seen; or deleted just now), looks the name up again and
 *  runs `op` once more on what it now names, or answers TRYCREATE. The store checks the mailbox
 *  before writing anything, so the failed attempt left nothing behind. */
export async function intoDestination(session: Session, raw: Buffer, target: Destination, op: (mailboxId: string) => Promise<Reply>): Promise<Reply> {
  try {
    return await op(target.id);
  } catch (err) {
    if (!(err instanceof NotFound)) throw err;
    session.options.destinations.forget(target.key);
    const fresh = await findDestination(session, raw);
    if (isReply(fresh)) return fresh;
    if (fresh.id === target.id) throw err; // something else was missing (COPY's source)
    return op(fresh.id);
  }
}

export function isReply(x: Mailbox | Destination | Reply): x is Reply {
  return 'status' in x;
}
