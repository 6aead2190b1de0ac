import { describe, expect, it } from 'vitest';
import { formatSize, parseSize } from './size.js';

describe('parseSize', () => {
  it('reads binary multiples', () => {
    expect(parseSize('2G')).toBe(2 * 1024 ** 3);
    expect(parseSize('500M')).toBe(500 * 1024 ** 2);
    expect(parseSize('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('10kb')).toBe(10 * 1024);
    expect(parseSize('1048576')).toBe(1048576);
    expect(parseSize('unlimited')).toBe(0);
  });
  it.each(['12Q', '', 'G', '-1G', '1,5G', '2 GG'])('refuses %j', (bad) => {
    expect(() => parseSize(bad)).toThrow(/invalid size/);
  });
  it('formats back', () => {
    expect(formatSize(2 * 1024 ** 3)).toBe('2G');
    expect(formatSize(1536 * 1024)).toBe('1.5M');
    expect(formatSize(0)).toBe('0');
  });
});
