// CREATE (RFC 9051 §6.3.4) with CREATE-SPECIAL-USE (RFC 6154 §3: "CREATE name (USE (\Drafts))").
// Missing superior names are created too, as the RFC says a server should (after the mailbox
// itself, so that a refused name leaves nothing behind); a trailing
// separator only declares the intent to hold children and is dropped.
import { AlreadyExists } from '../../core/index.js';
import type { SpecialUse } from '../../storage/index.js';
import { checkNewName, SEPARATOR } from '../mailbox-name.js';
import { objectId } from '../objectid.js';
import { no, ok } from '../replies.js';
import { AUTHENTICATED, defineCommand } from './command.js';
import { parseMailbox } from './mailbox-arg.js';

/** Uses a real folder can have here; \All and \Flagged would promise virtual folders there are not. */
const CREATABLE = new Map<string, SpecialUse>(['\\Sent', '\\Drafts', '\\Trash', '\\Junk', '\\Archive'].map((u) => [u.toLowerCase(), u as SpecialUse]));

export const create = defineCommand({
  name: 'CREATE',
  states: AUTHENTICATED,
  parse(cur) {
    cur.sp();
    const mailbox = parseMailbox(cur);
    const uses: string[] = [];
    if (cur.trySp()) {
      // create-param = "USE" SP "(" [use-attr *(SP use-attr)] ")" (RFC 6154 §6)
      cur.list(() => {
        cur.expect('USE');
        cur.sp();
        uses.push(...cur.list(() => cur.flag()));
      }, false);
    }
    return { mailbox, uses };
  },
  async run(session, { mailbox, uses }) {
    let specialUse: SpecialUse | null = null;
    if (uses.length > 1) return no('One special use per mailbox', 'USEATTR');
    if (uses.length === 1) {
      specialUse = CREATABLE.get(uses[0].toLowerCase()) ?? null;
      if (!specialUse) return no(`Special use ${uses[0]} is not supported`, 'USEATTR');
    }
    let name = session.mailboxFromWire(mailbox);
    if (name.endsWith(SEPARATOR)) name = name.slice(0, -1);
    if (name === 'INBOX') return no('INBOX always exists', 'ALREADYEXISTS');
    checkNewName(name);
    const userId = session.user!.id;
    // The mailbox itself first: if the store refuses its name, nothing was made. Its superiors
    // then have valid names too (each is a part of it, cut at a separator).
    const created = await session.store.mail.createMailbox(userId, name, { subscribed: false, specialUse });
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
    return ok('CREATE completed', `MAILBOXID (${objectId(created.id)})`); // RFC 8474 §4.1
  },
});
