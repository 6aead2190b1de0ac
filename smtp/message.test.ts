import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { hasNul, headerEnd, headerFields, normalizeBareLf, readMessage } from './message.js';

describe('readMessage', () => {
  it('collects the stream, or only counts it past the limit', async () => {
    const small = new PassThrough();
    const p = readMessage(small, 10);
    small.end(Buffer.from('0123456789'));
    expect(await p).toEqual({ raw: Buffer.from('0123456789'), size: 10 });

    const big = new PassThrough();
    const q = readMessage(big, 10);
    big.write('0123456789');
    big.end('X');
    expect(await q).toEqual({ raw: null, size: 11 });
  });

  it('rejects when the stream is destroyed before its end (client gone)', async () => {
    const s = new PassThrough();
    const p = readMessage(s, 100);
    s.write('partial');
    s.destroy(new Error('Connection closed'));
    await expect(p).rejects.toThrow('Connection closed');
  });
});

describe('normalizeBareLf', () => {
  it('turns lone LF into CRLF and leaves CRLF alone', () => {
    expect(normalizeBareLf(Buffer.from('a\nb\r\nc\n\nd')).toString()).toBe('a\r\nb\r\nc\r\n\r\nd');
    expect(normalizeBareLf(Buffer.from('\nx')).toString()).toBe('\r\nx');
    const clean = Buffer.from('a\r\nb\r\n');
    expect(normalizeBareLf(clean)).toBe(clean);
  });
});

describe('hasNul', () => {
  it('finds a NUL anywhere', () => {
    expect(hasNul(Buffer.from('abc'))).toBe(false);
    expect(hasNul(Buffer.from('a\0c'))).toBe(true);
  });
});

describe('headerFields', () => {
  it('lists fields with folded lines, stops at the blank line', () => {
    const raw = Buffer.from('Received: from a\r\n\tby b; date\r\nSubject : hi\r\nX-Y: 1\r\n\r\nReceived: not a header\r\n');
    expect(headerEnd(raw)).toBe(raw.indexOf('\r\n\r\n') + 2);
    const fields = headerFields(raw);
    expect(fields.map((f) => f.name)).toEqual(['received', 'subject', 'x-y']);
    expect(raw.subarray(fields[0].start, fields[0].end).toString()).toBe('Received: from a\r\n\tby b; date\r\n');
  });

  it('handles a message without body and one without headers', () => {
    expect(headerFields(Buffer.from('A: 1\r\nB: 2')).map((f) => f.name)).toEqual(['a', 'b']);
    expect(headerFields(Buffer.from('\r\nbody only'))).toEqual([]);
  });
});
