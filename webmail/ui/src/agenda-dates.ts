// Calendar arithmetic in the browser's local time: weeks start on Monday (as in France), a day
// is a "YYYY-MM-DD" key, and all-day events are compared by their date alone (the API gives
// them as midnight UTC, which must not shift a day west of Greenwich).
export type AgendaMode = 'week' | 'month';

const pad = (n: number) => String(n).padStart(2, '0');

export function dayKey(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function parseDay(key: string | null | undefined): Date {
  const m = key ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(key) : null;
  const d = m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : new Date();
  d.setHours(0, 0, 0, 0);
  return d;
}

export function addDays(d: Date, n: number): Date {
  const r = new Date(d);
  r.setDate(r.getDate() + n);
  return r;
}

export function startOfWeek(d: Date): Date {
  return addDays(d, -((d.getDay() + 6) % 7));
}

/** The days shown: one week, or the whole weeks covering the month. */
export function visibleDays(mode: AgendaMode, anchor: Date): Date[] {
  let first: Date;
  let count = 7;
  if (mode === 'week') first = startOfWeek(anchor);
  else {
    const monthStart = new Date(anchor.getFullYear(), anchor.getMonth(), 1);
    const monthEnd = new Date(anchor.getFullYear(), anchor.getMonth() + 1, 0);
    first = startOfWeek(monthStart);
    count = Math.round((addDays(startOfWeek(monthEnd), 7).getTime() - first.getTime()) / 86_400_000);
  }
  return Array.from({ length: count }, (_, i) => addDays(first, i));
}

export function shift(mode: AgendaMode, anchor: Date, step: number): Date {
  return mode === 'week' ? addDays(anchor, 7 * step) : new Date(anchor.getFullYear(), anchor.getMonth() + step, 1);
}

export interface Occurrence {
  calendarId: string; name: string; uid: string; summary: string; start: string; end: string;
  allDay: boolean; recurrenceId: string | null;
}

/** The local day keys an occurrence covers (end exclusive). */
/** The date of an all-day start/end. The API gives the server's local midnight as an ISO
 *  instant (midnight UTC on a UTC server): the nearest UTC midnight is that date whatever
 *  the server's offset (within ±12 h). */
export function allDayKey(iso: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  return new Date(Date.parse(iso) + 12 * 3_600_000).toISOString().slice(0, 10);
}

export function daysOf(ev: Occurrence): string[] {
  const from = ev.allDay ? parseDay(allDayKey(ev.start)) : new Date(ev.start);
  from.setHours(0, 0, 0, 0);
  // End is exclusive: an event ending at midnight does not show on the next day.
  const last = ev.allDay ? addDays(parseDay(allDayKey(ev.end)), -1) : new Date(new Date(ev.end).getTime() - 1);
  const out: string[] = [];
  for (let d = from; out.length === 0 || d.getTime() <= last.getTime(); d = addDays(d, 1)) {
    out.push(dayKey(d));
    if (out.length > 62) break;
  }
  return out;
}

/** Value for <input type="datetime-local">. */
export function localInput(d: Date): string {
  return `${dayKey(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export interface Placed { ev: Occurrence; top: number; height: number; lane: number; lanes: number }

/** Where timed events sit in a day column from `fromHour` to `toHour` (percentages), with
 *  overlapping events side by side in lanes. */
export function placeDay(day: Date, events: Occurrence[], fromHour: number, toHour: number): Placed[] {
  const origin = new Date(day);
  origin.setHours(fromHour, 0, 0, 0);
  const span = (toHour - fromHour) * 3_600_000;
  const laneEnds: number[] = [];
  const placed = events.map((ev) => {
    const s = Math.max(new Date(ev.start).getTime(), origin.getTime());
    const e = Math.min(Math.max(new Date(ev.end).getTime(), s + 15 * 60_000), origin.getTime() + span);
    let lane = laneEnds.findIndex((end) => end <= s);
    if (lane < 0) { lane = laneEnds.length; laneEnds.push(e); } else laneEnds[lane] = e;
    return { ev, top: ((s - origin.getTime()) / span) * 100, height: Math.max(((e - s) / span) * 100, 0), lane, lanes: 0 };
  });
  return placed.map((p) => ({ ...p, lanes: laneEnds.length }));
}

/** The hours the week grid shows: 7:00 to 20:00, widened to fit the events. */
export function hourSpan(events: Occurrence[]): [number, number] {
  let from = 7;
  let to = 20;
  for (const ev of events) {
    if (ev.allDay) continue;
    const s = new Date(ev.start);
    const e = new Date(ev.end);
    if (dayKey(s) === dayKey(e)) {
      from = Math.min(from, s.getHours());
      to = Math.max(to, e.getHours() + (e.getMinutes() ? 1 : 0));
    } else { from = 0; to = 24; }
  }
  return [from, Math.min(to, 24)];
}
