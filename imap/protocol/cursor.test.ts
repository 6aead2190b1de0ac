import { describe, expect, it } from 'vitest';
import { Cursor, ParseError } from './cursor.js';

const cur = (s: string) => new Cursor(Buffer.from(s, 'latin1'));

describe('Cursor', () => {
  it('reads atoms, astrings, quoted strings and literals', () => {
    const c = cur('abc "q\\"x\\\\" {3}\r\nl\r\n ]x');
    expect(c.atom()).toBe('abc');
    c.sp();
    expect(c.astring().toString()).toBe('q"x\\');
    c.sp();
    expect(c.astring().toString()).toBe('l\r\n');
    c.sp();
    expect(c.astring().toString()).toBe(']x');
    c.end();
  });

  it('reads LITERAL+ literals', () => {
    expect(cur('{2+}\r\nab').string().toString()).toBe('ab');
  });

  it.each([
    ['unterminated quoted', '"abc', (c: Cursor) => c.string()],
    ['bad escape', '"a\\b"', (c: Cursor) => c.string()],
    ['literal shorter than said', '{5}\r\nab', (c: Cursor) => c.string()],
    ['NUL in literal', '{2}\r\na\0', (c: Cursor) => c.string()],
    ['no digits', '{x}\r\n', (c: Cursor) => c.string()],
    ['number too large', '4294967296', (c: Cursor) => c.number()],
    ['zero nz-number', '0', (c: Cursor) => c.nzNumber()],
    ['empty atom', '(', (c: Cursor) => c.atom()],
    ['tag with +', '+', (c: Cursor) => c.tag()],
    ['list not closed', '(a b', (c: Cursor) => c.list(() => c.atom())],
    ['two spaces in list', '(a  b)', (c: Cursor) => c.list(() => c.atom())],
  ])('throws ParseError on %s', (_name, input, read) => {
    expect(() => read(cur(input))).toThrow(ParseError);
  });

  it('tells NIL from an atom starting with NIL', () => {
    expect(cur('NIL').nstring()).toBeNull();
    expect(cur('"NIL"').nstring()?.toString()).toBe('NIL');
    const c = cur('NILS');
    expect(c.acceptWord('NIL')).toBe(false);
  });

  it('reads flag lists with system flags and keywords', () => {
    expect(cur('(\\Seen $Forwarded \\Flagged)').flagList()).toEqual(['\\Seen', '$Forwarded', '\\Flagged']);
    expect(cur('()').flagList()).toEqual([]);
  });

  it('accepts 8-bit octets in quoted strings (UTF-8 passwords)', () => {
    expect(new Cursor(Buffer.from('"mot de passe é"')).astringText()).toBe('mot de passe é');
  });
});
