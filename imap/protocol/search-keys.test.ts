import { describe, expect, it } from 'vitest';
import { Cursor, ParseError } from './cursor.js';
import { parseSearchProgram } from './search-keys.js';

const parse = (s: string) => {
  const c = new Cursor(Buffer.from(s));
  const key = parseSearchProgram(c);
  c.end();
  return key;
};

describe('SEARCH keys', () => {
  it('reads several keys as AND, with OR, NOT and parentheses', () => {
    expect(parse('SEEN NOT FROM "Paul" OR (SUBJECT x LARGER 10) UID 1:*')).toEqual({
      kind: 'and',
      keys: [
        { kind: 'flag', flag: '\\Seen', present: true },
        { kind: 'not', key: { kind: 'text', field: 'from', value: 'Paul' } },
        { kind: 'or', a: { kind: 'and', keys: [{ kind: 'text', field: 'subject', value: 'x' }, { kind: 'size', op: 'larger', n: 10 }] }, b: { kind: 'uid', set: { saved: false, ranges: [[1, '*']] } } },
      ],
    });
  });

  it('reads dates with or without quotes, as UTC days', () => {
    expect(parse('SINCE 1-Feb-2025')).toEqual({ kind: 'date', source: 'internal', op: 'since', day: Date.UTC(2025, 1, 1) });
    expect(parse('SENTBEFORE "29-Feb-2024"')).toEqual({ kind: 'date', source: 'sent', op: 'before', day: Date.UTC(2024, 1, 29) });
  });

  it('reads sequence sets, keywords, headers and UTF-8 text', () => {
    expect(parse('2:4 KEYWORD $Work HEADER X-Mailer "Thunder" BODY {7}\r\nélève')).toMatchObject({
      kind: 'and',
      keys: [{ kind: 'seq' }, { kind: 'flag', flag: '$Work', present: true }, { kind: 'header', name: 'x-mailer', value: 'Thunder' }, { kind: 'text', field: 'body', value: 'élève' }],
    });
  });

  it.each(['', 'FOO', 'OR SEEN', 'NOT', 'SINCE 31-Feb-2025', 'SINCE 1-Foo-2025', 'LARGER x', '(SEEN', '()', 'UID', 'HEADER Subject'])('rejects %j', (s) => {
    expect(() => parse(s)).toThrow(ParseError);
  });
});
