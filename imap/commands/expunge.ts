// EXPUNGE (RFC 9051 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1): only messages marked \Deleted
// go, and with UID EXPUNGE only those among the given UIDs. The EXPUNGE responses come
// from the session's sync after the command, like any other session's would.
import { Cursor } from '../protocol/cursor.js';
import { parseSequenceSet, type SequenceSet } from '../protocol/sequence.js';
import { no, ok } from '../replies.js';
import { defineCommand, SELECTED } from './command.js';
import { resolveTargets } from './sets.js';

export const expunge = defineCommand({
  name: 'EXPUNGE',
  states: SELECTED,
  uidForm: true,
  parse(cur: Cursor, ctx) {
    if (!ctx.uid) return { set: null as SequenceSet | null };
    cur.sp();
    return { set: parseSequenceSet(cur) };
  },
  async run(session, { set }) {
    const sel = session.selected!;
    if (sel.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const uids = set ? resolveTargets(sel, set, true).uids : undefined;
    if (uids && uids.length === 0) return ok('EXPUNGE completed');
    const result = await session.store.mail.expunge(sel.id, { uids, onlyDeleted: true });
    // With QRESYNC the tagged OK carries the mailbox's new HIGHESTMODSEQ (RFC 7162 §3.2.10),
    // so that a client losing the connection later resyncs from after this expunge.
    return ok('EXPUNGE completed', session.qresync ? `HIGHESTMODSEQ ${result.modseq}` : undefined);
  },
});
