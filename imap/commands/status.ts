// STATUS (RFC 9051 §6.3.11) with SIZE (RFC 8438) and HIGHESTMODSEQ (RFC 7162 §3.1.6).
// RECENT is always 0: \Recent is not kept.
import { line, str } from '../protocol/compiler.js';
import { ParseError } from '../protocol/cursor.js';
import { mailboxToWire } from '../mailbox-name.js';
import { ok } from '../replies.js';
import { AUTHENTICATED, defineCommand } from './command.js';
import { findMailbox, parseMailbox } from './mailbox-arg.js';

const ITEMS = new Set(['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'SIZE', 'DELETED', 'HIGHESTMODSEQ']);

export const status = defineCommand({
  name: 'STATUS',
  states: AUTHENTICATED,
  parse(cur) {
    cur.sp();
    const mailbox = parseMailbox(cur);
    cur.sp();
    const items = cur.list(() => {
      const item = cur.atom().toUpperCase();
      if (!ITEMS.has(item)) throw new ParseError(`unknown STATUS item ${item}`);
      return item;
    }, false);
    return { mailbox, items };
  },
  async run(session, { mailbox, items }) {
    const mb = await findMailbox(session, mailbox);
    if (items.includes('HIGHESTMODSEQ')) session.condstore = true; // a CONDSTORE enabling command (RFC 7162 §3.1)
    const s = await session.store.mail.mailboxStatus(mb.id);
    const values: Record<string, number> = {
      MESSAGES: s.messages, RECENT: 0, UIDNEXT: s.uidNext, UIDVALIDITY: s.uidValidity, UNSEEN: s.unseen, SIZE: s.sizeBytes, DELETED: s.deleted, HIGHESTMODSEQ: s.highestModseq,
    };
    const parts = [...new Set(items)].map((i) => `${i} ${values[i]}`).join(' ');
    await session.send(line('* STATUS ', str(mailboxToWire(mb.name)), ` (${parts})`));
    return ok('STATUS completed');
  },
});
