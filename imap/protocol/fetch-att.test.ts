import { describe, expect, it } from 'vitest';
import { Cursor, ParseError } from './cursor.js';
import { parseFetchItems, sectionResponseName, type FetchItem } from './fetch-att.js';

const parse = (s: string) => {
  const c = new Cursor(Buffer.from(s));
  const items = parseFetchItems(c);
  c.end();
  return items;
};
const names = (items: FetchItem[]) => items.map((i) => (i.kind === 'section' ? `${i.peek ? 'PEEK ' : ''}${sectionResponseName(i)}` : i.kind));

describe('FETCH items', () => {
  it('expands macros', () => {
    expect(names(parse('ALL'))).toEqual(['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE']);
    expect(names(parse('fast'))).toEqual(['FLAGS', 'INTERNALDATE', 'RFC822.SIZE']);
    expect(names(parse('FULL'))).toEqual(['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY']);
  });

  it('reads simple items, in a list or alone', () => {
    expect(names(parse('(UID FLAGS RFC822.SIZE BODYSTRUCTURE BODY ENVELOPE RFC822.HEADER MODSEQ)')))
      .toEqual(['UID', 'FLAGS', 'RFC822.SIZE', 'BODYSTRUCTURE', 'BODY', 'ENVELOPE', 'RFC822.HEADER', 'MODSEQ']);
    expect(names(parse('rfc822'))).toEqual(['RFC822']);
  });

  it('reads every section form, with partials', () => {
    expect(names(parse('(BODY[] BODY.PEEK[HEADER] BODY[TEXT]<0.100> BODY[1.2.MIME] BODY[3] BODY[2.HEADER.FIELDS (Subject from)] BODY.PEEK[HEADER.FIELDS.NOT (X-A)]<5.10>)')))
      .toEqual(['BODY[]', 'PEEK BODY[HEADER]', 'BODY[TEXT]<0>', 'BODY[1.2.MIME]', 'BODY[3]', 'BODY[2.HEADER.FIELDS (SUBJECT FROM)]', 'PEEK BODY[HEADER.FIELDS.NOT (X-A)]<5>']);
    const [item] = parse('BODY[1.TEXT]<10.20>');
    expect(item).toEqual({ kind: 'section', peek: false, section: { part: [1], text: { kind: 'TEXT' } }, partial: { start: 10, length: 20 } });
  });

  it('reads BINARY, BINARY.PEEK and BINARY.SIZE (RFC 3516), EMAILID and THREADID', () => {
    expect(parse('(BINARY[1.2]<0.10> BINARY.PEEK[] BINARY.SIZE[3] EMAILID THREADID)')).toEqual([
      { kind: 'binary', peek: false, part: [1, 2], partial: { start: 0, length: 10 } },
      { kind: 'binary', peek: true, part: [], partial: null },
      { kind: 'binary.size', part: [3] },
      { kind: 'EMAILID' },
      { kind: 'THREADID' },
    ]);
  });

  it.each([
    'BODY[MIME]', 'BODY[0]', 'BODY[1.]', 'BODY[HEADER.FIELDS ()]', 'BODY[HEADER.FIELDS]', 'BODY[TEXT', 'BODY[]<0>',
    'BODY[]<1.0>', 'BINARY[1.]', 'BINARY[TEXT]', 'BINARY.SIZE[]<0.1>', 'FOO', '()', '(FLAGS', 'BODY[HEADER.FIELDS ("a b")]', 'BODY[1.HEADER.FIELDS (A)',
  ])('rejects %s', (s) => {
    expect(() => parse(s)).toThrow(ParseError);
  });
});
