// FETCH data items (RFC 9051 §6.4.5, RFC 3501 §6.4.5 for the RFC822 forms): the macros, the
// simple items, and BODY[section]<partial> with every section form:
//   section-spec = section-msgtext / (section-part ["." section-text])
//   section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
//   section-text = section-msgtext / "MIME"
import { Cursor, ParseError } from './cursor.js';

export type SectionText =
  | { kind: 'HEADER' }
  | { kind: 'HEADER.FIELDS'; not: boolean; fields: string[] }
  | { kind: 'TEXT' }
  | { kind: 'MIME' };

export interface Section {
  /** Part numbers, [] for the whole message. */
  part: number[];
  text: SectionText | null;
}

export interface Partial {
  start: number;
  length: number;
}

export type SimpleItem = 'ENVELOPE' | 'FLAGS' | 'INTERNALDATE' | 'RFC822.SIZE' | 'BODYSTRUCTURE' | 'BODY' | 'UID' | 'MODSEQ'
  | 'RFC822' | 'RFC822.HEADER' | 'RFC822.TEXT' | 'EMAILID' | 'THREADID';

export type FetchItem =
  | { kind: SimpleItem }
  | { kind: 'section'; peek: boolean; section: Section; partial: Partial | null }
  /** RFC 3516: BINARY[part]<partial>, BINARY.PEEK[part]<partial>, BINARY.SIZE[part]. */
  | { kind: 'binary'; peek: boolean; part: number[]; partial: Partial | null }
  | { kind: 'binary.size'; part: number[] };

const MACROS: Record<string, SimpleItem[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

const SIMPLE = new Set<string>(['ENVELOPE', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'BODYSTRUCTURE', 'UID', 'MODSEQ', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT',
  'EMAILID', 'THREADID']);

/** The items after the sequence set: a macro, one item, or a parenthesized list. */
export function parseFetchItems(cur: Cursor): FetchItem[] {
  if (cur.peek() === 0x28) return cur.list(() => fetchAtt(cur), false);
  for (const [name, items] of Object.entries(MACROS)) {
    if (cur.acceptWord(name)) return items.map((kind) => ({ kind }));
  }
  return [fetchAtt(cur)];
}

function fetchAtt(cur: Cursor): FetchItem {
  if (cur.accept('BODY.PEEK[')) return sectionItem(cur, true);
  if (cur.accept('BODY[')) return sectionItem(cur, false);
  if (cur.accept('BINARY.PEEK[')) return binaryItem(cur, true);
  if (cur.accept('BINARY[')) return binaryItem(cur, false);
  if (cur.accept('BINARY.SIZE[')) return { kind: 'binary.size', part: binaryPart(cur) };
  // Longest names first: "RFC822.SIZE" before "RFC822", "BODYSTRUCTURE" before "BODY".
  const name = readName(cur);
  if (name === 'BODY' || SIMPLE.has(name)) return { kind: name as SimpleItem };
  throw new ParseError(`unknown FETCH item ${name}`);
}

function readName(cur: Cursor): string {
  const start = cur.pos;
  while (!cur.atEnd) {
    const c = cur.peek();
    if (c === 0x20 || c === 0x29 || c === 0x28 || c === 0x5b) break;
    cur.pos++;
  }
  if (cur.pos === start) throw new ParseError(`expected a FETCH item${cur.where()}`);
  return cur.buf.subarray(start, cur.pos).toString('latin1').toUpperCase();
}

function sectionItem(cur: Cursor, peek: boolean): FetchItem {
  const section = parseSection(cur);
  cur.expect(']');
  return { kind: 'section', peek, section, partial: parsePartial(cur) };
}

function parsePartial(cur: Cursor): Partial | null {
  if (!cur.accept('<')) return null;
  const start = cur.number();
  cur.expect('.');
  const length = cur.nzNumber();
  cur.expect('>');
  return { start, length };
}

/** section-binary = "[" [section-part] "]" (the "[" already read). */
function binaryPart(cur: Cursor): number[] {
  const part: number[] = [];
  if (cur.accept(']')) return part;
  for (;;) {
    part.push(cur.nzNumber());
    if (cur.accept(']')) return part;
    cur.expect('.');
  }
}

function binaryItem(cur: Cursor, peek: boolean): FetchItem {
  const part = binaryPart(cur);
  return { kind: 'binary', peek, part, partial: parsePartial(cur) };
}

/** What is between "[" and "]" (the "[" already read). */
export function parseSection(cur: Cursor): Section {
  const part: number[] = [];
  while (cur.peek() >= 0x30 && cur.peek() <= 0x39) {
    part.push(cur.nzNumber());
    if (!cur.accept('.')) return { part, text: null };
  }
  if (cur.peek() === 0x5d) {
    if (part.length > 0) throw new ParseError(`a part number cannot end with "."${cur.where()}`);
    return { part, text: null };
  }
  if (cur.accept('HEADER.FIELDS')) {
    const not = cur.accept('.NOT');
    cur.sp();
    const fields = cur.list(() => cur.astring().toString('latin1').toUpperCase(), false);
    for (const f of fields) {
      // field-name = 1*ftext, ftext = %d33-57 / %d59-126 (RFC 5322 §3.6.8)
      if (!/^[\x21-\x39\x3b-\x7e]+$/.test(f)) throw new ParseError(`invalid header field name ${JSON.stringify(f)}`);
    }
    return { part, text: { kind: 'HEADER.FIELDS', not, fields } };
  }
  if (cur.accept('HEADER')) return { part, text: { kind: 'HEADER' } };
  if (cur.accept('TEXT')) return { part, text: { kind: 'TEXT' } };
  if (part.length > 0 && cur.accept('MIME')) return { part, text: { kind: 'MIME' } };
  throw new ParseError(`invalid section${cur.where()}`);
}

/** The name of the item in the response: "BODY[1.HEADER.FIELDS (SUBJECT)]<0>". The response
 *  never says PEEK, and the partial gives only the origin (RFC 9051 §7.5.2). */
export function sectionResponseName(item: Extract<FetchItem, { kind: 'section' }>): string {
  return `BODY[${sectionSpec(item.section)}]${item.partial ? `<${item.partial.start}>` : ''}`;
}

export function sectionSpec(section: Section): string {
  const parts = section.part.map(String);
  const t = section.text;
  if (t) {
    parts.push(t.kind === 'HEADER.FIELDS' ? `HEADER.FIELDS${t.not ? '.NOT' : ''} (${t.fields.join(' ')})` : t.kind);
  }
  return parts.join('.');
}
