// CalDAV (RFC 4791 §9.7) and CardDAV (RFC 6352 §10.5) filter elements into the filter
// types core/calendar evaluates.
import type { CardFilter, CompFilter, ParamFilter, PropFilter, TextMatch, TimeRange } from '../../core/calendar/index.js';
import { DavError } from '../errors.js';
import { CALDAV, CARDDAV } from '../xml/names.js';
import { child, children, type XmlElement } from '../xml/parse.js';
import { el } from '../xml/write.js';

const COLLATIONS = ['i;ascii-casemap', 'i;octet', 'i;unicode-casemap'] as const;
const MATCH_TYPES = ['equals', 'contains', 'starts-with', 'ends-with'] as const;

const invalidFilter = (ns: string, why: string) => new DavError(403, why, el(ns, 'valid-filter'));

/** RFC 4791 §9.9: start and end are UTC date-times ("20060104T000000Z"). */
export function parseTimeRange(e: XmlElement, ns = CALDAV): TimeRange {
  const start = e.attrs.start ? parseUtc(e.attrs.start) : null;
  const end = e.attrs.end ? parseUtc(e.attrs.end) : null;
  if ((e.attrs.start && !start) || (e.attrs.end && !end) || (!start && !end)) throw invalidFilter(ns, 'bad time-range');
  if (start && end && end.getTime() <= start.getTime()) throw invalidFilter(ns, 'time-range ends before it starts');
  return { start, end };
}

function parseUtc(s: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s.trim());
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  return Number.isNaN(d.getTime()) ? null : d;
}

function textMatch(e: XmlElement, ns: string, defaultMatch: TextMatch['matchType']): TextMatch {
  // The defaults differ: i;ascii-casemap for CalDAV (RFC 4791 §9.7.5), i;unicode-casemap for
  // CardDAV (RFC 6352 §10.5.4), so that "élodie" finds "Élodie" in an address book.
  const collation = (e.attrs.collation ?? (ns === CARDDAV ? 'i;unicode-casemap' : 'i;ascii-casemap')) as TextMatch['collation'];
  // RFC 4791 §7.5.1 / RFC 6352 §8.3: an unknown collation is the supported-collation precondition.
  if (!COLLATIONS.includes(collation)) throw new DavError(403, `unsupported collation ${collation}`, el(ns, 'supported-collation'));
  const matchType = (e.attrs['match-type'] ?? defaultMatch) as TextMatch['matchType'];
  if (!MATCH_TYPES.includes(matchType)) throw invalidFilter(ns, `bad match-type ${matchType}`);
  return { value: e.text, collation, negate: (e.attrs['negate-condition'] ?? 'no') === 'yes', matchType };
}

function paramFilter(e: XmlElement, ns: string, defaultMatch: TextMatch['matchType']): ParamFilter {
  const tm = child(e, ns, 'text-match');
  return { name: need(e, ns), isNotDefined: !!child(e, ns, 'is-not-defined'), textMatch: tm ? textMatch(tm, ns, defaultMatch) : null };
}

function propFilter(e: XmlElement, ns: string): PropFilter {
  const defaultMatch = 'contains';
  const tr = child(e, ns, 'time-range');
  const test = e.attrs.test ?? 'anyof';
  if (test !== 'anyof' && test !== 'allof') throw invalidFilter(ns, `bad test ${test}`);
  return {
    name: need(e, ns),
    isNotDefined: !!child(e, ns, 'is-not-defined'),
    timeRange: tr ? parseTimeRange(tr, ns) : null,
    textMatches: children(e, ns, 'text-match').map((t) => textMatch(t, ns, defaultMatch)),
    paramFilters: children(e, ns, 'param-filter').map((p) => paramFilter(p, ns, defaultMatch)),
    // CalDAV prop-filters have no test attribute: every condition must hold.
    test: ns === CALDAV ? 'allof' : test,
  };
}

function compFilter(e: XmlElement): CompFilter {
  const tr = child(e, CALDAV, 'time-range');
  return {
    name: need(e, CALDAV).toUpperCase(),
    isNotDefined: !!child(e, CALDAV, 'is-not-defined'),
    timeRange: tr ? parseTimeRange(tr) : null,
    propFilters: children(e, CALDAV, 'prop-filter').map((p) => propFilter(p, CALDAV)),
    compFilters: children(e, CALDAV, 'comp-filter').map(compFilter),
  };
}

function need(e: XmlElement, ns: string): string {
  const name = e.attrs.name?.trim();
  if (!name) throw invalidFilter(ns, `${e.name} needs a name`);
  return name;
}

/** The CALDAV:filter element: exactly one comp-filter, on VCALENDAR (RFC 4791 §9.7). */
export function parseCalendarFilter(filter: XmlElement | null): CompFilter {
  const top = filter ? children(filter, CALDAV, 'comp-filter') : [];
  if (top.length !== 1) throw invalidFilter(CALDAV, 'calendar-query needs one comp-filter');
  const parsed = compFilter(top[0]);
  if (parsed.name !== 'VCALENDAR') throw invalidFilter(CALDAV, 'the outer comp-filter must be VCALENDAR');
  return parsed;
}

export function parseCardFilter(filter: XmlElement | null): CardFilter {
  if (!filter) return { test: 'anyof', propFilters: [] };
  const test = filter.attrs.test ?? 'anyof';
  if (test !== 'anyof' && test !== 'allof') throw invalidFilter(CARDDAV, `bad test ${test}`);
  return { test, propFilters: children(filter, CARDDAV, 'prop-filter').map((p) => propFilter(p, CARDDAV)) };
}

/** What the store can pre-select: one component type and the time-range on it. */
export function prefilter(filter: CompFilter): { componentType?: string; range?: TimeRange } {
  const inner = filter.compFilters;
  if (inner.length !== 1 || inner[0].isNotDefined) return {};
  const tr = inner[0].timeRange;
  // Widened by 1 ms on each side: the store's overlap test is strict, core's span test is
  // inclusive (zero-length events and DUE-only to-dos match on a boundary, RFC 4791 §9.9);
  // the exact test is core's, run on every candidate.
  const range = tr ? { start: tr.start && new Date(tr.start.getTime() - 1), end: tr.end && new Date(tr.end.getTime() + 1) } : undefined;
  return { componentType: inner[0].name, ...(range ? { range } : {}) };
}
