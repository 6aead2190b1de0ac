// Recurrence instances of VEVENT/VTODO/VJOURNAL components (RFC 5545 §3.8.5, RFC 4791 §9.9).
//
// We expand RRULEs with ical.js' RecurIterator but build the recurrence set ourselves
// (DTSTART + RRULE + RDATE − EXDATE, overrides by RECURRENCE-ID): ical.js' RecurExpansion
// misses EXDATEs in some orders and fails on RDATE;VALUE=PERIOD.
import { Invalid } from '../errors.js';
import { ICAL, DAY_MS, RecurrenceTooSparse, checkRawTimes, checkTime, durationValue, ms, timeValue } from './ical.js';
import type { Component, Time } from './ical.js';
import { MAX_INSTANCES, MAX_YEARS } from './limits.js';

export type MainType = 'VEVENT' | 'VTODO' | 'VJOURNAL';
export const MAIN_TYPES: readonly MainType[] = ['VEVENT', 'VTODO', 'VJOURNAL'];

/** One occurrence, with the effective values RFC 4791 §9.9 needs. */
export interface Instance {
  /** The component whose properties apply (the master, or the override for that instance). */
  comp: Component;
  type: MainType;
  /** Effective DTSTART (ms) or null (VTODO/VJOURNAL without DTSTART). */
  start: number | null;
  startTime: Time | null;
  /** DTSTART is a DATE (all-day). */
  isDate: boolean;
  /** VEVENT: effective DTEND (DTEND, DTSTART+DURATION, or the §9.9 default). VTODO: effective DUE. */
  end: number | null;
  /** DURATION property (ms) when present, else null. */
  duration: number | null;
  /** Original start of this instance in a recurring series (its RECURRENCE-ID), else null. */
  recurrenceId: Time | null;
}

export interface Series {
  /** Instances in start order; complete unless `truncated`. */
  instances: Instance[];
  /** Expansion stopped at a cap (MAX_INSTANCES / MAX_YEARS) or at the window end. */
  truncated: boolean;
  /** The recurrence has no COUNT/UNTIL or was cut at a cap: it has no known last instance. */
  unbounded: boolean;
  /** Cut at MAX_INSTANCES / MAX_YEARS: expanding further would give nothing more. */
  capped: boolean;
}

/** The components of the main types in a VCALENDAR, in order. */
export function mainComponents(vcal: Component): Component[] {
  return vcal.getAllSubcomponents().filter((c) => MAIN_TYPES.includes(c.name.toUpperCase() as MainType));
}

/** UTC-ms key of a RECURRENCE-ID / instance start, comparable across zones. */
export function instanceKey(t: Time): number {
  return ms(t);
}

function dayKey(t: Time): string {
  return `${t.year}-${t.month}-${t.day}`;
}

interface Base {
  type: MainType;
  dtstart: Time | null;
  /** Length of each instance (ms): DTEND−DTSTART, DURATION, or DUE−DTSTART for a VTODO. */
  length: number | null;
  duration: number | null;
  /** VTODO: DUE without DTSTART. */
  due: Time | null;
  hasEnd: boolean;
}

