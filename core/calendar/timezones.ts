// Time zones for ical.js: VTIMEZONEs of an object (cached by content), the IANA database
// for TZIDs without one, and a memo for ical.js' slow offset lookups.
import ICAL from 'ical.js';
import { BoundedMap } from '../bounded-map.js';
import { Invalid } from '../errors.js';
import type { Component, Time } from './ical.js';

// Offset memo. ical.js' Timezone#utcOffset re-walks the zone's change list for every
// instance of every recurring event. VTIMEZONE zones are shared through timezoneCache
// below, so memoising the answer per zone and wall-clock time makes repeated queries cheap.
{
  const proto = ICAL.Timezone.prototype as any;
  if (!proto.__facteurMemo) {
    const origUtcOffset = proto.utcOffset;
    proto.utcOffset = function memoUtcOffset(this: any, tt: Time): number {
      if (this === ICAL.Timezone.utcTimezone || this === ICAL.Timezone.localTimezone) return 0;
      const key = ((((tt.year * 13 + tt.month) * 32 + tt.day) * 24 + tt.hour) * 60 + tt.minute) * 61 + tt.second;
      let memo: Map<number, number> | undefined = this.__facteurOffsets;
      if (!memo) { memo = new Map(); this.__facteurOffsets = memo; }
      const hit = memo.get(key);
      if (hit !== undefined) return hit;
      const value = origUtcOffset.call(this, tt) as number;
      if (memo.size >= 20_000) memo.clear();
      memo.set(key, value);
      return value;
    };
    proto.__facteurMemo = true;
  }
}

// ---------------------------------------------------------------------------------------
// Time zones.
//
// VTIMEZONEs inside an object: ical.js 2.x resolves a TZID against the VTIMEZONE of the
// same VCALENDAR first (Component#getTimeZoneByID), so each object uses its own
// definitions. We deliberately do NOT put those into the process-wide
// ICAL.TimezoneService: one user's (possibly bogus) "Europe/Paris" VTIMEZONE would then
// change how every other user's events are read.
//
// TZIDs without a VTIMEZONE (DAVx5 and hand-written files send bare IANA names, old
// Mozilla/Citadel clients send "/mozilla.org/20050126_1/Europe/Paris", Outlook may send
// Windows names): ical.js falls back to ICAL.TimezoneService. We register there an
// IntlTimezone built from Node's ICU tz database, under the exact TZID, when the TZID is
// an IANA name, ends with one, or is a common Windows name. Those registrations depend only
// on the name, so sharing them across users is safe. A TZID we cannot resolve at all is
// read as floating time, like DATE values and floating DATE-TIMEs, which this module
// interprets as UTC (the server keeps no per-calendar time zone yet).

const WINDOWS_ZONES: Record<string, string> = {
  'Romance Standard Time': 'Europe/Paris',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Central European Standard Time': 'Europe/Warsaw',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'FLE Standard Time': 'Europe/Kiev',
  'GTB Standard Time': 'Europe/Bucharest',
  'Eastern Standard Time': 'America/New_York',
  'Central Standard Time': 'America/Chicago',
  'Mountain Standard Time': 'America/Denver',
  'Pacific Standard Time': 'America/Los_Angeles',
  'SA Western Standard Time': 'America/La_Paz',
  'SA Eastern Standard Time': 'America/Cayenne',
  'Arabian Standard Time': 'Asia/Dubai',
  'Mauritius Standard Time': 'Indian/Mauritius',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'China Standard Time': 'Asia/Shanghai',
  'India Standard Time': 'Asia/Kolkata',
  'AUS Eastern Standard Time': 'Australia/Sydney',
};

const validZones = new Map<string, boolean>();
function isIanaZone(name: string): boolean {
  let ok = validZones.get(name);
  if (ok === undefined) {
    try { new Intl.DateTimeFormat('en-US', { timeZone: name }); ok = true; } catch { ok = false; }
    if (validZones.size < 5_000) validZones.set(name, ok);
  }
  return ok;
}

