// CALDAV:free-busy-query (RFC 4791 §7.10): busy time of a set of calendar objects.
import type { TimeRange } from './filters.js';
import { ICAL, ms, parseRoot, textValue, utcStamp } from './ical.js';
import { componentInstances, overriddenKeys } from './instances.js';
import { MAX_STORED_BYTES, type InstanceBudget } from './limits.js';
import { instanceOverlaps } from './query.js';

type FbType = 'BUSY' | 'BUSY-TENTATIVE' | 'BUSY-UNAVAILABLE';
interface Busy { start: number; end: number; type: FbType }

/** The §7.10 table: TRANSPARENT or CANCELLED events are free, TENTATIVE is BUSY-TENTATIVE. */
function eventFbType(status: string | null, transp: string | null): FbType | null {
  if ((transp ?? 'OPAQUE').toUpperCase() === 'TRANSPARENT') return null;
  const s = (status ?? 'CONFIRMED').toUpperCase();
  if (s === 'CANCELLED') return null;
  return s === 'TENTATIVE' ? 'BUSY-TENTATIVE' : 'BUSY';
}

function normaliseFbType(raw: unknown): FbType | null {
  const t = String(raw ?? 'BUSY').toUpperCase();
  if (t === 'FREE') return null;
  if (t === 'BUSY-TENTATIVE' || t === 'BUSY-UNAVAILABLE') return t;
  return 'BUSY';
}

/**
 * One VCALENDAR with one VFREEBUSY covering `range` (both bounds required in practice;
 * a missing bound is clipped to the data). Periods are UTC, clipped to the range, and
 * coalesced per FBTYPE. Objects that cannot be read are skipped. Each busy instance or
 * period found is taken from `budget` (TooManyInstances past it).
 */
export function freeBusy(texts: string[], range: TimeRange, now: Date = new Date(), budget?: InstanceBudget): string {
  const rs = range.start ? range.start.getTime() : -Infinity;
  const re = range.end ? range.end.getTime() : Infinity;
  const busy: Busy[] = [];
  for (const text of texts) {
    const before = busy.length;
    try {
      const root = parseRoot(text, 'calendar data', MAX_STORED_BYTES);
      for (const comp of root.getAllSubcomponents('vevent')) {
        const keys = comp.hasProperty('recurrence-id') ? new Set<number>() : overriddenKeys(root, comp);
        for (const inst of componentInstances(comp, keys, Number.isFinite(re) ? re : null, Number.isFinite(rs) ? rs : null).instances) {
          if (!instanceOverlaps(inst, { start: rs, end: re })) continue;
          const type = eventFbType(textValue(inst.comp, 'status'), textValue(inst.comp, 'transp'));
          if (!type || inst.start === null || inst.end === null || inst.end <= inst.start) continue;
          busy.push({ start: Math.max(inst.start, rs), end: Math.min(inst.end, re), type });
        }
      }
      for (const comp of root.getAllSubcomponents('vfreebusy')) {
        for (const prop of comp.getAllProperties('freebusy')) {
          const type = normaliseFbType(prop.getFirstParameter('fbtype'));
          if (!type) continue;
          for (const p of prop.getValues()) {
            if (!(p instanceof ICAL.Period)) continue;
            const s = ms(p.start);
            const e = ms(p.getEnd());
            if (s < re && e > rs) busy.push({ start: Math.max(s, rs), end: Math.min(e, re), type });
          }
        }
      }
    } catch {
      // An unreadable stored object contributes no busy time rather than failing the report.
    }
    // Out of the try, which would swallow the refusal; before the next object is expanded.
    budget?.take(busy.length - before);
  }
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Facteur//CalDAV Server//EN', 'BEGIN:VFREEBUSY', `DTSTAMP:${utcStamp(now.getTime())}`];
  if (Number.isFinite(rs)) lines.push(`DTSTART:${utcStamp(rs)}`);
  if (Number.isFinite(re)) lines.push(`DTEND:${utcStamp(re)}`);
  for (const type of ['BUSY', 'BUSY-TENTATIVE', 'BUSY-UNAVAILABLE'] as const) {
    const periods = busy.filter((b) => b.type === type).sort((a, b) => a.start - b.start);
    const merged: Busy[] = [];
    for (const p of periods) {
      const last = merged[merged.length - 1];
      // RFC 4791 §7.10 / §11: coalesce overlapping and adjacent periods of one type.
      if (last && p.start <= last.end) last.end = Math.max(last.end, p.end);
      else merged.push({ ...p });
    }
    for (const p of merged) {
      const param = type === 'BUSY' ? '' : `;FBTYPE=${type}`;
      lines.push(`FREEBUSY${param}:${utcStamp(p.start)}/${utcStamp(p.end)}`);
    }
  }
  lines.push('END:VFREEBUSY', 'END:VCALENDAR');
  return lines.join('\r\n') + '\r\n';
}
