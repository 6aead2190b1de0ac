// CalDAV calendar-query filter evaluation (RFC 4791 §9.7) with the time-range rules of §9.9.
import type { CompFilter, ParamFilter, PropFilter, TimeRange } from './filters.js';
import { ICAL, DAY_MS, durationValue, ms, parseRoot } from './ical.js';
import type { Component, Property, Time } from './ical.js';
import { componentInstances, overriddenKeys, type Instance, type MainType } from './instances.js';
import { MAX_INSTANCES, MAX_STORED_BYTES } from './limits.js';
import { anyValueMatches } from './textmatch.js';

interface Range { start: number; end: number }

function toRange(tr: TimeRange): Range {
  return {
    start: tr.start ? tr.start.getTime() : -Infinity,
    end: tr.end ? tr.end.getTime() : Infinity,
  };
}

/**
 * Whether a stored calendar object matches a calendar-query filter. Data that cannot be
 * read (or a hostile recurrence) never matches instead of failing the whole REPORT.
 */
export function matchesCalendarQuery(text: string, filter: CompFilter): boolean {
  try {
    const root = parseRoot(text, 'calendar data', MAX_STORED_BYTES);
    if (root.name.toUpperCase() !== filter.name.toUpperCase()) return filter.isNotDefined;
    if (filter.isNotDefined) return false;
    // A time-range on VCALENDAR itself has no defined meaning (§9.9, last paragraph): ignored.
    return filter.propFilters.every((pf) => propFilterMatches(root, pf))
      && filter.compFilters.every((cf) => compFilterMatches(root, cf));
  } catch {
    return false;
  }
}

function compFilterMatches(scope: Component, filter: CompFilter): boolean {
  const candidates = scope.getAllSubcomponents(filter.name.toLowerCase());
  // §9.7.1: is-not-defined matches when no component of that name exists in scope.
  if (filter.isNotDefined) return candidates.length === 0;
  return candidates.some((comp) =>
    (!filter.timeRange || componentInTimeRange(comp, toRange(filter.timeRange)))
    && filter.propFilters.every((pf) => propFilterMatches(comp, pf))
    && filter.compFilters.every((cf) => compFilterMatches(comp, cf)));
}

// ---------------------------------------------------------------------------------------
// Time ranges on components (§9.9 tables).

/** Instances of a main component: a master's overridden instances belong to the overrides. */
function instancesOf(comp: Component, until: number, from = -Infinity): Instance[] {
  const root = comp.parent;
  const keys = root && !comp.hasProperty('recurrence-id') ? overriddenKeys(root, comp) : new Set<number>();
  return componentInstances(comp, keys, Number.isFinite(until) ? until : null, Number.isFinite(from) ? from : null).instances;
}

export function componentInTimeRange(comp: Component, r: Range): boolean {
  const name = comp.name.toUpperCase();
  switch (name) {
    case 'VEVENT':
    case 'VTODO':
    case 'VJOURNAL':
      return instancesOf(comp, r.end, r.start).some((inst) => instanceOverlaps(inst, r));
    case 'VALARM':
      return alarmInTimeRange(comp, r);
    case 'VFREEBUSY':
      return freeBusyInTimeRange(comp, r);
    default:
      return false;
  }
}

/** The §9.9 condition for one instance of a VEVENT, VTODO or VJOURNAL. */
export function instanceOverlaps(inst: Instance, r: Range): boolean {
  const { start: rs, end: re } = r;
  const type: MainType = inst.type;
  if (type === 'VEVENT') {
    const s = inst.start as number;
    const e = inst.end as number;
    // Zero-length events (DATE-TIME without DTEND/DURATION, or DURATION:PT0S) match only
    // a range that contains their start: (start <= DTSTART AND end > DTSTART).
    return e > s ? rs < e && re > s : rs <= s && re > s;
  }
  if (type === 'VJOURNAL') {
    if (inst.start === null) return false;
    const s = inst.start;
    return inst.isDate ? rs < s + DAY_MS && re > s : rs <= s && re > s;
  }
  // VTODO table. The "end" of an instance is DTSTART+DURATION or DUE, shifted with the instance.
  const hasStart = inst.start !== null;
  const hasDuration = inst.comp.hasProperty('duration');
  const hasDue = inst.comp.hasProperty('due');
  if (hasStart && hasDuration && !hasDue) {
    const s = inst.start as number;
    const sd = inst.end as number;
    return rs <= sd && (re > s || re >= sd);
  }
  if (hasStart && hasDue) {
    const s = inst.start as number;
    const due = inst.end as number;
    return (rs < due || rs <= s) && (re > s || re >= due);
  }
  if (hasStart) {
    const s = inst.start as number;
    return rs <= s && re > s;
  }
  if (hasDue) {
    const due = inst.end as number;
    return rs < due && re >= due;
  }
  const completed = optionalTime(inst.comp, 'completed');
  const created = optionalTime(inst.comp, 'created');
  if (completed !== null && created !== null) {
    return (rs <= created || rs <= completed) && (re >= created || re >= completed);
  }
  if (completed !== null) return rs <= completed && re >= completed;
  if (created !== null) return re > created;
  return true;
}

function optionalTime(comp: Component, name: string): number | null {
  try {
    const v = comp.getFirstPropertyValue(name);
    return v instanceof ICAL.Time ? ms(v) : null;
  } catch {
    return null;
  }
}

const MAX_ALARM_REPEAT = 1_000;