function baseOf(comp: Component): Base {
  const type = comp.name.toUpperCase() as MainType;
  const dtstart = timeValue(comp, 'dtstart');
  const durationProp = durationValue(comp);
  const duration = durationProp ? durationProp.toSeconds() * 1000 : null;
  if (type === 'VEVENT') {
    const dtend = timeValue(comp, 'dtend');
    if (!dtstart) throw new Invalid('VEVENT without DTSTART');
    if (dtend && durationProp) throw new Invalid('VEVENT has both DTEND and DURATION');
    let length: number;
    if (dtend) {
      length = ms(dtend) - ms(dtstart);
      if (length < 0) throw new Invalid('DTEND is before DTSTART');
    } else if (duration !== null) {
      if (duration < 0) throw new Invalid('DURATION is negative');
      length = duration;
    } else {
      // RFC 4791 §9.9: one day for a DATE DTSTART, zero for a DATE-TIME.
      length = dtstart.isDate ? DAY_MS : 0;
    }
    return { type, dtstart, length, duration, due: null, hasEnd: !!dtend };
  }
  if (type === 'VTODO') {
    const due = timeValue(comp, 'due');
    if (due && durationProp) throw new Invalid('VTODO has both DUE and DURATION');
    if (durationProp && !dtstart) throw new Invalid('VTODO has DURATION without DTSTART');
    let length: number | null = null;
    if (dtstart && due) {
      length = ms(due) - ms(dtstart);
      if (length < 0) throw new Invalid('DUE is before DTSTART');
    } else if (dtstart && duration !== null) {
      if (duration < 0) throw new Invalid('DURATION is negative');
      length = duration;
    }
    return { type, dtstart, length, duration, due, hasEnd: !!due };
  }
  return { type, dtstart, length: dtstart ? (dtstart.isDate ? DAY_MS : 0) : null, duration: null, due: null, hasEnd: false };
}

function makeInstance(comp: Component, base: Base, start: Time | null, recurrenceId: Time | null, lengthOverride?: number): Instance {
  const startMs = start ? ms(start) : null;
  const length = lengthOverride ?? base.length;
  let end: number | null;
  if (base.type === 'VTODO') {
    end = startMs !== null && length !== null ? startMs + length : base.due ? ms(base.due) : null;
  } else {
    end = startMs !== null && length !== null ? startMs + length : null;
  }
  return {
    comp, type: base.type, start: startMs, startTime: start, isDate: !!start?.isDate,
    end, duration: base.duration, recurrenceId,
  };
}

/** Dates listed in RDATE/EXDATE properties (PERIOD values keep their length). */
function listedDates(comp: Component, name: string): { time: Time; length?: number }[] {
  const out: { time: Time; length?: number }[] = [];
  for (const prop of comp.getAllProperties(name)) {
    checkRawTimes(prop, name);
    let values: unknown[];
    try { values = prop.getValues(); } catch { throw new Invalid(`${name.toUpperCase()} has an invalid value`); }
    for (const v of values) {
      if (v instanceof ICAL.Time) {
        checkTime(v, name);
        out.push({ time: v });
      } else if (v instanceof ICAL.Period) {
        checkTime(v.start, name);
        const end = v.getEnd();
        out.push({ time: v.start, length: ms(end) - ms(v.start) });
      } else {
        throw new Invalid(`${name.toUpperCase()} has an invalid value`);
      }
    }
  }
  return out;
}

export function isRecurring(comp: Component): boolean {
  return comp.hasProperty('rrule') || comp.hasProperty('rdate');
}

// Expansions of components of cached roots (see parseRoot), reused while they cover the
// window asked for: an expansion cut at `until` serves a later call with a smaller `until`,
// one that started at `from` serves a later call with a larger `from`.
// A failure (invalid value, hopeless rule) is remembered too, so that a bad stored object
// costs the loop guard once, not on every query.
interface Expansion { from: number | null; until: number | null; overridden: number; series?: Series; error?: unknown }
const expansions = new WeakMap<Component, Expansion>();

/**
 * Instances of one component. A master with RRULE/RDATE is expanded, skipping the
 * instances in `overridden` (keys from instanceKey) which their override components
 * replace; an override or a non-recurring component yields one instance.
 * Expansion stops after the first instance starting after `until` (ms), at MAX_INSTANCES,
 * or MAX_YEARS after DTSTART. With `from`, instances ending well before it may be left
 * out (see fastForward): callers that need the whole set (firstStart) pass null.
 */
export function componentInstances(comp: Component, overridden: ReadonlySet<number>, until: number | null, from: number | null = null): Series {
  const hit = expansions.get(comp);
  if (hit && hit.overridden === overridden.size) {
    if (hit.error !== undefined) throw hit.error;
    const s = hit.series as Series;
    const coversEnd = !s.truncated || s.capped || hit.until === null || (until !== null && until <= hit.until);
    const coversStart = hit.from === null || (from !== null && from >= hit.from);
    if (coversEnd && coversStart) return s;
  }
  try {
    const series = expandComponent(comp, overridden, until, from);
    expansions.set(comp, { from, until, overridden: overridden.size, series });
    return series;
  } catch (error) {
    expansions.set(comp, { from, until, overridden: overridden.size, error });
    throw error;
  }
}

