// SELECT and EXAMINE (RFC 3501 §6.3.1-2, RFC 9051 §6.3.2). A failed SELECT leaves no mailbox
// selected. \Recent is not kept, so RECENT is 0 (allowed: RFC 9051 dropped it altogether).
import { atom, line } from '../protocol/compiler.js';
import { SYSTEM_FLAGS } from '../flags.js';
import { ok } from '../replies.js';
import { AUTHENTICATED, defineCommand } from './command.js';
import { findMailbox, parseMailbox } from './mailbox-arg.js';

function selectCommand(name: 'SELECT' | 'EXAMINE', readOnly: boolean) {
  return defineCommand({
    name,
    states: AUTHENTICATED,
    parse(cur) {
      cur.sp();
      const mailbox = parseMailbox(cur);
      let condstore = false;
      if (cur.trySp()) {
        // select-param: only (CONDSTORE) (RFC 7162 §3.1.8).
        cur.list(() => {
          cur.expect('CONDSTORE');
          condstore = true;
        }, false);
      }
      return { mailbox, condstore };
    },
    async run(session, { mailbox, condstore }) {
      session.unselect();
      if (condstore) session.condstore = true;
      const mb = await findMailbox(session, mailbox);
      const sel = await session.select(mb.id, readOnly);
      const flags = [...SYSTEM_FLAGS, ...sel.keywords()];
      await session.send(line('* FLAGS ', flags.map(atom)));
      // "\*": new keywords may be created (RFC 9051 §7.1); none may be changed when read-only.
      const permanent = readOnly ? '()' : `(${[...flags, '\\*'].join(' ')})`;
      await session.send(line(`* OK [PERMANENTFLAGS ${permanent}] Flags permitted`));
      await session.send(line(`* ${sel.count} EXISTS`));
      await session.send(line('* 0 RECENT'));
      const firstUnseen = sel.knownUids.findIndex((uid) => !sel.entry(uid)!.flags.includes('\\Seen'));
      if (firstUnseen >= 0) await session.send(line(`* OK [UNSEEN ${firstUnseen + 1}] First unseen message`));
      await session.send(line(`* OK [UIDVALIDITY ${sel.mailbox.uidValidity}] UIDs valid`));
      await session.send(line(`* OK [UIDNEXT ${sel.mailbox.uidNext}] Predicted next UID`));
      await session.send(line(`* OK [HIGHESTMODSEQ ${sel.highestModseq}] Highest`));
      return ok(`${name} completed`, readOnly ? 'READ-ONLY' : 'READ-WRITE');
    },
  });
}

export const select = selectCommand('SELECT', false);
export const examine = selectCommand('EXAMINE', true);
