// CREATE (RFC 9051 §6.3.4): missing superior names are created too, as the RFC says a server
// should; a trailing separator only declares the intent to hold children and is dropped.
import { AlreadyExists } from '../../core/index.js';
import { checkNewName, mailboxFromWire, SEPARATOR } from '../mailbox-name.js';
import { no, ok } from '../replies.js';
import { AUTHENTICATED, defineCommand } from './command.js';
import { parseMailbox } from './mailbox-arg.js';

export const create = defineCommand({
  name: 'CREATE',
  states: AUTHENTICATED,
  parse(cur) {
    cur.sp();
    return { mailbox: parseMailbox(cur) };
  },
  async run(session, { mailbox }) {
    let name = mailboxFromWire(mailbox);
    if (name.endsWith(SEPARATOR)) name = name.slice(0, -1);
    if (name === 'INBOX') return no('INBOX always exists', 'ALREADYEXISTS');
    checkNewName(name);
    const userId = session.user!.id;
    const segments = name.split(SEPARATOR);
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join(SEPARATOR);
      if (!(await session.store.mail.findMailbox(userId, parent))) {
        try {
          await session.store.mail.createMailbox(userId, parent, { subscribed: false });
        } catch (err) {
          if (!(err instanceof AlreadyExists)) throw err; // made meanwhile by another session
        }
      }
    }
    await session.store.mail.createMailbox(userId, name, { subscribed: false });
    return ok('CREATE completed');
  },
});
