// Turning a sequence set into the UIDs a command acts on, by sequence number or by UID.
import { ParseError } from '../protocol/cursor.js';
import { resolveSequenceNumbers, resolveUids, type SequenceSet } from '../protocol/sequence.js';
import type { SelectedMailbox } from '../selected.js';

export interface Targets {
  /** Live messages named, ascending UIDs. */
  uids: number[];
  /** Some named messages were expunged meanwhile (their EXPUNGE not sent yet). */
  expungeIssued: boolean;
}

export function resolveTargets(sel: SelectedMailbox, set: SequenceSet, byUid: boolean): Targets {
  if (set.saved) {
    // "$" (RFC 5182 §2.1): the UIDs saved by the last SEARCH (SAVE), minus those expunged since;
    // an empty result is not an error.
    const uids = sel.saved.filter((u) => sel.seqOf(u) > 0 && !sel.isExpunged(u)).sort((a, b) => a - b);
    return { uids, expungeIssued: false };
  }
  if (byUid) {
    return { uids: resolveUids(set, sel.knownUids).filter((u) => !sel.isExpunged(u)), expungeIssued: false };
  }
  const seqs = resolveSequenceNumbers(set, sel.count);
  if (seqs === null) throw new ParseError('Invalid message sequence number');
  const uids: number[] = [];
  let expungeIssued = false;
  for (const seq of seqs) {
    const uid = sel.uidAt(seq);
    if (sel.isExpunged(uid)) expungeIssued = true;
    else uids.push(uid);
  }
  return { uids, expungeIssued };
}