/**
 * §9.9: a VALARM overlaps when one of its triggers satisfies (start <= trigger AND end > trigger).
 * A relative trigger fires once per instance of the parent component.
 */
function alarmInTimeRange(alarm: Component, r: Range): boolean {
  const parent = alarm.parent;
  const triggerProp = alarm.getFirstProperty('trigger');
  if (!parent || !triggerProp) return false;
  const trigger = triggerProp.getFirstValue();
  const repeatRaw = Number(alarm.getFirstPropertyValue('repeat') ?? 0);
  const repeatDuration = durationValue(alarm);
  const repeat = repeatDuration && Number.isInteger(repeatRaw) && repeatRaw > 0 ? Math.min(repeatRaw, MAX_ALARM_REPEAT) : 0;
  const step = repeatDuration ? repeatDuration.toSeconds() * 1000 : 0;
  const fires = (first: number) => {
    for (let i = 0; i <= repeat; i++) {
      const t = first + i * step;
      if (r.start <= t && r.end > t) return true;
    }
    return false;
  };
  if (trigger instanceof ICAL.Time) return fires(ms(trigger));
  if (!(trigger instanceof ICAL.Duration)) return false;
  const offset = trigger.toSeconds() * 1000;
  const related = String(triggerProp.getFirstParameter('related') ?? 'START').toUpperCase();
  const parentName = parent.name.toUpperCase();
  if (parentName !== 'VEVENT' && parentName !== 'VTODO') return false;
  // Instances that start after the range can still fire inside it with a negative offset.
  const until = r.end - Math.min(0, offset) + DAY_MS;
  let count = 0;
  for (const inst of instancesOf(parent, until)) {
    if (++count > MAX_INSTANCES) break;
    const anchor = related === 'END' ? (inst.end ?? inst.start) : (inst.start ?? inst.end);
    if (anchor !== null && fires(anchor + offset)) return true;
  }
  return false;
}

function freeBusyInTimeRange(comp: Component, r: Range): boolean {
  const s = optionalTime(comp, 'dtstart');
  const e = optionalTime(comp, 'dtend');
  if (s !== null && e !== null) return r.start <= e && r.end > s;
  for (const prop of comp.getAllProperties('freebusy')) {
    for (const p of safeValues(prop)) {
      if (p instanceof ICAL.Period) {
        const ps = ms(p.start);
        const pe = ms(p.getEnd());
        if (r.start < pe && r.end > ps) return true;
      }
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// Properties and parameters (§9.7.2, §9.7.3).

function safeValues(prop: Property): unknown[] {
  try { return prop.getValues(); } catch { return []; }
}

/** A property's values as text, date-times in iCalendar form (20260105T090000Z). */
export function valueStrings(prop: Property): string[] {
  return safeValues(prop).map((v) => {
    if (typeof v === 'string') return v;
    if (v && typeof (v as any).toICALString === 'function') return (v as any).toICALString() as string;
    return String(v);
  });
}

const TIME_PROPERTIES = new Set(['completed', 'created', 'dtend', 'dtstamp', 'dtstart', 'due', 'last-modified']);

/** §9.9: these properties overlap when (start <= date-time AND end > date-time). */
function propertyTimes(comp: Component, name: string): number[] | null {
  const props = comp.getAllProperties(name);
  if (props.length > 0) {
    return props.flatMap((p) => safeValues(p)).filter((v): v is Time => v instanceof ICAL.Time).map(ms);
  }
  // §9.9 note: an absent DTEND (VEVENT) or DUE (VTODO) is DTSTART+DURATION when DURATION is present.
  const type = comp.name.toLowerCase();
  if ((name === 'dtend' && type === 'vevent') || (name === 'due' && type === 'vtodo')) {
    const start = optionalTime(comp, 'dtstart');
    const duration = comp.getFirstPropertyValue('duration');
    if (start !== null && duration instanceof ICAL.Duration) return [start + duration.toSeconds() * 1000];
  }
  return null;
}

function propFilterMatches(comp: Component, filter: PropFilter): boolean {
  const name = filter.name.toLowerCase();
  const props = comp.getAllProperties(name);
  if (filter.isNotDefined) return props.length === 0;
  if (filter.timeRange) {
    if (!TIME_PROPERTIES.has(name)) return false;
    const times = propertyTimes(comp, name);
    if (!times || times.length === 0) return false;
    const r = toRange(filter.timeRange);
    const inRange = times.some((t) => r.start <= t && r.end > t);
    if (!inRange) return false;
    if (props.length === 0) return filter.paramFilters.length === 0 && filter.textMatches.length === 0;
  }
  if (props.length === 0) return false;
  // RFC 4791 prop-filters always combine their conditions with AND; `test` is CardDAV's.
  return props.some((prop) =>
    filter.textMatches.every((tm) => anyValueMatches(valueStrings(prop), tm))
    && filter.paramFilters.every((pf) => paramFilterMatches(prop, pf)));
}

export function paramValues(prop: Property, name: string): string[] | null {
  const raw = prop.getParameter(name.toLowerCase());
  if (raw === undefined || raw === null) return null;
  return (Array.isArray(raw) ? raw : [raw]).map(String);
}

export function paramFilterMatches(prop: Property, filter: ParamFilter): boolean {
  const values = paramValues(prop, filter.name);
  if (filter.isNotDefined) return values === null;
  if (values === null) return false;
  return filter.textMatch ? anyValueMatches(values, filter.textMatch) : true;
}
