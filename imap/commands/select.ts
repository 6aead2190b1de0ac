// SELECT and EXAMINE (RFC 3501 §6.3.1-2, RFC 9051 §6.3.2) with CONDSTORE (RFC 7162 §3.1.8)
// and QRESYNC (RFC 7162 §3.2.5). A failed SELECT leaves no mailbox selected. \Recent is not
// kept, so RECENT is 0 (allowed: RFC 9051 dropped it altogether, and IMAP4rev2 sessions are
// not told of it).
import { atom, line, str } from '../protocol/compiler.js';
import { ParseError, type Cursor } from '../protocol/cursor.js';
import { compactSet, parseSequenceSet, setHas, type SequenceSet } from '../protocol/sequence.js';
import { flagList, SYSTEM_FLAGS } from '../flags.js';
import { objectId } from '../objectid.js';
import { bad, ok } from '../replies.js';
import type { SelectedMailbox } from '../selected.js';
import type { Session } from '../session.js';
import { AUTHENTICATED, defineCommand } from './command.js';
import { findMailbox, parseMailbox } from './mailbox-arg.js';

interface Qresync {
  uidValidity: number;
  modseq: number;
  knownUids: SequenceSet | null;
}

function parseParams(cur: Cursor): { condstore: boolean; qresync: Qresync | null } {
  let condstore = false;
  let qresync: Qresync | null = null;
  cur.list(() => {
    if (cur.acceptWord('CONDSTORE')) {
      condstore = true;
      return;
    }
    // "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
    //   [SP seq-match-data] ")" (RFC 7162 §3.2.5). Every expunge is remembered here, so the
    // seq-match-data hint is read and not needed.
    cur.expect('QRESYNC');
    cur.sp();
    cur.expect('(');
    const uidValidity = cur.nzNumber();
    cur.sp();
    const modseq = cur.number64();
    let knownUids: SequenceSet | null = null;
    if (cur.trySp() && cur.peek() !== 0x28) {
      knownUids = parseSequenceSet(cur);
      if (knownUids.saved) throw new ParseError('$ is not a known-uids set');
      cur.trySp();
    }
    if (cur.peek() === 0x28) {
      cur.expect('(');
      parseSequenceSet(cur);
      cur.sp();
      parseSequenceSet(cur);
      cur.expect(')');
    }
    cur.expect(')');
    qresync = { uidValidity, modseq, knownUids };
  }, false);
  return { condstore, qresync };
}

function selectCommand(name: 'SELECT' | 'EXAMINE', readOnly: boolean) {
  return defineCommand({
    name,
    states: AUTHENTICATED,
    parse(cur) {
      cur.sp();
      const mailbox = parseMailbox(cur);
      const params = cur.trySp() ? parseParams(cur) : { condstore: false, qresync: null };
      return { mailbox, ...params };
    },
    async run(session, { mailbox, condstore, qresync }) {
      // RFC 7162 §3.2.5: QRESYNC without ENABLE QRESYNC first is a BAD.
      if (qresync && !session.qresync) return bad('ENABLE QRESYNC first');
      if (session.selected && (session.qresync || session.rev2)) {
        // RFC 7162 §3.2.11, RFC 9051 §7.1: the previous mailbox is closed, said before anything else.
        session.unselect();
        await session.send(line('* OK [CLOSED] Previous mailbox closed'));
      }
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
      if (session.rev2) {
        // RFC 9051 §6.3.2: a LIST response for the mailbox replaces RECENT and UNSEEN.
        await session.send(line('* LIST () "/" ', str(session.mailboxName(sel.mailbox.name))));
      } else {
        await session.send(line('* 0 RECENT'));
        const firstUnseen = sel.firstUnseen();
        if (firstUnseen > 0) await session.send(line(`* OK [UNSEEN ${firstUnseen}] First unseen message`));
      }
      await session.send(line(`* OK [UIDVALIDITY ${sel.mailbox.uidValidity}] UIDs valid`));
      await session.send(line(`* OK [UIDNEXT ${sel.mailbox.uidNext}] Predicted next UID`));
      await session.send(line(`* OK [HIGHESTMODSEQ ${sel.highestModseq}] Highest`));
      await session.send(line(`* OK [MAILBOXID (${objectId(sel.id)})] Ok`)); // RFC 8474 §4.1
      if (qresync && qresync.uidValidity === sel.mailbox.uidValidity) await resync(session, sel, qresync);
      return ok(`${name} completed`, readOnly ? 'READ-ONLY' : 'READ-WRITE');
    },
  });
}

/** What changed since the client's modseq: VANISHED (EARLIER) for the UIDs gone, then a FETCH
 *  with UID, FLAGS and MODSEQ for each message changed (RFC 7162 §3.2.5.1). A different
 *  UIDVALIDITY means the client must start over, so nothing is said then. */
async function resync(session: Session, sel: SelectedMailbox, q: Qresync): Promise<void> {
  const maxUid = sel.mailbox.uidNext - 1;
  const known = (uid: number) => q.knownUids === null || setHas(q.knownUids, uid, maxUid);
  const gone = (await session.store.mail.listExpunged(sel.id, q.modseq)).filter(known).sort((a, b) => a - b);
  if (gone.length > 0) await session.send(line(`* VANISHED (EARLIER) ${compactSet(gone)}`));
  for (const uid of sel.changedSince(q.modseq)) {
    const e = sel.entry(uid)!;
    if (!known(uid)) continue;
    await session.send(line(`* ${sel.seqOf(uid)} FETCH (UID ${uid} FLAGS `, flagList(e.flags), ` MODSEQ (${e.modseq}))`));
  }
}

export const select = selectCommand('SELECT', false);
export const examine = selectCommand('EXAMINE', true);
