// STATUS (RFC 9051 §6.3.11) with SIZE (RFC 8438) and HIGHESTMODSEQ (RFC 7162 §3.1.6); the
// same response serves LIST ... RETURN (STATUS (...)) (RFC 5819). RECENT is always 0: \Recent
// is not kept (and IMAP4rev2 has no RECENT item, RFC 9051 §6.3.11).
import type { Mailbox } from '../../storage/index.js';
import { line, str } from '../protocol/compiler.js';
import { ParseError, type Cursor } from '../protocol/cursor.js';
import { objectId } from '../objectid.js';
import { ok } from '../replies.js';
import type { Session } from '../session.js';
import { AUTHENTICATED, defineCommand } from './command.js';
import { findMailbox, parseMailbox } from './mailbox-arg.js';

const ITEMS = new Set(['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'SIZE', 'DELETED', 'HIGHESTMODSEQ', 'APPENDLIMIT', 'MAILBOXID', 'DELETED-STORAGE']);

/** "(" status-att *(SP status-att) ")" */
export function parseStatusItems(cur: Cursor): string[] {
  return cur.list(() => {
    const item = cur.atom().toUpperCase();
    if (!ITEMS.has(item)) throw new ParseError(`unknown STATUS item ${item}`);
    return item;
  }, false);
}

/** Sends "* STATUS name (items)" for `mb`. */
export async function sendStatus(session: Session, mb: Mailbox, items: readonly string[]): Promise<void> {
  if (items.includes('HIGHESTMODSEQ')) session.condstore = true; // a CONDSTORE enabling command (RFC 7162 §3.1)
  const s = await session.store.mail.mailboxStatus(mb.id);
  const values: Record<string, string | number> = {
    MESSAGES: s.messages, RECENT: 0, UIDNEXT: s.uidNext, UIDVALIDITY: s.uidValidity, UNSEEN: s.unseen, SIZE: s.sizeBytes,
    DELETED: s.deleted, HIGHESTMODSEQ: s.highestModseq,
    // RFC 7889 §4: the limit for this mailbox; RFC 8474 §4.2: MAILBOXID is a parenthesized objectid.
    APPENDLIMIT: session.options.limits.maxAppendLiteral, MAILBOXID: `(${objectId(mb.id)})`,
  };
  if (items.includes('DELETED-STORAGE')) {
    // RFC 9208 §4.4: the storage EXPUNGE would free, in KiB like the STORAGE resource.
    const bytes = (await session.store.mail.listMessageIndex(mb.id)).reduce((n, e) => n + (e.flags.includes('\\Deleted') ? e.size : 0), 0);
    values['DELETED-STORAGE'] = Math.ceil(bytes / 1024);
  }
  const parts = [...new Set(items)].filter((i) => !(i === 'RECENT' && session.rev2)).map((i) => `${i} ${values[i]}`).join(' ');
  await session.send(line('* STATUS ', str(session.mailboxName(mb.name)), ` (${parts})`));
}

export const status = defineCommand({
  name: 'STATUS',
  states: AUTHENTICATED,
  parse(cur) {
    cur.sp();
    const mailbox = parseMailbox(cur);
    cur.sp();
    return { mailbox, items: parseStatusItems(cur) };
  },
  async run(session, { mailbox, items }) {
    const mb = await findMailbox(session, mailbox);
    await sendStatus(session, mb, items);
    return ok('STATUS completed');
  },
});
