import { describe, expect, it } from 'vitest';
import { Cursor, ParseError } from './cursor.js';
import { compactSet, parseSequenceSet, resolveSequenceNumbers, resolveUids } from './sequence.js';

const parse = (s: string) => parseSequenceSet(new Cursor(Buffer.from(s)));

describe('sequence sets', () => {
  it('resolves ranges, reversed ranges and "*" against the message count', () => {
    expect(resolveSequenceNumbers(parse('2:4,1,*'), 6)).toEqual([1, 2, 3, 4, 6]);
    expect(resolveSequenceNumbers(parse('*:5'), 6)).toEqual([5, 6]);
    expect(resolveSequenceNumbers(parse('3'), 3)).toEqual([3]);
  });

  it('a sequence number above the count (or * when empty) is invalid', () => {
    expect(resolveSequenceNumbers(parse('1:7'), 6)).toBeNull();
    expect(resolveSequenceNumbers(parse('1:*'), 0)).toBeNull();
  });

  it('resolves UID sets: missing UIDs ignored, n:* includes the last even above it (RFC 3501 §6.4.8)', () => {
    const uids = [3, 5, 9, 12];
    expect(resolveUids(parse('1:5'), uids)).toEqual([3, 5]);
    expect(resolveUids(parse('100:*'), uids)).toEqual([12]);
    expect(resolveUids(parse('*'), uids)).toEqual([12]);
    expect(resolveUids(parse('4,6:8'), uids)).toEqual([]);
    expect(resolveUids(parse('1:*'), [])).toEqual([]);
  });

  it('recognises "$" as the saved result', () => {
    expect(parse('$')).toEqual({ saved: true });
  });

  it.each(['0', '1:0', ',1', '1,', 'a', '1:', ':2', '1::2'])('rejects %s', (s) => {
    expect(() => {
      const c = new Cursor(Buffer.from(s));
      parseSequenceSet(c);
      c.end();
    }).toThrow(ParseError);
  });

  it('writes compact sets for COPYUID', () => {
    expect(compactSet([1, 2, 3, 5, 7, 8])).toBe('1:3,5,7:8');
    expect(compactSet([4])).toBe('4');
  });
});