/** The IANA zone a TZID stands for, or null. */
export function ianaZoneFor(tzid: string): string | null {
  if (tzid.length > 200) return null;
  if (/^[A-Za-z_]+(\/[A-Za-z0-9_+\-]+){0,2}$/.test(tzid) && isIanaZone(tzid)) return tzid;
  const windows = WINDOWS_ZONES[tzid];
  if (windows) return windows;
  // "/mozilla.org/20050126_1/Europe/Paris", "/citadel.org/.../America/Argentina/Buenos_Aires"
  const parts = tzid.split('/').filter(Boolean);
  for (let n = Math.min(3, parts.length); n >= 1; n--) {
    const candidate = parts.slice(-n).join('/');
    if (/^[A-Za-z_]+(\/[A-Za-z0-9_+\-]+){0,2}$/.test(candidate) && candidate.includes('/') && isIanaZone(candidate)) {
      return candidate;
    }
  }
  return null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Offset (ms) of `zone` from UTC at the UTC instant `utcMs`. */
function offsetAt(zone: string, utcMs: number): number {
  const parts = formatterFor(zone).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  let year = get('year');
  if (parts.find((p) => p.type === 'era')?.value === 'BC') year = 1 - year;
  const wall = Date.UTC(year, get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(utcMs / 1000) * 1000;
}

const offsetCache = new Map<string, number>();
/**
 * Offset (ms) for a wall-clock time in `zone`. RFC 5545 §3.3.5: a time inside a DST gap
 * is read with the offset before the gap; an ambiguous time (fall back) is the first one.
 */
function offsetForWall(zone: string, wallMs: number): number {
  const key = `${zone}|${Math.floor(wallMs / 900_000)}`;
  const cached = offsetCache.get(key);
  if (cached !== undefined && wallMs % 900_000 === 0) return cached;
  const early = offsetAt(zone, wallMs - 14 * 3_600_000);
  const late = offsetAt(zone, wallMs + 14 * 3_600_000);
  let result: number;
  if (early === late) result = early;
  else {
    const earlyOk = offsetAt(zone, wallMs - early) === early;
    const lateOk = offsetAt(zone, wallMs - late) === late;
    result = earlyOk || !lateOk ? early : late;
  }
  if (wallMs % 900_000 === 0) {
    if (offsetCache.size > 50_000) offsetCache.clear();
    offsetCache.set(key, result);
  }
  return result;
}

/** An ical.js time zone backed by the ICU tz database of Node (see the comment above). */
class IntlTimezone extends ICAL.Timezone {
  readonly iana: string;
  constructor(tzid: string, iana: string) {
    super({ tzid } as any);
    this.iana = iana;
  }
  override utcOffset(tt: Time): number {
    const wall = Date.UTC(tt.year, tt.month - 1, tt.day, tt.hour, tt.minute, tt.second);
    if (!Number.isFinite(wall)) return 0;
    return offsetForWall(this.iana, wall) / 1000;
  }
}

const MAX_FALLBACK_ZONES = 2_000;
let fallbackCount = 0;
function ensureFallbackZone(tzid: string): void {
  if (ICAL.TimezoneService.has(tzid) || fallbackCount >= MAX_FALLBACK_ZONES) return;
  const iana = ianaZoneFor(tzid);
  if (!iana) return;
  ICAL.TimezoneService.register(new IntlTimezone(tzid, iana), tzid);
  fallbackCount++;
}

// Expanding a VTIMEZONE's rules is the most expensive part of reading an object, and every
// client sends the same few definitions again and again: keep the expanded ical.js Timezone
// per exact definition text. Sharing by content is safe: equal text, equal behaviour.
const MAX_CACHED_TIMEZONES = 500;
const timezoneCache = new BoundedMap<string, InstanceType<typeof ICAL.Timezone>>(MAX_CACHED_TIMEZONES);

function checkTimezone(tz: Component): string {
  const tzid = tz.getFirstPropertyValue('tzid');
  if (typeof tzid !== 'string' || !tzid) throw new Invalid('VTIMEZONE without TZID');
  for (const rule of tz.getAllSubcomponents()) {
    // Real zone rules are yearly; a SECONDLY rule would make ical.js expand for ever.
    for (const prop of rule.getAllProperties('rrule')) {
      let value: any;
      try { value = prop.getFirstValue(); } catch { throw new Invalid('VTIMEZONE has an invalid RRULE'); }
      if (!value || value.freq !== 'YEARLY') throw new Invalid('VTIMEZONE rules must be yearly');
    }
    if (rule.getAllProperties('rdate').length > 1_000) throw new Invalid('VTIMEZONE has too many RDATEs');
  }
  return tzid;
}

/**
 * Validates the VTIMEZONEs of a parsed VCALENDAR and hands ical.js their (shared, already
 * expanded) Timezone objects. The cache key is the VTIMEZONE's own text when it can be cut
 * out of `text`, else its jCal form.
 */
export function attachTimezones(root: Component, text: string): void {
  const comps = root.getAllSubcomponents('vtimezone');
  if (comps.length === 0) return;
  const slices = text.match(/^BEGIN:VTIMEZONE[\s\S]*?^END:VTIMEZONE/gim) ?? [];
  const byText = slices.length === comps.length;
  const cache = (root as any)._timezoneCache as Map<string, unknown> | undefined;
  comps.forEach((tz, i) => {
    const key = byText ? slices[i] : JSON.stringify(tz.toJSON());
    let zone = timezoneCache.get(key);
    if (!zone) {
      const tzid = checkTimezone(tz);
      zone = new ICAL.Timezone({ component: tz, tzid } as any);
      timezoneCache.set(key, zone);
    }
    cache?.set(zone.tzid, zone);
  });
}

/** Registers Intl-backed zones for every TZID the object uses without defining it. */
export function registerFallbackZones(root: Component): void {
  const defined = new Set<string>();
  for (const tz of root.getAllSubcomponents('vtimezone')) {
    const id = tz.getFirstPropertyValue('tzid');
    if (typeof id === 'string') defined.add(id);
  }
  const visit = (comp: Component) => {
    for (const prop of comp.getAllProperties()) {
      const tzid = prop.getFirstParameter('tzid');
      if (typeof tzid === 'string' && tzid && !defined.has(tzid)) ensureFallbackZone(tzid);
    }
    for (const sub of comp.getAllSubcomponents()) if (sub.name !== 'vtimezone') visit(sub);
  };
  visit(root);
}
