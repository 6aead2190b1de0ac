// Occurrences for the webmail agenda: every instance of every object in a range.
import type { TimeRange } from './filters.js';
import { ms, parseRoot, textValue, utcStamp } from './ical.js';
import { componentInstances, mainComponents, overriddenKeys } from './instances.js';
import { MAX_STORED_BYTES } from './limits.js';
import { instanceOverlaps } from './query.js';
import type { Occurrence } from './types.js';

/**
 * VEVENT occurrences overlapping `range` (RFC 4791 §9.9 rules), sorted by start; objects
 * that cannot be read are skipped. Cancelled instances are left out.
 */
export function listOccurrences(texts: { name: string; data: string }[], range: TimeRange): Occurrence[] {
  const r = { start: range.start ? range.start.getTime() : -Infinity, end: range.end ? range.end.getTime() : Infinity };
  const out: Occurrence[] = [];
  for (const { name, data } of texts) {
    try {
      const root = parseRoot(data, 'calendar data', MAX_STORED_BYTES);
      for (const comp of mainComponents(root)) {
        if (comp.name !== 'vevent') continue;
        const override = comp.hasProperty('recurrence-id');
        const keys = override ? new Set<number>() : overriddenKeys(root, comp);
        for (const inst of componentInstances(comp, keys, Number.isFinite(r.end) ? r.end : null, Number.isFinite(r.start) ? r.start : null).instances) {
          if (inst.start === null || !instanceOverlaps(inst, r)) continue;
          if ((textValue(inst.comp, 'status') ?? '').toUpperCase() === 'CANCELLED') continue;
          const rid = inst.recurrenceId;
          out.push({
            name,
            uid: textValue(inst.comp, 'uid') ?? '',
            summary: textValue(inst.comp, 'summary'),
            start: new Date(inst.start),
            end: new Date(inst.end ?? inst.start),
            allDay: inst.isDate,
            recurrenceId: rid ? (rid.isDate ? rid.toICALString() : utcStamp(ms(rid))) : null,
          });
        }
      }
    } catch {
      // skip unreadable objects
    }
  }
  return out.sort((a, b) => a.start.getTime() - b.start.getTime() || a.name.localeCompare(b.name));
}