/**
 * A DAILY or WEEKLY rule without COUNT or BYSETPOS repeats the same pattern every
 * INTERVAL days/weeks of wall-clock time, so its instances after a point are those of the
 * same rule started a whole number of periods later. Starting there, one period before
 * `skipTo`, saves walking years of a long-running series for a query about next week.
 * The iterator's first answer is its own start, which need not match the rule; it lies
 * before `skipTo` and is dropped.
 */
function fastForward(rule: any, dtstart: Time, skipTo: number): { it: any } | null {
  if (rule.freq !== 'DAILY' && rule.freq !== 'WEEKLY') return null;
  if (rule.count !== undefined && rule.count !== null) return null;
  if (rule.getComponent('bysetpos').length > 0) return null;
  const periodDays = (rule.interval ?? 1) * (rule.freq === 'WEEKLY' ? 7 : 1);
  // Wall-clock days and UTC days differ by at most a DST shift; keep two periods of margin.
  const periods = Math.floor((skipTo - ms(dtstart)) / (periodDays * DAY_MS)) - 2;
  if (periods < 1) return null;
  const start = dtstart.clone();
  start.adjust(periods * periodDays, 0, 0, 0);
  const it = rule.iterator(start);
  it.next();
  return { it };
}

function expandComponent(comp: Component, overridden: ReadonlySet<number>, until: number | null, from: number | null): Series {
  const base = baseOf(comp);
  const recurrenceId = comp.hasProperty('recurrence-id') ? timeValue(comp, 'recurrence-id') : null;
  if (recurrenceId || !isRecurring(comp) || !base.dtstart) {
    return { instances: [makeInstance(comp, base, base.dtstart, recurrenceId)], truncated: false, unbounded: false, capped: false };
  }
  const dtstart = base.dtstart;
  const yearLimit = dtstart.year + MAX_YEARS;

  const iterators: { it: any; next: Time | null; rule: any }[] = [];
  let unbounded = false;
  for (const prop of comp.getAllProperties('rrule')) {
    let rule: any;
    try { rule = prop.getFirstValue(); } catch { throw new Invalid('RRULE has an invalid value'); }
    if (!(rule instanceof ICAL.Recur) || !rule.freq) throw new Invalid('RRULE has no FREQ');
    if (rule.interval !== undefined && !(Number.isInteger(rule.interval) && rule.interval >= 1)) {
      throw new Invalid('RRULE INTERVAL must be a positive integer');
    }
    if (rule.count !== undefined && rule.count !== null && !(Number.isInteger(rule.count) && rule.count >= 1)) {
      throw new Invalid('RRULE COUNT must be a positive integer');
    }
    if (!rule.isFinite()) unbounded = true;
    let it: any;
    try { it = rule.iterator(dtstart); } catch (err) { throw new Invalid(`RRULE is invalid: ${(err as Error).message}`); }
    iterators.push({ it, next: null, rule });
  }
  // Instances starting before skipTo end before `from`: they may be skipped.
  const skipTo = from !== null && base.length !== null ? from - base.length - DAY_MS : null;
  let skipped = false;
  if (skipTo !== null && iterators.length === 1 && !comp.hasProperty('rdate')) {
    const ff = fastForward(iterators[0].rule, dtstart, skipTo);
    if (ff) { iterators[0].it = ff.it; skipped = true; }
  }
  const rdates = listedDates(comp, 'rdate').sort((a, b) => ms(a.time) - ms(b.time));
  const exdates = listedDates(comp, 'exdate');
  const exKeys = new Set<number>();
  const exDays = new Set<string>();
  for (const ex of exdates) {
    if (ex.time.isDate) exDays.add(dayKey(ex.time)); else exKeys.add(ms(ex.time));
  }

  const pull = (entry: { it: any; next: Time | null; rule: any }): void => {
    let t: Time | null;
    try { t = entry.it.next(); } catch (err) {
      if (err instanceof RecurrenceTooSparse) throw err;
      t = null;
    }
    entry.next = t ? t.clone() : null;
  };
  for (const entry of iterators) pull(entry);

  const instances: Instance[] = [];
  let rdateIndex = 0;
  let last = -Infinity;
  let truncated = false;
  let capped = false;
  let steps = 0;
  // DTSTART is always the first instance (RFC 5545 §3.8.5.3); RecurIterator returns it
  // first too, and duplicates are dropped below.
  let pendingStart: Time | null = skipped ? null : dtstart;
  for (;;) {
    // The earliest candidate among DTSTART, the RRULE iterators and the RDATEs.
    let best: Time | null = pendingStart;
    let source: 'start' | number | 'rdate' = 'start';
    for (let i = 0; i < iterators.length; i++) {
      const n = iterators[i].next;
      if (n && (!best || ms(n) < ms(best))) { best = n; source = i; }
    }
    const rd = rdates[rdateIndex];
    if (rd && (!best || ms(rd.time) < ms(best))) { best = rd.time; source = 'rdate'; }
    if (!best) break;
    let length: number | undefined;
    if (source === 'start') pendingStart = null;
    else if (source === 'rdate') { length = rdates[rdateIndex].length; rdateIndex++; }
    else pull(iterators[source]);

    if (++steps > MAX_INSTANCES * 2 || best.year > yearLimit) { truncated = true; unbounded = true; capped = true; break; }
    const key = ms(best);
    if (key === last) continue;
    last = key;
    if (exKeys.has(key) || exDays.has(dayKey(best))) continue;
    if (overridden.has(key)) continue;
    instances.push(makeInstance(comp, base, best, best, length));
    if (instances.length >= MAX_INSTANCES) {
      truncated = true;
      unbounded = true;
      capped = true;
      break;
    }
    if (until !== null && key > until) { truncated = true; break; }
  }
  return { instances, truncated, unbounded, capped };
}

