// ical.js glue: bounded, cached parsing, value helpers, and a guard against rules that
// would make ical.js loop forever. Time zones are in timezones.ts.
import ICAL from 'ical.js';
import { Invalid } from '../errors.js';
import { MAX_CALENDAR_BYTES, MAX_COMPONENTS, MAX_DEPTH } from './limits.js';
import { attachTimezones, registerFallbackZones } from './timezones.js';

export { ICAL };
export type Component = InstanceType<typeof ICAL.Component>;
export type Property = InstanceType<typeof ICAL.Property>;
export type Time = InstanceType<typeof ICAL.Time>;
export type Duration = InstanceType<typeof ICAL.Duration>;

export const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------
// Loop guard. ical.js' RecurIterator.next() spins until the contracting BYxxx parts accept
// a candidate; a rule that can never match (FREQ=HOURLY;INTERVAL=24;BYHOUR=5 with a DTSTART
// at 06:00, FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30) never returns. We count candidates per
// next() call and give up past a bound generous enough for every real rule (a daily rule
// waiting for Feb 29 needs ~1,500 steps).
const MAX_STEPS_PER_INSTANCE = 10_000;
export class RecurrenceTooSparse extends Error {}
{
  const proto = ICAL.RecurIterator.prototype as any;
  if (!proto.__facteurGuard) {
    const origNext = proto.next;
    const origCheck = proto.check_contracting_rules;
    proto.next = function guardedNext(this: any, again?: boolean) {
      if (!again) this.__facteurSteps = 0;
      return origNext.call(this, again);
    };
    proto.check_contracting_rules = function guardedCheck(this: any) {
      this.__facteurSteps = (this.__facteurSteps ?? 0) + 1;
      if (this.__facteurSteps > MAX_STEPS_PER_INSTANCE) {
        throw new RecurrenceTooSparse('recurrence rule produces no instance within a reasonable search');
      }
      return origCheck.call(this);
    };
    proto.__facteurGuard = true;
  }
}

// ---------------------------------------------------------------------------------------
// Parsing.

/** Checks size, nesting and component count before handing text to ical.js. */
function precheck(text: string, maxBytes: number, what: string): void {
  if (typeof text !== 'string') throw new Invalid(`${what} must be text`);
  if (text.length > maxBytes || Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new Invalid(`${what} is larger than ${maxBytes} bytes`);
  }
  let depth = 0;
  let components = 0;
  const re = /^(BEGIN|END):/gim;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[1].toUpperCase() === 'BEGIN') {
      depth++;
      components++;
      if (depth > MAX_DEPTH) throw new Invalid(`${what} nests components deeper than ${MAX_DEPTH} levels`);
      if (components > MAX_COMPONENTS) throw new Invalid(`${what} has more than ${MAX_COMPONENTS} components`);
    } else {
      depth--;
    }
  }
}

// Parsed objects, by exact text. CalDAV clients repeat the same queries over the same
// collection, and parsing is most of the cost of a query. Roots are never modified after
// parsing (expand works on deep copies), so sharing them is safe. Bounded by total text size.
const parsedCache = new Map<string, Component>();
let parsedCacheChars = 0;
const MAX_PARSED_CACHE_CHARS = 8 * 1024 * 1024;

function remember(text: string, root: Component): void {
  if (text.length > MAX_PARSED_CACHE_CHARS / 16) return;
  while (parsedCacheChars + text.length > MAX_PARSED_CACHE_CHARS && parsedCache.size > 0) {
    const oldest = parsedCache.keys().next().value as string;
    parsedCache.delete(oldest);
    parsedCacheChars -= oldest.length;
  }
  parsedCache.set(text, root);
  parsedCacheChars += text.length;
}

