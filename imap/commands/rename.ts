// RENAME (RFC 9051 §6.3.6): children follow; renaming INBOX moves its messages to a new
// mailbox and leaves INBOX empty; missing superior names of the new name are created.
import { AlreadyExists } from '../../core/index.js';
import { checkNewName, SEPARATOR } from '../mailbox-name.js';
import { no, ok } from '../replies.js';
import { AUTHENTICATED, defineCommand } from './command.js';
import { findMailbox, parseMailbox } from './mailbox-arg.js';

export const rename = defineCommand({
  name: 'RENAME',
  states: AUTHENTICATED,
  parse(cur) {
    cur.sp();
    const from = parseMailbox(cur);
    cur.sp();
    return { from, to: parseMailbox(cur) };
  },
  async run(session, { from, to }) {
    const source = await findMailbox(session, from);
    const target = session.mailboxFromWire(to);
    checkNewName(target);
    if (target === 'INBOX') {
      return no('Cannot rename to INBOX', 'CANNOT');
    }
    const userId = session.user!.id;
    if (await session.store.mail.findMailbox(userId, target)) return no('Mailbox already exists', 'ALREADYEXISTS');
    const segments = target.split(SEPARATOR);
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join(SEPARATOR);
      if (parent === source.name) continue;
      if (!(await session.store.mail.findMailbox(userId, parent))) {
        try {
          await session.store.mail.createMailbox(userId, parent, { subscribed: false });
        } catch (err) {
          if (!(err instanceof AlreadyExists)) throw err;
        }
      }
    }
    if (source.name === 'INBOX') {
      const created = await session.store.mail.createMailbox(userId, target, { subscribed: false });
      const uids = (await session.store.mail.listMessageIndex(source.id)).map((m) => m.uid);
      if (uids.length > 0) await session.store.mail.moveMessages(source.id, uids, created.id);
    } else {
      await session.store.mail.renameMailbox(source.id, target);
    }
    return ok('RENAME completed');
  },
});
