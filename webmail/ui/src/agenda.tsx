// The agenda: a week (default) or month of the user's and their groups' calendars, one colour
// per calendar with a legend that shows or hides each one. Days are lists of event buttons, so
// the keyboard and screen readers go through them in time order; on a phone the week becomes
// a list of days. Everything refetches when the live stream says a calendar changed.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { dayKey, daysOf, hourSpan, parseDay, placeDay, shift, visibleDays, type AgendaMode, type Occurrence } from './agenda-dates';
import { ApiError, enc, get, put } from './api';
import { EventForm, type Calendar, type EventDetail, type EventTarget } from './event-form';
import { lang, t } from './i18n';
import { hrefs, navigate } from './router';

// Dark enough for white text and for a 3:1 border on white (WCAG 1.4.11).
const PALETTE = ['#0b57a4', '#1a7f37', '#8250df', '#b42318', '#9a6700', '#0e7490', '#bf3989', '#57606a'];
const HIDDEN_KEY = 'facteur.hiddenCalendars';

function loadHidden(): string[] {
  try { return JSON.parse(localStorage.getItem(HIDDEN_KEY) ?? '[]') as string[]; } catch { return []; }
}

export function AgendaView(props: { mode: AgendaMode; date: string | null; version: number; announce(text: string): void }) {
  const anchor = parseDay(props.date);
  const anchorKey = dayKey(anchor);
  const days = useMemo(() => visibleDays(props.mode, anchor), [props.mode, anchorKey]);
  const [calendars, setCalendars] = useState<Calendar[]>([]);
  const [hidden, setHidden] = useState<string[]>(loadHidden);
  const [events, setEvents] = useState<Occurrence[]>([]);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState<EventTarget | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    get<{ calendars: Calendar[] }>('/calendars').then((r) => setCalendars(r.calendars), () => setError(t('agenda.loadError')));
  }, [props.version]);

  const shown = calendars.filter((c) => !hidden.includes(c.id));
  const shownKey = shown.map((c) => c.id).join(',');
  useEffect(() => {
    if (!shown.length) { setEvents([]); return; }
    let stale = false;
    const range = `start=${enc(days[0].toISOString())}&end=${enc(new Date(days[days.length - 1].getTime() + 86_400_000).toISOString())}`;
    Promise.all(shown.map((c) => get<{ events: Occurrence[] }>(`/calendars/${enc(c.id)}/events?${range}`).then((r) => r.events))).then(
      (lists) => { if (!stale) { setEvents(lists.flat()); setError(''); } },
      () => { if (!stale) setError(t('agenda.loadError')); },
    );
    return () => { stale = true; };
  }, [shownKey, days, props.version, reload]);

  const colour = (id: string) => {
    const i = calendars.findIndex((c) => c.id === id);
    return calendars[i]?.color ?? PALETTE[Math.max(i, 0) % PALETTE.length];
  };
  const calName = (id: string) => calendars.find((c) => c.id === id)?.name ?? '';

  const byDay = useMemo(() => {
    const map = new Map<string, Occurrence[]>();
    const sorted = [...events].sort((a, b) => Number(b.allDay) - Number(a.allDay) || a.start.localeCompare(b.start));
    for (const ev of sorted) for (const k of daysOf(ev)) map.set(k, [...(map.get(k) ?? []), ev]);
    return map;
  }, [events]);

  const toggle = (id: string, on: boolean) => {
    const next = on ? hidden.filter((h) => h !== id) : [...hidden, id];
    setHidden(next);
    try { localStorage.setItem(HIDDEN_KEY, JSON.stringify(next)); } catch { /* not remembered */ }
  };

  const fmt = (opts: Intl.DateTimeFormatOptions, d: Date) => new Intl.DateTimeFormat(lang(), opts).format(d);
  const time = (iso: string) => fmt({ hour: '2-digit', minute: '2-digit' }, new Date(iso));
  const title = props.mode === 'week'
    ? t('agenda.weekOf', { from: fmt({ day: 'numeric', month: 'long' }, days[0]), to: fmt({ day: 'numeric', month: 'long', year: 'numeric' }, days[6]) })
    : fmt({ month: 'long', year: 'numeric' }, anchor);
  const today = dayKey(new Date());
  const prev = dayKey(shift(props.mode, anchor, -1));
  const next = dayKey(shift(props.mode, anchor, 1));
  const writable = calendars; // members may edit their groups' calendars (API.md)

  // p / n / t: previous, next, today, as in common calendar apps; ignored while typing or in the form.
  // The listener reads the targets of the week now shown (set at each render): an effect runs
  // after the paint, so a key pressed as soon as the new week shows would else use the old one.
  const keyTargets = useRef({ prev, next, today, editing: editing !== null, mode: props.mode });
  keyTargets.current = { prev, next, today, editing: editing !== null, mode: props.mode };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const k = keyTargets.current;
      const el = e.target as HTMLElement;
      if (k.editing || e.ctrlKey || e.metaKey || e.altKey || el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) return;
      const to = e.key === 'p' ? k.prev : e.key === 'n' ? k.next : e.key === 't' ? k.today : null;
      if (to) { e.preventDefault(); navigate(hrefs.agenda(k.mode, to)); }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const onClosed = (changed: string | null) => {
    setEditing(null);
    if (changed) { props.announce(changed); setReload((n) => n + 1); }
  };

  const hours = hourSpan(events);
  // Dragging a timed event to another hour or day moves it (the form does the same by keyboard).
  const dragged = useRef<{ ev: Occurrence; grab: number } | null>(null);
  const move = async (ev: Occurrence, start: Date) => {
    const path = `/calendars/${enc(ev.calendarId)}/events/${enc(ev.name)}`;
    try {
      const d = await get<EventDetail>(path);
      // A repeated event moves as a whole, by the same shift as the dragged occurrence.
      const shiftMs = start.getTime() - new Date(ev.start).getTime();
      if (!shiftMs) return;
      await put(path, {
        summary: d.summary, location: d.location, description: d.description, allDay: false, etag: d.etag,
        start: new Date(new Date(d.start).getTime() + shiftMs).toISOString(), end: new Date(new Date(d.end).getTime() + shiftMs).toISOString(),
        attendees: d.attendees.map((a) => a.address),
      });
      props.announce(t('agenda.moved', { title: d.summary, when: fmt({ weekday: 'long', hour: '2-digit', minute: '2-digit' }, start) }));
    } catch (err) {
      props.announce(err instanceof ApiError && err.status === 409 ? t('agenda.notOrganizer') : err instanceof ApiError ? err.message : t('error.network'));
    }
    setReload((n) => n + 1);
  };
  const dropOn = (day: Date, e: DragEvent) => {
    e.preventDefault();
    const from = dragged.current;
    dragged.current = null;
    if (!from) return;
    const box = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const minutes = ((e.clientY - from.grab - box.top) / box.height) * (hours[1] - hours[0]) * 60;
    const start = new Date(day);
    start.setHours(hours[0], Math.max(0, Math.round(minutes / 15) * 15), 0, 0);
    void move(from.ev, start);
  };
  const item = (ev: Occurrence, place?: Record<string, string | number>) => (
    <li style={place}>
      <button type="button" class="event" style={{ borderLeftColor: colour(ev.calendarId) }}
        draggable={Boolean(place)} onDragStart={(e) => {
          dragged.current = { ev, grab: e.clientY - e.currentTarget.getBoundingClientRect().top };
          e.dataTransfer?.setData('text/plain', ev.summary);
        }}
        onClick={() => setEditing({ calendarId: ev.calendarId, name: ev.name })}>
        <span class="when">{ev.allDay ? t('agenda.allDay') : `${time(ev.start)}–${time(ev.end)}`}</span>{' '}
        <span class="what">{ev.summary || t('agenda.untitled')}</span>
        <span class="sr-only"> ({calName(ev.calendarId)})</span>
      </button>
    </li>
  );

  return (
    <section class={`agenda ${props.mode}`} aria-labelledby="agenda-title">
      <div class="agenda-head">
        <h1 id="agenda-title">{title}</h1>
        <nav class="toolbar" aria-label={t('agenda.navigation')}>
          <a class="button" href={hrefs.agenda(props.mode, prev)} aria-label={t(props.mode === 'week' ? 'agenda.prevWeek' : 'agenda.prevMonth')} aria-keyshortcuts="p">‹</a>
          <a class="button" href={hrefs.agenda(props.mode, today)} aria-keyshortcuts="t">{t('agenda.today')}</a>
          <a class="button" href={hrefs.agenda(props.mode, next)} aria-label={t(props.mode === 'week' ? 'agenda.nextWeek' : 'agenda.nextMonth')} aria-keyshortcuts="n">›</a>
          <a class="button" href={hrefs.agenda('week', anchorKey)} aria-current={props.mode === 'week' ? 'page' : undefined}>{t('agenda.week')}</a>
          <a class="button" href={hrefs.agenda('month', anchorKey)} aria-current={props.mode === 'month' ? 'page' : undefined}>{t('agenda.month')}</a>
          <button type="button" class="primary" disabled={!writable.length} onClick={() => setEditing({ day: props.mode === 'week' && days.some((d) => dayKey(d) === today) ? new Date() : anchor })}>
            {t('agenda.newEvent')}
          </button>
        </nav>
      </div>
      <fieldset class="legend">
        <legend>{t('agenda.calendars')}</legend>
        {calendars.map((c) => (
          <label class="check">
            <input type="checkbox" checked={!hidden.includes(c.id)} onChange={(e) => toggle(c.id, e.currentTarget.checked)} />
            <span class="swatch" style={{ background: colour(c.id) }} aria-hidden="true" />
            {c.name}{c.group && c.group.name !== c.name ? ` (${c.group.name})` : ''}
          </label>
        ))}
      </fieldset>
      {error && <p class="error" role="alert">{error}</p>}
      <ol class="days" aria-label={title}>
        {days.map((d, i) => {
          const k = dayKey(d);
          const list = byDay.get(k) ?? [];
          const outside = props.mode === 'month' && d.getMonth() !== anchor.getMonth();
          const long = fmt({ weekday: 'long', day: 'numeric', month: 'long' }, d);
          return (
            <li class={`day${k === today ? ' today' : ''}${outside ? ' outside' : ''}${list.length ? '' : ' empty-day'}`} aria-current={k === today ? 'date' : undefined}>
              <div class="day-head">
                <h2 aria-label={long}>{props.mode === 'week' ? fmt({ weekday: 'short', day: 'numeric' }, d) : d.getDate()}</h2>
                <button type="button" class="small add" aria-label={t('agenda.addOn', { day: long })} disabled={!writable.length} onClick={() => setEditing({ day: d })}>+</button>
              </div>
              {props.mode === 'month' ? list.length > 0 && <ul class="events">{list.map((ev) => item(ev))}</ul> : (
                <>
                  {list.some((ev) => ev.allDay) && <ul class="events all-day">{list.filter((ev) => ev.allDay).map((ev) => item(ev))}</ul>}
                  {/* Timed events sit at their hour; a click on an empty hour starts a new event there. */}
                  <div class="timed-box">
                  {i === 0 && (
                    <div class="hour-marks" aria-hidden="true">
                      {Array.from({ length: hours[1] - hours[0] }, (_, h) => <span style={{ '--top': `${(h / (hours[1] - hours[0])) * 100}%` }}>{`${hours[0] + h}:00`}</span>)}
                    </div>
                  )}
                  <ul class="events timed" style={{ '--hours': hours[1] - hours[0] }}
                    onDragOver={(e) => { if (dragged.current) e.preventDefault(); }} onDrop={(e) => dropOn(d, e)}
                    onClick={(e) => {
                      if (e.target !== e.currentTarget || !writable.length) return;
                      const box = e.currentTarget.getBoundingClientRect();
                      setEditing({ day: d, hour: hours[0] + Math.floor(((e.clientY - box.top) / box.height) * (hours[1] - hours[0])) });
                    }}>
                    {placeDay(d, list.filter((ev) => !ev.allDay), hours[0], hours[1]).map((p) =>
                      item(p.ev, { '--top': `${p.top}%`, '--height': `${p.height}%`, '--lane': p.lane, '--lanes': p.lanes }))}
                  </ul>
                  </div>
                </>
              )}
            </li>
          );
        })}
      </ol>
      {editing && <EventForm calendars={writable} target={editing} onClose={onClosed} />}
    </section>
  );
}
