// Human sizes for quotas: "2G", "500M", "1.5GiB", "1048576", "0" or "unlimited" (0 = no limit).
// Binary multiples, as mail clients and `du -h` show them.
import { Invalid } from '../errors.js';

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

export function parseSize(input: string | number): number {
  if (typeof input === 'number') {
    if (Number.isSafeInteger(input) && input >= 0) return input;
    throw new Invalid(`invalid size ${input}`, 'size');
  }
  const text = input.trim();
  if (/^(unlimited|none)$/i.test(text)) return 0;
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(text);
  if (!m) throw new Invalid(`invalid size "${input}": use bytes or a number with K, M, G or T (e.g. 2G)`, 'size');
  const bytes = Math.round(Number(m[1]) * UNITS[m[2].toUpperCase()]);
  if (!Number.isSafeInteger(bytes)) throw new Invalid(`invalid size "${input}": too large`, 'size');
  return bytes;
}

export function formatSize(bytes: number): string {
  if (bytes === 0) return '0';
  for (const unit of ['T', 'G', 'M', 'K']) {
    const v = bytes / UNITS[unit];
    if (v >= 1) return `${Number.isInteger(v) ? v : v.toFixed(1)}${unit}`;
  }
  return `${bytes}B`;
}
