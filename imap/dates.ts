// IMAP dates (RFC 9051 §9): date-time for INTERNALDATE and APPEND, date for SEARCH.
import { Cursor, ParseError } from './protocol/cursor.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** "17-Jul-1996 02:44:25 +0000" (date-day-fixed: the day is space-padded). Stored dates are
 *  instants; they are shown in UTC. */
export function formatDateTime(d: Date): string {
  return `${String(d.getUTCDate()).padStart(2, ' ')}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} `
    + `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

const DATE_TIME = /^( ?\d|\d\d)-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/;

/** date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE */
export function parseDateTime(cur: Cursor): Date {
  if (cur.peek() !== 0x22) throw new ParseError(`expected a quoted date-time${cur.where()}`);
  const text = cur.quoted().toString('latin1');
  const m = DATE_TIME.exec(text);
  const month = m ? monthIndex(m[2]) : -1;
  if (!m || month < 0) throw new ParseError(`invalid date-time "${text}"`);
  const [day, year, h, min, s, zh, zm] = [m[1], m[3], m[4], m[5], m[6], m[8], m[9]].map((x) => Number(x.trim()));
  if (!validDay(year, month, day) || h > 23 || min > 59 || s > 60 || zm > 59) throw new ParseError(`invalid date-time "${text}"`);
  const offset = (m[7] === '-' ? -1 : 1) * (zh * 60 + zm);
  return new Date(Date.UTC(year, month, day, h, min, Math.min(s, 59)) - offset * 60_000);
}

/** date = date-text / DQUOTE date-text DQUOTE; date-text = date-day "-" date-month "-" date-year.
 *  Returned as the UTC midnight of that day. */
export function parseDate(cur: Cursor): Date {
  const quoted = cur.peek() === 0x22;
  const text = quoted ? cur.quoted().toString('latin1') : cur.atom();
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  const month = m ? monthIndex(m[2]) : -1;
  if (!m || month < 0 || !validDay(Number(m[3]), month, Number(m[1]))) throw new ParseError(`invalid date "${text}"`);
  return new Date(Date.UTC(Number(m[3]), month, Number(m[1])));
}

function monthIndex(name: string): number {
  return MONTHS.findIndex((x) => x.toLowerCase() === name.toLowerCase());
}

function validDay(year: number, month: number, day: number): boolean {
  return day >= 1 && day <= new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** Midnight UTC of the day of `d`: SEARCH date keys disregard time and zone (RFC 9051 §6.4.4). */
export function dayOf(d: Date): number {
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}
