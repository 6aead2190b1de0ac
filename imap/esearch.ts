// Result options of SEARCH, SORT (ESORT) and UID forms: RETURN (MIN MAX ALL COUNT SAVE)
// (RFC 4731 §3.1, RFC 5182 §2, RFC 5267 §3.1) and the ESEARCH response that carries them.
import { ParseError, type Cursor } from './protocol/cursor.js';
import { compactSet } from './protocol/sequence.js';

export type ReturnOption = 'MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE';
const OPTIONS = new Set<string>(['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE']);

/** "RETURN (" [opt *(SP opt)] ")" SP, if present; null when absent. An empty list means ALL
 *  (RFC 4731 §3.1). */
export function parseReturnOptions(cur: Cursor): ReturnOption[] | null {
  if (!cur.acceptWord('RETURN')) return null;
  cur.sp();
  const opts = cur.list(() => {
    const o = cur.atom().toUpperCase();
    if (!OPTIONS.has(o)) throw new ParseError(`unknown RETURN option ${o}`);
    return o as ReturnOption;
  });
  cur.sp();
  return opts.length === 0 ? ['ALL'] : [...new Set(opts)];
}

/** What SAVE keeps (RFC 5182 §2.4): MIN and/or MAX alone when only they are asked beside
 *  SAVE, the whole result otherwise. `numbers` ascending in the order of the result. */
export function savedPart<T>(options: readonly ReturnOption[], items: readonly T[], key: (t: T) => number): T[] {
  const minMaxOnly = (options.includes('MIN') || options.includes('MAX')) && !options.includes('ALL') && !options.includes('COUNT');
  if (!minMaxOnly || items.length === 0) return [...items];
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  const out = new Set<T>();
  if (options.includes('MIN')) out.add(sorted[0]);
  if (options.includes('MAX')) out.add(sorted[sorted.length - 1]);
  return [...out];
}

/** "* ESEARCH (TAG "t") [UID] MIN n MAX n ALL set COUNT n [MODSEQ m]", or null when SAVE is the
 *  only option (RFC 5182 §2.4: no ESEARCH then). `numbers` are UIDs or sequence numbers.
 *  With `ordered` (ESORT, RFC 5267 §3.1) ALL keeps the given order instead of a compact set;
 *  MIN and MAX are then the first and last. */
export function esearchLine(tag: string, uid: boolean, options: readonly ReturnOption[], numbers: readonly number[],
  modseq: number | null, ordered = false): string | null {
  const shown = options.filter((o) => o !== 'SAVE');
  if (shown.length === 0) return null;
  let out = `* ESEARCH (TAG ${quote(tag)})${uid ? ' UID' : ''}`;
  const asc = ordered ? null : [...numbers].sort((a, b) => a - b);
  // RFC 4731 §3.1: MIN, MAX and ALL are left out when nothing matched; COUNT is 0 then.
  if (numbers.length > 0) {
    if (shown.includes('MIN')) out += ` MIN ${asc ? asc[0] : numbers[0]}`;
    if (shown.includes('MAX')) out += ` MAX ${asc ? asc[asc.length - 1] : numbers[numbers.length - 1]}`;
    if (shown.includes('ALL')) out += ` ALL ${asc ? compactSet(asc) : numbers.join(',')}`;
  }
  if (shown.includes('COUNT')) out += ` COUNT ${numbers.length}`;
  if (modseq !== null && numbers.length > 0) out += ` MODSEQ ${modseq}`;
  return out;
}

function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}