/** Parses one iCalendar/vCard object into its root component; throws Invalid. */
export function parseRoot(text: string, what: string, maxBytes = MAX_CALENDAR_BYTES): Component {
  if (typeof text !== 'string') throw new Invalid(`${what} must be text`);
  const cached = parsedCache.get(text);
  if (cached && text.length <= maxBytes && Buffer.byteLength(text, 'utf8') <= maxBytes) {
    // Refresh its place in the LRU order.
    parsedCache.delete(text);
    parsedCache.set(text, cached);
    return cached;
  }
  precheck(text, maxBytes, what);
  let jcal: any;
  try {
    jcal = ICAL.parse(text);
  } catch (err) {
    throw new Invalid(`${what} cannot be parsed: ${(err as Error).message.slice(0, 200)}`);
  }
  if (!Array.isArray(jcal) || jcal.length === 0) throw new Invalid(`${what} is empty`);
  if (Array.isArray(jcal[0])) {
    if (jcal.length !== 1) throw new Invalid(`${what} holds several objects; exactly one is expected`);
    jcal = jcal[0];
  }
  const root = new ICAL.Component(jcal);
  if (root.name === 'vcalendar') attachTimezones(root, text);
  registerFallbackZones(root);
  remember(text, root);
  return root;
}


// ---------------------------------------------------------------------------------------
// Value helpers.

/** A DATE/DATE-TIME property value as ical.js Time, or null; throws Invalid on garbage. */
export function timeValue(comp: Component, name: string): Time | null {
  const prop = comp.getFirstProperty(name);
  if (!prop) return null;
  checkRawTimes(prop, name);
  let value: unknown;
  try { value = prop.getFirstValue(); } catch {
    throw new Invalid(`${name.toUpperCase()} has an invalid value`);
  }
  if (!(value instanceof ICAL.Time)) throw new Invalid(`${name.toUpperCase()} is not a date or date-time`);
  checkTime(value, name);
  return value;
}

const RAW_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(Z)?)?$/;

/** ical.js normalises 2026-13-45 into 2027-02-14: check the written values first. */
export function checkRawTimes(prop: Property, name: string): void {
  const json = prop.toJSON() as unknown[];
  const type = json[2];
  if (type !== 'date' && type !== 'date-time' && type !== 'period') return;
  for (const raw of json.slice(3)) {
    const parts = Array.isArray(raw) ? raw : [raw];
    for (const part of parts) {
      if (typeof part !== 'string' || (type === 'period' && part.startsWith('P'))) continue;
      const m = RAW_TIME.exec(part);
      if (!m) throw new Invalid(`${name.toUpperCase()} is not a valid date`);
      const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const okDate = year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= ICAL.Time.daysInMonth(month, year);
      const okTime = m[4] === undefined || (Number(m[4]) <= 23 && Number(m[5]) <= 59 && Number(m[6]) <= 60);
      if (!okDate || !okTime) throw new Invalid(`${name.toUpperCase()} is not a valid date`);
    }
  }
}

export function checkTime(t: Time, name: string): void {
  const ok = Number.isInteger(t.year) && t.year >= 1 && t.year <= 9999
    && t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= ICAL.Time.daysInMonth(t.month, t.year)
    && (t.isDate || (t.hour >= 0 && t.hour <= 23 && t.minute >= 0 && t.minute <= 59 && t.second >= 0 && t.second <= 60));
  if (!ok) throw new Invalid(`${name.toUpperCase()} is not a valid date`);
}

export function durationValue(comp: Component, name = 'duration'): Duration | null {
  const prop = comp.getFirstProperty(name);
  if (!prop) return null;
  let value: unknown;
  try { value = prop.getFirstValue(); } catch {
    throw new Invalid(`${name.toUpperCase()} has an invalid value`);
  }
  if (!(value instanceof ICAL.Duration)) throw new Invalid(`${name.toUpperCase()} is not a duration`);
  return value;
}

/** Milliseconds since the epoch (floating and DATE values read as UTC). */
export function ms(t: Time): number {
  return t.toUnixTime() * 1000;
}

/** iCalendar UTC form: 20260301T090000Z. */
export function utcStamp(msValue: number): string {
  return new Date(msValue).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function utcTime(msValue: number): Time {
  return ICAL.Time.fromJSDate(new Date(msValue), true);
}

export function textValue(comp: Component, name: string): string | null {
  try {
    const v = comp.getFirstPropertyValue(name);
    return typeof v === 'string' ? v : v == null ? null : String(v);
  } catch {
    return null;
  }
}
