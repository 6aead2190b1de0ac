import { describe, expect, it } from 'vitest';
import { atom, line, literal, nstr, quotable, str } from './compiler.js';

const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('latin1');

describe('response compiler', () => {
  it('quotes simple strings, escaping quotes and backslashes', () => {
    expect(quotable('a "b" \\c')).toBe('"a \\"b\\" \\\\c"');
  });

  it('uses literals for 8-bit text, CR/LF and long strings', () => {
    expect(text(line('* X ', str('été')))).toBe('* X {5}\r\nété\r\n'.replace('été', Buffer.from('été').toString('latin1')));
    expect(text(line('* X ', str('a\r\nb')))).toBe('* X {4}\r\na\r\nb\r\n');
    expect(text(line('* X ', str('x'.repeat(2000))))).toMatch(/^\* X \{2000\}\r\n/);
  });

  it('writes lists, NIL, numbers and atoms', () => {
    expect(text(line('* 1 FETCH ', [atom('FLAGS'), [atom('\\Seen')], atom('UID'), 7, nstr(null), str('')]))).toBe('* 1 FETCH (FLAGS (\\Seen) UID 7 NIL "")\r\n');
  });

  it('keeps literal octets unchanged', () => {
    const raw = Buffer.from([0xff, 0x00, 0x0d, 0x0a]);
    const out = Buffer.concat(line('* ', literal(raw)));
    expect(out.subarray(out.indexOf('\n') + 1, out.length - 2)).toEqual(raw);
  });
});
