// Sequence sets (RFC 9051 §9 sequence-set, §6.4.8 for UIDs): "1:4,7,10:*", and "$" for the
// result saved by SEARCHRES (RFC 5182), which the parser recognises so that the session can
// refuse it plainly while SEARCHRES is not offered.
import { Cursor, ParseError } from './cursor.js';

/** "*" is kept symbolic: it means the largest number in use, known only when applied. */
export type SeqNumber = number | '*';
export type SequenceSet = { saved: false; ranges: [SeqNumber, SeqNumber][] } | { saved: true };

export function parseSequenceSet(cur: Cursor): SequenceSet {
  if (cur.accept('$')) return { saved: true };
  const ranges: [SeqNumber, SeqNumber][] = [];
  for (;;) {
    const a = seqNumber(cur);
    const b = cur.accept(':') ? seqNumber(cur) : a;
    ranges.push([a, b]);
    if (!cur.accept(',')) return { saved: false, ranges };
  }
}

function seqNumber(cur: Cursor): SeqNumber {
  if (cur.accept('*')) return '*';
  const c = cur.peek();
  if (c < 0x30 || c > 0x39) throw new ParseError(`expected a sequence number${cur.where()}`);
  return cur.nzNumber();
}

/**
 * Message sequence numbers for `set` in a mailbox of `count` messages, ascending, without
 * duplicates. A number above `count` (also "*" in an empty mailbox) makes the set invalid
 * (RFC 3501 §9 seq-number: the server should answer BAD): returns null then.
 */
export function resolveSequenceNumbers(set: SequenceSet, count: number): number[] | null {
  if (set.saved) return null;
  const marks = new Uint8Array(count + 1);
  for (const [a, b] of set.ranges) {
    const lo = Math.min(value(a, count), value(b, count));
    const hi = Math.max(value(a, count), value(b, count));
    if (lo < 1 || hi > count) return null;
    for (let i = lo; i <= hi; i++) marks[i] = 1;
  }
  const out: number[] = [];
  for (let i = 1; i <= count; i++) if (marks[i]) out.push(i);
  return out;
}

/**
 * The UIDs of `uids` (ascending, those of the mailbox) that `set` names. "*" is the largest UID
 * in use, so "559:*" always takes the last message even when 559 is above every UID
 * (RFC 3501 §6.4.8); UIDs that do not exist are ignored.
 */
export function resolveUids(set: SequenceSet, uids: readonly number[]): number[] {
  if (set.saved || uids.length === 0) return [];
  const max = uids[uids.length - 1];
  const ranges = set.ranges.map(([a, b]) => {
    const x = value(a, max);
    const y = value(b, max);
    return [Math.min(x, y), Math.max(x, y)] as const;
  });
  return uids.filter((u) => ranges.some(([lo, hi]) => u >= lo && u <= hi));
}

/** Whether `uid` is in `set`, without a mailbox at hand ("*" taken as `max`). */
export function setHas(set: SequenceSet, n: number, max: number): boolean {
  if (set.saved) return false;
  return set.ranges.some(([a, b]) => {
    const x = value(a, max);
    const y = value(b, max);
    return n >= Math.min(x, y) && n <= Math.max(x, y);
  });
}

function value(n: SeqNumber, star: number): number {
  return n === '*' ? star : n;
}

/** The compact form "1:3,7,9:10" of ascending numbers, for COPYUID and APPENDUID (RFC 4315 §3). */
export function compactSet(numbers: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < numbers.length;) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j] + 1) j++;
    out.push(i === j ? String(numbers[i]) : `${numbers[i]}:${numbers[j]}`);
    i = j + 1;
  }
  return out.join(',');
}
