// Human durations for token lifetimes and audit queries: "90d", "12h", "30m", "2w".
import { Invalid } from '../errors.js';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

export function parseDuration(text: string, field = 'duration'): number {
  const m = /^\s*(\d{1,6})\s*([mhdw])\s*$/i.exec(text);
  if (!m || Number(m[1]) === 0) throw new Invalid(`invalid ${field} "${text}": use a number with m, h, d or w (e.g. 90d)`, field);
  return Number(m[1]) * UNIT_MS[m[2].toLowerCase()];
}

/** An ISO date or a duration back from `now` ("7d" = seven days ago). */
export function parseTime(text: string, now: Date = new Date(), field = 'time'): Date {
  if (/^\s*\d+\s*[mhdw]\s*$/i.test(text)) return new Date(now.getTime() - parseDuration(text, field));
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim()) || Number.isNaN(date.getTime())) {
    throw new Invalid(`invalid ${field} "${text}": use an ISO date (2026-09-01 or 2026-09-01T08:00Z) or an age such as 7d`, field);
  }
  return date;
}
