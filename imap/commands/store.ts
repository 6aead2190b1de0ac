// STORE and UID STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3): the flags
// after the change are sent back for every message named unless .SILENT; messages modified
// since UNCHANGEDSINCE are left alone and listed in [MODIFIED].
import type { FlagOperation } from '../../storage/index.js';
import { line } from '../protocol/compiler.js';
import { ParseError, type Cursor } from '../protocol/cursor.js';
import { compactSet, parseSequenceSet, type SequenceSet } from '../protocol/sequence.js';
import { checkFlag, flagList } from '../flags.js';
import { no, ok } from '../replies.js';
import { defineCommand, SELECTED } from './command.js';
import { resolveTargets } from './sets.js';

interface StoreArgs {
  set: SequenceSet;
  unchangedSince: number | null;
  op: FlagOperation;
  silent: boolean;
  flags: string[];
}

function parseStore(cur: Cursor): StoreArgs {
  cur.sp();
  const set = parseSequenceSet(cur);
  cur.sp();
  let unchangedSince: number | null = null;
  if (cur.peek() === 0x28) {
    cur.list(() => {
      cur.expect('UNCHANGEDSINCE');
      cur.sp();
      unchangedSince = cur.number64();
    }, false);
    cur.sp();
  }
  const op: FlagOperation = cur.accept('+') ? 'add' : cur.accept('-') ? 'remove' : 'set';
  cur.expect('FLAGS');
  const silent = cur.accept('.SILENT');
  cur.sp();
  // flag-list, or flags separated by spaces without parentheses (RFC 9051 §9 store-att-flags).
  const raw = cur.peek() === 0x28 ? cur.flagList() : spaceSeparated(cur);
  const flags: string[] = [];
  for (const f of raw) {
    if (f.toLowerCase() === '\\recent') continue; // only the server sets \Recent
    const flag = checkFlag(f);
    if (!flag) throw new ParseError(`invalid flag ${f}`);
    flags.push(flag);
  }
  return { set, unchangedSince, op, silent, flags };
}

function spaceSeparated(cur: Cursor): string[] {
  const out = [cur.flag()];
  while (cur.trySp()) out.push(cur.flag());
  return out;
}

export const store = defineCommand({
  name: 'STORE',
  states: SELECTED,
  uidForm: true,
  holdsExpunges: true,
  parse: parseStore,
  async run(session, args, ctx) {
    const sel = session.selected!;
    if (sel.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const { uids, expungeIssued } = resolveTargets(sel, args.set, ctx.uid);
    let modified: number[] = [];
    const changed = new Set<number>();
    if (uids.length > 0) {
      const result = await session.store.mail.updateFlags(sel.id, uids, args.op, args.flags,
        args.unchangedSince === null ? {} : { unchangedSince: args.unchangedSince });
      modified = result.modified;
      for (const u of result.updated) {
        sel.noteFlags(u.uid, u.flags, u.modseq);
        changed.add(u.uid);
      }
    }
    if (args.unchangedSince !== null) session.condstore = true; // RFC 7162 §3.1: an enabling command
    const skipped = new Set(modified);
    for (const uid of uids) {
      const e = sel.entry(uid);
      if (!e || skipped.has(uid)) continue;
      const uidPart = ctx.uid ? `UID ${uid} ` : '';
      if (!args.silent) {
        const modseq = session.condstore ? ` MODSEQ (${e.modseq})` : '';
        await session.send(line(`* ${sel.seqOf(uid)} FETCH (${uidPart}FLAGS `, flagList(e.flags), `${modseq})`));
      } else if (session.condstore && changed.has(uid)) {
        // With .SILENT, a CONDSTORE client still learns the new MODSEQ (RFC 7162 §3.1.3).
        await session.send(line(`* ${sel.seqOf(uid)} FETCH (${uidPart}MODSEQ (${e.modseq}))`));
      }
    }
    if (modified.length > 0) {
      // RFC 7162 §3.1.3: MODIFIED lists UIDs for UID STORE, sequence numbers for STORE.
      const list = ctx.uid ? modified : modified.map((u) => sel.seqOf(u)).sort((a, b) => a - b);
      return ok('Some messages were modified meanwhile', `MODIFIED ${compactSet(list)}`);
    }
    if (expungeIssued) return no('Some of the messages were expunged', 'EXPUNGEISSUED');
    return ok('STORE completed');
  },
});
