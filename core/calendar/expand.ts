// CALDAV:expand (RFC 4791 §9.6.5): one component per instance in the range, no recurrence
// properties, no VTIMEZONE, date-times in UTC.
import { Invalid } from '../errors.js';
import type { TimeRange } from './filters.js';
import { ICAL, RecurrenceTooSparse, ms, parseRoot, utcTime } from './ical.js';
import type { Component, Property, Time } from './ical.js';
import { componentInstances, isRecurring, mainComponents, overriddenKeys, type Instance } from './instances.js';
import { MAX_STORED_BYTES, TooManyInstances, type InstanceBudget } from './limits.js';
import { instanceOverlaps } from './query.js';

const RECURRENCE_PROPS = ['rrule', 'rdate', 'exdate', 'exrule'];

function dateOnly(msValue: number): Time {
  const d = new Date(msValue);
  return ICAL.Time.fromData({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), isDate: true });
}

function setTime(comp: Component, name: string, msValue: number, isDate: boolean): void {
  comp.removeAllProperties(name);
  const prop = new ICAL.Property(name, comp);
  prop.setValue(isDate ? dateOnly(msValue) : utcTime(msValue));
  comp.addProperty(prop);
}

/** Rewrites every remaining zoned or floating DATE-TIME of `copy` in UTC (values read from `source`). */
function propertiesToUtc(source: Component, copy: Component): void {
  const srcProps = source.getAllProperties();
  const copyProps = copy.getAllProperties();
  for (let i = 0; i < srcProps.length && i < copyProps.length; i++) {
    const src: Property = srcProps[i];
    let values: unknown[];
    try { values = src.getValues(); } catch { continue; }
    if (!values.some((v) => v instanceof ICAL.Time && !v.isDate && v.zone !== ICAL.Timezone.utcTimezone)) continue;
    const converted = values.map((v) => (v instanceof ICAL.Time && !v.isDate ? utcTime(ms(v)) : v));
    copyProps[i].removeParameter('tzid');
    if (converted.length === 1) copyProps[i].setValue(converted[0]); else copyProps[i].setValues(converted);
  }
  const srcSubs = source.getAllSubcomponents();
  const copySubs = copy.getAllSubcomponents();
  for (let i = 0; i < srcSubs.length && i < copySubs.length; i++) propertiesToUtc(srcSubs[i], copySubs[i]);
}

function instanceComponent(inst: Instance, recurring: boolean): Component {
  const source = inst.comp;
  const copy = new ICAL.Component(JSON.parse(JSON.stringify(source.toJSON())));
  for (const name of RECURRENCE_PROPS) copy.removeAllProperties(name);
  propertiesToUtc(source, copy);
  if (inst.start !== null) setTime(copy, 'dtstart', inst.start, inst.isDate);
  if (inst.end !== null) {
    if (inst.type === 'VEVENT' && source.hasProperty('dtend')) setTime(copy, 'dtend', inst.end, inst.isDate);
    if (inst.type === 'VTODO' && source.hasProperty('due')) {
      const dueIsDate = (source.getFirstPropertyValue('due') as Time | null)?.isDate ?? false;
      setTime(copy, 'due', inst.end, dueIsDate);
    }
  }
  if (recurring && inst.recurrenceId) {
    setTime(copy, 'recurrence-id', ms(inst.recurrenceId), inst.recurrenceId.isDate);
  }
  return copy;
}

/**
 * Expands a calendar object over `range`. Instances beyond the expansion caps of limits.ts
 * are not returned. Throws Invalid when the object cannot be read, TooManyInstances when
 * the instances in the range are more than `budget` has left.
 */
export function expandCalendarObject(text: string, range: TimeRange, budget?: InstanceBudget): string {
  const root = parseRoot(text, 'calendar data', MAX_STORED_BYTES);
  if (root.name !== 'vcalendar') throw new Invalid('not an iCalendar object (no VCALENDAR)');
  const r = { start: range.start ? range.start.getTime() : -Infinity, end: range.end ? range.end.getTime() : Infinity };
  const out = new ICAL.Component('vcalendar');
  for (const prop of root.getAllProperties()) {
    out.addProperty(new ICAL.Property(JSON.parse(JSON.stringify(prop.toJSON()))));
  }
  const selected: { inst: Instance; recurring: boolean }[] = [];
  const picked: { start: number; comp: Component }[] = [];
  try {
    for (const comp of mainComponents(root)) {
      const override = comp.hasProperty('recurrence-id');
      const keys = override ? new Set<number>() : overriddenKeys(root, comp);
      const recurring = override || isRecurring(comp);
      const series = componentInstances(comp, keys, Number.isFinite(r.end) ? r.end : null, Number.isFinite(r.start) ? r.start : null);
      for (const inst of series.instances) {
        if (instanceOverlaps(inst, r)) selected.push({ inst, recurring });
      }
    }
    budget?.take(selected.length);
    for (const { inst, recurring } of selected) picked.push({ start: inst.start ?? inst.end ?? 0, comp: instanceComponent(inst, recurring) });
  } catch (err) {
    if (err instanceof Invalid || err instanceof TooManyInstances) throw err;
    if (err instanceof RecurrenceTooSparse) throw new Invalid('RRULE never produces a further instance');
    throw new Invalid(`calendar data cannot be expanded: ${String((err as Error)?.message ?? err).slice(0, 200)}`);
  }
  picked.sort((a, b) => a.start - b.start);
  for (const p of picked) out.addSubcomponent(p.comp);
  return out.toString().replace(/\r?\n/g, '\r\n') + '\r\n';
}
