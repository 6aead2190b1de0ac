import { describe, expect, it } from 'vitest';
import { fromFieldCount } from './sender.js';

describe('fromFieldCount', () => {
  it('counts From: fields in the header only, any case', () => {
    expect(fromFieldCount(Buffer.from('From: a@b.c\r\nSubject: x\r\n\r\nFrom: in the body\r\n'))).toBe(1);
    expect(fromFieldCount(Buffer.from('FROM : a@b.c\r\nfrom: d@e.f\r\n\r\n'))).toBe(2);
    expect(fromFieldCount(Buffer.from('Subject: x\r\nX-From: y\r\n\r\n'))).toBe(0);
    expect(fromFieldCount(Buffer.from('Subject: x\nFrom: a@b.c\n\nFrom: body\n'))).toBe(1);
  });
});
