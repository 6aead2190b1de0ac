import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ByteBudget, hasNul, headerEnd, headerFields, normalizeBareLf, readMessage } from './message.js';

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

  it('shares a budget across messages: past it, a message is read and dropped, and its bytes given back', async () => {
    const budget = new ByteBudget(10);
    const a = new PassThrough();
    const b = new PassThrough();
    const pa = readMessage(a, 100, budget);
    const pb = readMessage(b, 100, budget);
    a.write('01234567');
    b.write('0123');
    b.end('45');
    // b did not fit beside a: dropped, its reply will say "try later".
    expect(await pb).toEqual({ raw: null, size: 6, overBudget: true });
    expect(budget.inUse).toBe(8);
    a.end('89');
    expect(await pa).toEqual({ raw: Buffer.from('0123456789'), size: 10 });
    expect(budget.inUse).toBe(0);
    // Too big beats over budget: the permanent answer.
    const c = new PassThrough();
    const pc = readMessage(c, 5, budget);
    c.end('0123456789X');
    expect(await pc).toEqual({ raw: null, size: 11 });
    // A client gone in the middle gives its bytes back too.
    const d = new PassThrough();
    const pd = readMessage(d, 100, budget);
    d.write('0123');
    d.destroy(new Error('Connection closed'));
    await expect(pd).rejects.toThrow('Connection closed');
    expect(budget.inUse).toBe(0);
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
