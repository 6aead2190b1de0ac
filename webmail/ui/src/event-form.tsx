// The event editor, in a modal <dialog> (focus stays inside, Escape closes it): title, time or
// all-day dates, calendar, place, notes and attendees completed from the directory. Saving with
// attendees makes the user the organizer: the API mails the invitations (iMIP). Choosing another
// calendar moves the event there; when nothing else changed it is a plain move (allowed for an
// invitation from someone else too, and nothing is mailed).
import { useEffect, useRef, useState } from 'preact/hooks';
import { AddressInput, splitAddresses } from './address-input';
import { addDays, allDayKey, dayKey, localInput, parseDay } from './agenda-dates';
import { ApiError, del, enc, get, post, put } from './api';
import { t } from './i18n';

export interface Calendar { id: string; name: string; color: string | null; owner: 'user' | 'group'; group: null | { address: string; name: string } }
export interface EventDetail {
  calendarId: string; name: string; etag: string; summary: string; location: string; description: string;
  start: string; end: string; allDay: boolean; recurring: boolean; organizer: string | null;
  attendees: { address: string; name: string | null; partstat: string }[];
}
interface Saved { summary: string; invitations?: null | { sent: number; refused: string[] } }

export type EventTarget = { calendarId: string; name: string } | { day: Date; hour?: number };

const addressOf = (s: string) => /<([^>]+)>/.exec(s)?.[1]?.trim() ?? s.trim();

interface FormValues {
  summary: string; allDay: boolean; start: string; end: string; startDay: string; endDay: string;
  location: string; description: string; attendees: string;
}

/** The API body the form's values make, or the error to show. */
function bodyOf(v: FormValues) {
  if (!v.summary.trim()) return t('agenda.needTitle');
  let times: { start: string; end: string };
  if (v.allDay) {
    if (v.endDay < v.startDay) return t('agenda.endBeforeStart');
    times = { start: v.startDay, end: dayKey(addDays(parseDay(v.endDay), 1)) };
  } else {
    const s = new Date(v.start);
    const en = new Date(v.end);
    if (Number.isNaN(s.getTime()) || Number.isNaN(en.getTime())) return t('agenda.badTime');
    if (en.getTime() <= s.getTime()) return t('agenda.endBeforeStart');
    times = { start: s.toISOString(), end: en.toISOString() };
  }
  return {
    summary: v.summary.trim(), ...times, allDay: v.allDay, location: v.location, description: v.description,
    attendees: splitAddresses(v.attendees).map(addressOf).filter(Boolean),
  };
}