/** Groups the main components by UID: master (no RECURRENCE-ID) and its overrides. */
export function seriesOf(vcal: Component): { uid: string; master: Component | null; overrides: Component[] }[] {
  const byUid = new Map<string, { uid: string; master: Component | null; overrides: Component[] }>();
  for (const comp of mainComponents(vcal)) {
    const uid = String(comp.getFirstPropertyValue('uid') ?? '');
    let entry = byUid.get(uid);
    if (!entry) { entry = { uid, master: null, overrides: [] }; byUid.set(uid, entry); }
    if (comp.hasProperty('recurrence-id')) entry.overrides.push(comp);
    else if (!entry.master) entry.master = comp;
    else entry.overrides.push(comp);
  }
  return [...byUid.values()];
}

/** Keys of the instances that overrides of `master` replace. */
export function overriddenKeys(vcal: Component, master: Component): Set<number> {
  const uid = master.getFirstPropertyValue('uid');
  const keys = new Set<number>();
  for (const comp of mainComponents(vcal)) {
    if (comp === master || !comp.hasProperty('recurrence-id')) continue;
    if (comp.getFirstPropertyValue('uid') !== uid) continue;
    const rid = timeValue(comp, 'recurrence-id');
    if (rid) keys.add(instanceKey(rid));
  }
  return keys;
}

/** Every instance of every main component of a VCALENDAR, sorted by start. */
export function allInstances(vcal: Component, until: number | null): Series {
  const out: Instance[] = [];
  let truncated = false;
  let unbounded = false;
  let capped = false;
  for (const comp of mainComponents(vcal)) {
    const keys = comp.hasProperty('recurrence-id') ? new Set<number>() : overriddenKeys(vcal, comp);
    const s = componentInstances(comp, keys, until);
    out.push(...s.instances);
    truncated ||= s.truncated;
    unbounded ||= s.unbounded;
    capped ||= s.capped;
  }
  out.sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
  return { instances: out, truncated, unbounded, capped };
}
