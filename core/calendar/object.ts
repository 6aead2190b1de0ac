// Validation and summary of one calendar object resource (RFC 4791 §4.1).
import { Invalid } from '../errors.js';
import { RecurrenceTooSparse, ms, parseRoot, textValue, timeValue } from './ical.js';
import type { Component } from './ical.js';
import { allInstances, mainComponents, type MainType } from './instances.js';
import type { CalendarAttendee, ParsedCalendarObject } from './types.js';

const TIME_PROPS = ['dtstart', 'dtend', 'due', 'recurrence-id', 'dtstamp', 'created', 'last-modified', 'completed'];
/** iCalendar writes years in four digits (checkTime). An end computed from a DURATION can lie
 *  far beyond (P99999999W: past what a JS Date holds), and every reader of the stored object
 *  then fails on an invalid date. */
const YEAR_10000 = Date.UTC(10000, 0, 1);

/** "mailto:Ana@Example.org" -> "Ana@Example.org"; other URIs are returned as they are. */
export function calAddress(value: string): string {
  return value.replace(/^mailto:/i, '').trim();
}

/**
 * Validates a calendar object resource and returns what the store indexes.
 * firstStart/lastEnd span every instance; lastEnd is null when the recurrence has no end
 * (or goes past the expansion caps of limits.ts). For pre-filtering a time-range
 * [start, end) take the objects with (firstStart === null || firstStart <= end) and
 * (lastEnd === null || lastEnd >= start): inclusive on both sides, because zero-length
 * events and DUE-only to-dos match on their boundary (RFC 4791 §9.9).
 */
export function parseCalendarObject(text: string, options?: { maxBytes?: number }): ParsedCalendarObject {
  try {
    return parse(text, options?.maxBytes);
  } catch (err) {
    if (err instanceof Invalid) throw err;
    if (err instanceof RecurrenceTooSparse) throw new Invalid('RRULE never produces a further instance');
    throw new Invalid(`invalid calendar data: ${String((err as Error)?.message ?? err).slice(0, 200)}`);
  }
}

function parse(text: string, maxBytes: number | undefined): ParsedCalendarObject {
  const root = parseRoot(text, 'calendar data', maxBytes);
  if (root.name !== 'vcalendar') throw new Invalid('not an iCalendar object (no VCALENDAR)');
  // RFC 4791 §4.1: calendar object resources MUST NOT specify the iCalendar METHOD property.
  if (root.hasProperty('method')) throw new Invalid('METHOD is not allowed in a stored calendar object');
  const comps = mainComponents(root);
  if (comps.length === 0) throw new Invalid('no VEVENT, VTODO or VJOURNAL component');
  const type = comps[0].name.toUpperCase() as MainType;
  if (comps.some((c) => c.name.toUpperCase() !== type)) {
    throw new Invalid('several component types in one calendar object');
  }
  const uids = new Set<string>();
  for (const c of comps) {
    const uid = textValue(c, 'uid');
    if (!uid || !uid.trim()) throw new Invalid(`${type} without UID`);
    uids.add(uid);
  }
  if (uids.size > 1) throw new Invalid('components with different UIDs in one calendar object');
  const uid = [...uids][0];

  let master: Component | null = null;
  const recurrenceIds = new Set<number>();
  for (const c of comps) {
    for (const name of TIME_PROPS) timeValue(c, name);
    const rid = timeValue(c, 'recurrence-id');
    if (!rid) {
      if (master) throw new Invalid(`several ${type} components without RECURRENCE-ID`);
      master = c;
    } else {
      const key = rid.toUnixTime();
      if (recurrenceIds.has(key)) throw new Invalid('two overrides with the same RECURRENCE-ID');
      recurrenceIds.add(key);
    }
  }
  for (const tz of root.getAllSubcomponents('vtimezone')) {
    if (!textValue(tz, 'tzid')) throw new Invalid('VTIMEZONE without TZID');
  }

  // An RRULE without COUNT/UNTIL has no last instance: expand just enough for firstStart.
  const masterStart = master ? timeValue(master, 'dtstart') : null;
  const infinite = !!master && master.getAllProperties('rrule').some((p) => {
    const rule = p.getFirstValue() as { isFinite?: () => boolean } | null;
    return !!rule && typeof rule.isFinite === 'function' && !rule.isFinite();
  });
  const series = allInstances(root, infinite && masterStart ? ms(masterStart) : null);
  if (infinite) series.unbounded = true;
  let firstStart: number | null = null;
  let lastEnd: number | null = null;
  let dated = false;
  for (const inst of series.instances) {
    const s = inst.start ?? inst.end;
    const e = inst.end ?? inst.start;
    if (s === null || e === null) continue;
    if (!Number.isFinite(s) || !Number.isFinite(e) || s >= YEAR_10000 || e > YEAR_10000) throw new Invalid('date out of range');
    dated = true;
    firstStart = firstStart === null ? s : Math.min(firstStart, s);
    lastEnd = lastEnd === null ? e : Math.max(lastEnd, e);
  }
  // A to-do or journal without dates matches any range (§9.9): no span to pre-filter on.
  const undatedTodo = type === 'VTODO' && series.instances.some((i) => i.start === null && i.end === null);
  if (!dated || undatedTodo) { firstStart = null; lastEnd = null; }
  if (series.unbounded) lastEnd = null;

  const main = master ?? comps[0];
  const organizerValue = textValue(main, 'organizer');
  const attendees: CalendarAttendee[] = main.getAllProperties('attendee').map((p) => {
    const cn = p.getFirstParameter('cn');
    const partstat = p.getFirstParameter('partstat');
    return {
      address: calAddress(String(p.getFirstValue() ?? '')),
      partstat: typeof partstat === 'string' && partstat ? partstat.toUpperCase() : 'NEEDS-ACTION',
      name: typeof cn === 'string' && cn ? cn : null,
    };
  });
  return {
    uid,
    componentType: type,
    firstStart: firstStart === null ? null : new Date(firstStart),
    lastEnd: lastEnd === null ? null : new Date(lastEnd),
    organizer: organizerValue ? calAddress(organizerValue) : null,
    attendees,
    summary: textValue(main, 'summary'),
  };
}
