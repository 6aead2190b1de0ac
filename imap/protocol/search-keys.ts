// SEARCH keys (RFC 3501 §6.4.4; RFC 9051 §6.4.4 keeps them), parsed into a tree that the
// SEARCH command evaluates. Several keys in a row mean AND.
import { parseDate } from '../dates.js';
import { Cursor, ParseError } from './cursor.js';
import { parseSequenceSet, type SequenceSet } from './sequence.js';

export type TextKeyField = 'subject' | 'from' | 'to' | 'cc' | 'bcc' | 'body' | 'text';

export type SearchKey =
  | { kind: 'all' }
  | { kind: 'none' }
  | { kind: 'flag'; flag: string; present: boolean }
  | { kind: 'text'; field: TextKeyField; value: string }
  | { kind: 'header'; name: string; value: string }
  | { kind: 'date'; source: 'internal' | 'sent'; op: 'before' | 'on' | 'since'; day: number }
  | { kind: 'size'; op: 'larger' | 'smaller'; n: number }
  | { kind: 'uid'; set: SequenceSet }
  | { kind: 'seq'; set: SequenceSet }
  | { kind: 'modseq'; min: number }
  /** RFC 8474 §6: EMAILID / THREADID objectid. */
  | { kind: 'objectid'; field: 'emailId' | 'threadId'; value: string }
  | { kind: 'not'; key: SearchKey }
  | { kind: 'or'; a: SearchKey; b: SearchKey }
  | { kind: 'and'; keys: SearchKey[] };

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true], UNANSWERED: ['\\Answered', false],
  DELETED: ['\\Deleted', true], UNDELETED: ['\\Deleted', false],
  DRAFT: ['\\Draft', true], UNDRAFT: ['\\Draft', false],
  FLAGGED: ['\\Flagged', true], UNFLAGGED: ['\\Flagged', false],
  SEEN: ['\\Seen', true], UNSEEN: ['\\Seen', false],
};

const TEXT_KEYS: Record<string, TextKeyField> = {
  SUBJECT: 'subject', FROM: 'from', TO: 'to', CC: 'cc', BCC: 'bcc', BODY: 'body', TEXT: 'text',
};

const DATE_KEYS: Record<string, ['internal' | 'sent', 'before' | 'on' | 'since']> = {
  BEFORE: ['internal', 'before'], ON: ['internal', 'on'], SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'], SENTON: ['sent', 'on'], SENTSINCE: ['sent', 'since'],
};

/** Nesting beyond this is refused: no client needs it, and the evaluator recurses. */
const MAX_DEPTH = 100;

/** search-key *(SP search-key), up to the end of the command. */
export function parseSearchProgram(cur: Cursor): SearchKey {
  const keys = [searchKey(cur, 0)];
  while (cur.trySp()) keys.push(searchKey(cur, 0));
  return keys.length === 1 ? keys[0] : { kind: 'and', keys };
}

function searchKey(cur: Cursor, depth: number): SearchKey {
  if (depth > MAX_DEPTH) throw new ParseError('search keys nested too deeply');
  if (cur.peek() === 0x28) {
    const keys = cur.list(() => searchKey(cur, depth + 1), false);
    return keys.length === 1 ? keys[0] : { kind: 'and', keys };
  }
  const c = cur.peek();
  if ((c >= 0x30 && c <= 0x39) || c === 0x2a || c === 0x24) return { kind: 'seq', set: parseSequenceSet(cur) };
  const name = cur.atom().toUpperCase();
  const text = () => {
    cur.sp();
    return cur.astring().toString('utf8');
  };
  if (name === 'ALL' || name === 'OLD') return { kind: 'all' };
  // \Recent is not kept: no message is recent, so NEW (RECENT UNSEEN) matches none either.
  if (name === 'RECENT' || name === 'NEW') return { kind: 'none' };
  if (FLAG_KEYS[name]) return { kind: 'flag', flag: FLAG_KEYS[name][0], present: FLAG_KEYS[name][1] };
  if (name === 'KEYWORD' || name === 'UNKEYWORD') {
    cur.sp();
    return { kind: 'flag', flag: cur.atom(), present: name === 'KEYWORD' };
  }
  if (TEXT_KEYS[name]) return { kind: 'text', field: TEXT_KEYS[name], value: text() };
  if (name === 'HEADER') {
    cur.sp();
    const field = cur.astring().toString('latin1');
    return { kind: 'header', name: field.toLowerCase(), value: text() };
  }
  if (DATE_KEYS[name]) {
    cur.sp();
    const [source, op] = DATE_KEYS[name];
    return { kind: 'date', source, op, day: parseDate(cur).getTime() };
  }
  if (name === 'LARGER' || name === 'SMALLER') {
    cur.sp();
    return { kind: 'size', op: name === 'LARGER' ? 'larger' : 'smaller', n: cur.number() };
  }
  if (name === 'UID') {
    cur.sp();
    return { kind: 'uid', set: parseSequenceSet(cur) };
  }
  if (name === 'MODSEQ') {
    // MODSEQ [entry-name entry-type-req] mod-sequence-valzer (RFC 7162 §3.1.5); flags have no
    // modseq of their own here, so the entry is read and the message's modseq is compared.
    cur.sp();
    if (cur.peek() === 0x22) {
      cur.quoted();
      cur.sp();
      const type = cur.atom().toLowerCase();
      if (!['priv', 'shared', 'all'].includes(type)) throw new ParseError(`invalid entry type ${type}`);
      cur.sp();
    }
    return { kind: 'modseq', min: cur.number64() };
  }
  if (name === 'EMAILID' || name === 'THREADID') {
    cur.sp();
    return { kind: 'objectid', field: name === 'EMAILID' ? 'emailId' : 'threadId', value: cur.atom() };
  }
  if (name === 'NOT') {
    cur.sp();
    return { kind: 'not', key: searchKey(cur, depth + 1) };
  }
  if (name === 'OR') {
    cur.sp();
    const a = searchKey(cur, depth + 1);
    cur.sp();
    return { kind: 'or', a, b: searchKey(cur, depth + 1) };
  }
  throw new ParseError(`unknown search key ${name}`);
}

/** Every key of a tree, depth first. */
export function* walkKeys(key: SearchKey): Generator<SearchKey> {
  yield key;
  if (key.kind === 'not') yield* walkKeys(key.key);
  else if (key.kind === 'or') { yield* walkKeys(key.a); yield* walkKeys(key.b); }
  else if (key.kind === 'and') for (const k of key.keys) yield* walkKeys(k);
}