export function EventForm(props: { calendars: Calendar[]; target: EventTarget; onClose(changed: string | null): void }) {
  const editing = 'name' in props.target ? props.target : null;
  const fresh = 'day' in props.target ? props.target : null;
  const firstStart = new Date(fresh?.day ?? Date.now());
  firstStart.setHours(fresh?.hour ?? 9, 0, 0, 0);
  const dialog = useRef<HTMLDialogElement>(null);
  const [loaded, setLoaded] = useState<EventDetail | null>(null);
  const [calendarId, setCalendarId] = useState(editing?.calendarId ?? props.calendars[0]?.id ?? '');
  const [summary, setSummary] = useState('');
  const [allDay, setAllDay] = useState(false);
  const [start, setStart] = useState(localInput(firstStart));
  const [end, setEnd] = useState(localInput(new Date(firstStart.getTime() + 3_600_000)));
  const [startDay, setStartDay] = useState(dayKey(firstStart));
  const [endDay, setEndDay] = useState(dayKey(firstStart));
  const [location, setLocation] = useState('');
  const [description, setDescription] = useState('');
  const [attendees, setAttendees] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  // The form as loaded, to tell a plain move from an edit.
  const initial = useRef<string | null>(null);

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);

  useEffect(() => {
    if (!editing) return;
    get<EventDetail>(`/calendars/${enc(editing.calendarId)}/events/${enc(editing.name)}`).then((ev) => {
      setLoaded(ev);
      setSummary(ev.summary);
      setAllDay(ev.allDay);
      setLocation(ev.location);
      setDescription(ev.description);
      const who = ev.attendees.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(', ');
      setAttendees(who);
      const v: FormValues = { summary: ev.summary, allDay: ev.allDay, start, end, startDay, endDay, location: ev.location, description: ev.description, attendees: who };
      if (ev.allDay) {
        setStartDay(v.startDay = allDayKey(ev.start));
        setEndDay(v.endDay = dayKey(addDays(parseDay(allDayKey(ev.end)), -1)));
      } else {
        setStart(v.start = localInput(new Date(ev.start)));
        setEnd(v.end = localInput(new Date(ev.end)));
      }
      const b = bodyOf(v);
      initial.current = typeof b === 'string' ? null : JSON.stringify(b);
    }, () => setError(t('agenda.loadError')));
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    const body = bodyOf({ summary, allDay, start, end, startDay, endDay, location, description, attendees });
    if (typeof body === 'string') { setError(body); return; }
    const moving = editing !== null && calendarId !== editing.calendarId;
    const target = props.calendars.find((c) => c.id === calendarId);
    setBusy(true);
    setError('');
    try {
      let msg: string;
      if (editing && moving && initial.current === JSON.stringify(body)) {
        await post(`/calendars/${enc(editing.calendarId)}/events/${enc(editing.name)}/move`, { calendarId, etag: loaded?.etag });
        msg = t('agenda.movedTo', { title: body.summary, calendar: target?.name ?? '' });
      } else {
        const saved = editing
          ? await put<Saved>(`/calendars/${enc(editing.calendarId)}/events/${enc(editing.name)}`, { ...body, ...(loaded ? { etag: loaded.etag } : {}), ...(moving ? { calendarId } : {}) })
          : await post<Saved>(`/calendars/${enc(calendarId)}/events`, body);
        const inv = saved.invitations;
        msg = t(editing ? 'agenda.saved' : 'agenda.created', { title: body.summary });
        if (moving) msg += ` ${t('agenda.movedTo', { title: body.summary, calendar: target?.name ?? '' })}`;
        if (inv?.sent) msg += ` ${t('agenda.invitationsSent', { n: inv.sent })}`;
        if (inv?.refused.length) msg += ` ${t('agenda.invitationsRefused', { list: inv.refused.join(', ') })}`;
      }
      close(msg);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.status === 412) setError(t('agenda.changedMeanwhile'));
      else if (err instanceof ApiError && err.status === 409 && err.code === 'conflict') setError(moving ? t('agenda.calendarOnly') : t('agenda.notOrganizer'));
      else setError(err instanceof ApiError ? err.message : t('error.network'));
    }
  };

  const remove = async () => {
    if (!editing || !confirm(t('agenda.deleteConfirm', { title: summary }))) return;
    setBusy(true);
    try {
      await del(`/calendars/${enc(editing.calendarId)}/events/${enc(editing.name)}`);
      close(t('agenda.deleted', { title: summary }));
    } catch (err) {
      setBusy(false);
      setError(err instanceof ApiError ? err.message : t('error.network'));
    }
  };

  const close = (changed: string | null) => {
    dialog.current?.close();
    props.onClose(changed);
  };

  return (
    <dialog ref={dialog} class="event-dialog" aria-labelledby="event-title" onCancel={(e) => { e.preventDefault(); close(null); }}>
      <form onSubmit={submit} noValidate>
        <h2 id="event-title">{editing ? t('agenda.editEvent') : t('agenda.newEvent')}</h2>
        {editing && !loaded && !error && <p role="status">{t('app.loading')}</p>}
        {loaded?.recurring && <p class="banner info">{t('agenda.recurringNote')}</p>}
        <div class="field">
          <label for="ev-summary">{t('agenda.title')}</label>
          <input id="ev-summary" value={summary} required autoFocus onInput={(e) => setSummary(e.currentTarget.value)} />
        </div>
        <label class="check"><input type="checkbox" checked={allDay} onChange={(e) => setAllDay(e.currentTarget.checked)} /> {t('agenda.allDay')}</label>
        {allDay ? (
          <div class="row2">
            <div class="field"><label for="ev-start-day">{t('agenda.startDay')}</label>
              <input id="ev-start-day" type="date" value={startDay} onInput={(e) => setStartDay(e.currentTarget.value)} /></div>
            <div class="field"><label for="ev-end-day">{t('agenda.endDay')}</label>
              <input id="ev-end-day" type="date" value={endDay} onInput={(e) => setEndDay(e.currentTarget.value)} /></div>
          </div>
        ) : (
          <div class="row2">
            <div class="field"><label for="ev-start">{t('agenda.start')}</label>
              <input id="ev-start" type="datetime-local" value={start} onInput={(e) => setStart(e.currentTarget.value)} /></div>
            <div class="field"><label for="ev-end">{t('agenda.end')}</label>
              <input id="ev-end" type="datetime-local" value={end} onInput={(e) => setEnd(e.currentTarget.value)} /></div>
          </div>
        )}
        <div class="field">
          <label for="ev-calendar">{t('agenda.calendar')}</label>
          <select id="ev-calendar" value={calendarId} disabled={Boolean(editing) && !loaded} onChange={(e) => setCalendarId(e.currentTarget.value)}>
            {props.calendars.map((c) => <option value={c.id}>{c.group && c.group.name !== c.name ? `${c.name} (${c.group.name})` : c.name}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="ev-location">{t('agenda.location')}</label>
          <input id="ev-location" value={location} onInput={(e) => setLocation(e.currentTarget.value)} />
        </div>
        <AddressInput id="ev-attendees" label={t('agenda.attendees')} value={attendees} onInput={setAttendees} />
        {loaded && loaded.attendees.length > 0 && (
          <ul class="partstats" aria-label={t('agenda.answers')}>
            {loaded.attendees.map((a) => <li>{a.name || a.address} : {t(`agenda.partstat.${a.partstat}` as 'agenda.partstat.NEEDS-ACTION') || a.partstat}</li>)}
          </ul>
        )}
        <div class="field">
          <label for="ev-description">{t('agenda.description')}</label>
          <textarea id="ev-description" rows={3} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </div>
        {error && <p class="error" role="alert">{error}</p>}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || (Boolean(editing) && !loaded)}>{t('agenda.save')}</button>
          <button type="button" onClick={() => close(null)}>{t('agenda.cancel')}</button>
          {editing && <button type="button" class="danger" disabled={busy || !loaded} onClick={remove}>{t('agenda.delete')}</button>}
        </div>
      </form>
    </dialog>
  );
}
