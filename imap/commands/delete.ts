// DELETE (RFC 9051 §6.3.5). Children stay: the deleted name lives on as their \Noselect
// parent in LIST. INBOX cannot be deleted.
import { no, ok } from '../replies.js';
import { AUTHENTICATED, defineCommand } from './command.js';
import { findMailbox, parseMailbox } from './mailbox-arg.js';

export const del = defineCommand({
  name: 'DELETE',
  states: AUTHENTICATED,
  parse(cur) {
    cur.sp();
    return { mailbox: parseMailbox(cur) };
  },
  async run(session, { mailbox }) {
    if (session.mailboxFromWire(mailbox) === 'INBOX') return no('INBOX cannot be deleted', 'CANNOT');
    const mb = await findMailbox(session, mailbox);
    if (session.selected?.id === mb.id) session.unselect();
    await session.store.mail.deleteMailbox(mb.id);
    return ok('DELETE completed');
  },
});
