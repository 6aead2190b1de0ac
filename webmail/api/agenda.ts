// The agenda: the user's calendars and their groups' shared ones (the same DavStore objects
// CalDAV serves, so a change on one side shows on the other), events in a range with
// recurrences expanded, create/edit/move/delete of events, invitations sent by mail (iMIP,
// RFC 6047) through the delivery pipeline, and answers to invitations received by mail.
import { randomUUID } from 'node:crypto';
import ICAL from 'ical.js';
import { listOccurrences, mailItip, parseCalendarObject, planItip, PreconditionFailed, type ItipMail, type ItipPlanStep } from '../../core/index.js';
import type { DavCollection, DavItem } from '../../storage/index.js';
import type { AuthedContext } from './context.js';
import { ownMailbox } from './mailboxes.js';
import type { MessageReader, ParsedMessage } from './parsed.js';
import { Errors } from './errors.js';
import { sendJson, str, strList } from './http.js';
import type { ApiRoute } from './router.js';

type Component = InstanceType<typeof ICAL.Component>;

const MAX_RANGE_MS = 400 * 86_400_000;
const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+$/;

export async function ownCalendar(ctx: AuthedContext, id: string): Promise<DavCollection> {
  const c = await ctx.deps.store.dav.getCollection(id);
  if (!c || c.kind !== 'calendar') throw Errors.notFound('No such calendar');
  if (c.ownerType === 'user' && c.ownerId === ctx.user.id) return c;
  if (c.ownerType === 'group') {
    const group = await ctx.deps.store.accounts.getGroup(c.ownerId);
    if (group?.memberIds.includes(ctx.user.id)) return c;
  }
  throw Errors.notFound('No such calendar');
}

function isoDate(value: unknown, field: string): Date {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw Errors.invalid(`"${field}" must be a date and time (ISO 8601)`, field);
  return new Date(value);
}

interface EventInput {
  summary: string;
  start: Date;
  end: Date;
  allDay: boolean;
  location: string;
  description: string;
  attendees: string[];
}

function readEvent(body: Record<string, unknown>): EventInput {
  const allDay = body.allDay === true;
  const start = isoDate(body.start, 'start');
  const end = body.end === undefined || body.end === null ? new Date(start.getTime() + (allDay ? 86_400_000 : 3600_000)) : isoDate(body.end, 'end');
  if (end.getTime() < start.getTime()) throw Errors.invalid('The end comes before the start', 'end');
  const attendees = strList(body, 'attendees', 200).map((a) => a.trim().toLowerCase());
  for (const a of attendees) if (!ADDRESS.test(a)) throw Errors.invalid(`"${a}" is not an address`, 'attendees');
  return {
    summary: str(body, 'summary', { max: 500 }).trim() || '(sans titre)',
    start, end, allDay,
    location: str(body, 'location', { optional: true, max: 500 }),
    description: str(body, 'description', { optional: true, max: 20_000 }),
    attendees: [...new Set(attendees)],
  };
}

function icalTime(d: Date, allDay: boolean) {
  if (allDay) return ICAL.Time.fromData({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), isDate: true });
  return ICAL.Time.fromJSDate(d, true);
}

/** Writes the input into a VEVENT: the fields the webmail edits; others (RRULE, alarms,
 *  attendees' answers) are left as they are. */
function applyEvent(ctx: AuthedContext, event: Component, input: EventInput): void {
  event.updatePropertyWithValue('summary', input.summary);
  event.updatePropertyWithValue('dtstart', icalTime(input.start, input.allDay));
  event.removeAllProperties('duration');
  event.updatePropertyWithValue('dtend', icalTime(input.allDay && input.end.getTime() === input.start.getTime() ? new Date(input.start.getTime() + 86_400_000) : input.end, input.allDay));
  for (const [name, value] of [['location', input.location], ['description', input.description]] as const) {
    if (value) event.updatePropertyWithValue(name, value);
    else event.removeAllProperties(name);
  }
  event.updatePropertyWithValue('dtstamp', ICAL.Time.now());
  event.updatePropertyWithValue('last-modified', ICAL.Time.now());
  const existing = new Map(event.getAllProperties('attendee').map((p) => [String(p.getFirstValue()).replace(/^mailto:/i, '').toLowerCase(), p]));
  for (const [address, prop] of existing) if (!input.attendees.includes(address)) event.removeProperty(prop);
  for (const address of input.attendees) {
    if (existing.has(address)) continue;
    const prop = new ICAL.Property('attendee');
    prop.setValue(`mailto:${address}`);
    prop.setParameter('partstat', 'NEEDS-ACTION');
    prop.setParameter('rsvp', 'TRUE');
    prop.setParameter('role', 'REQ-PARTICIPANT');
    event.addProperty(prop);
  }
  event.removeAllProperties('organizer');
  if (input.attendees.length > 0) {
    const org = new ICAL.Property('organizer');
    org.setValue(`mailto:${ctx.user.address}`);
    org.setParameter('cn', ctx.user.displayName);
    event.addProperty(org);
  }
}

function masterOf(root: Component): Component {
  const events = root.getAllSubcomponents('vevent');
  const master = events.find((e) => !e.hasProperty('recurrence-id')) ?? events[0];
  if (!master) throw Errors.conflict('This calendar object holds no event');
  return master;
}

function serialize(root: Component): string {
  return root.toString().replace(/\r?\n/g, '\r\n') + '\r\n';
}

/**
 * A date as ISO text, or null past the last instant a Date holds. Objects stored before core
 * refused them can end there (DTSTART + DURATION:P99999999W): such an end is shown as the last
 * instant iCalendar can write, rather than failing the agenda of all who share the calendar.
 */
function iso(ms: number): string | null {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
const LAST_INSTANT = '9999-12-31T23:59:59.999Z';

type Time = InstanceType<typeof ICAL.Time>;

/** A VEVENT's end: DTEND, else DTSTART + DURATION, else a day for a date and nothing for a
 *  date-time (RFC 5545 §3.6.1). Reckoned in milliseconds, as core does: ical.js moves a Time
 *  month by month, and took a second for DURATION:P99999999W, ten for P999999999W. */
function endOf(e: Component, start: Time): string {
  const dtend = e.getFirstPropertyValue('dtend') as Time | null;
  const duration = e.getFirstPropertyValue('duration') as InstanceType<typeof ICAL.Duration> | null;
  const length = dtend ? (dtend.toUnixTime() - start.toUnixTime()) * 1000
    : duration ? duration.toSeconds() * 1000
      : start.isDate ? 86_400_000 : 0;
  return iso(start.toJSDate().getTime() + length) ?? LAST_INSTANT;
}

function eventJson(calendarId: string, name: string, etag: string, data: string) {
  const root = new ICAL.Component(ICAL.parse(data));
  const e = masterOf(root);
  const text = (p: string) => { const v = e.getFirstPropertyValue(p); return v === null || v === undefined ? '' : String(v); };
  const start = e.getFirstPropertyValue('dtstart') as Time | null;
  return {
    calendarId, name, etag,
    uid: text('uid'),
    summary: text('summary'),
    location: text('location'),
    description: text('description'),
    start: start ? iso(start.toJSDate().getTime()) : null,
    end: start ? endOf(e, start) : null,
    allDay: start?.isDate ?? false,
    recurring: e.hasProperty('rrule') || e.hasProperty('rdate'),
    organizer: e.hasProperty('organizer') ? String(e.getFirstPropertyValue('organizer')).replace(/^mailto:/i, '') : null,
    attendees: e.getAllProperties('attendee').map((p) => ({
      address: String(p.getFirstValue()).replace(/^mailto:/i, ''),
      name: (p.getFirstParameter('cn') as string | null) ?? null,
      partstat: String(p.getFirstParameter('partstat') ?? 'NEEDS-ACTION').toUpperCase(),
    })),
  };
}

/** Mails an iTIP message to its recipients; what the pipeline refused is reported, not thrown. */
async function sendItip(ctx: AuthedContext, itip: ItipMail, subjectPrefix: string, text: string) {
  const result = await mailItip(ctx.deps.delivery, { user: ctx.user, ip: ctx.req.socket.remoteAddress ?? null, origin: 'webmail' },
    itip, `${subjectPrefix} : ${itip.summary ?? ''}`.trim(), text);
  if (result.error) ctx.log.info({ reason: result.error }, 'invitation refused by the pipeline');
  return result;
}

/** Mails what planItip says; the user is told how the REQUEST went (null: none was due). */
async function sendPlanned(ctx: AuthedContext, steps: ItipPlanStep[], text: string) {
  let invitations = null;
  for (const { kind, itip } of steps) {
    const result = await sendItip(ctx, itip, kind === 'cancel' ? 'Annulation' : kind === 'update' ? 'Invitation modifiée' : 'Invitation', text);
    if (kind !== 'cancel') invitations = result;
  }
  return invitations;
}

function describe(input: EventInput): string {
  const when = input.allDay ? input.start.toISOString().slice(0, 10) : `${input.start.toISOString()} – ${input.end.toISOString()}`;
  return [input.summary, when, input.location, input.description].filter(Boolean).join('\n');
}

/** The stored version to plan mails from, or null (as if the event were new) when core reads it
 *  no more: an object stored before a rule was added must stay editable, so as to put it right. */
function readable(data: string): string | null {
  try {
    parseCalendarObject(data);
    return data;
  } catch {
    return null;
  }
}

async function store(ctx: AuthedContext, calendar: DavCollection, name: string, data: string, conditions: { ifMatch?: string; ifNoneMatch?: '*' }) {
  const parsed = parseCalendarObject(data);
  const { item } = await ctx.deps.store.dav.putItem(calendar.id, {
    name, uid: parsed.uid, data, componentType: parsed.componentType, firstStart: parsed.firstStart, lastEnd: parsed.lastEnd,
  }, conditions);
  return item;
}

/**
 * Moves an event to another calendar of the user as a CalDAV MOVE does (RFC 4918 §9.9): the
 * object is written into the target, then removed from the source only if it is still the
 * version read (`ifMatch`), else the copy is taken back. Both collections' sync tokens move
 * (RFC 6578), so a CalDAV client sees it leave one and appear in the other.
 */
async function relocate(ctx: AuthedContext, from: DavCollection, to: DavCollection, item: DavItem, data: string, ifMatch: string): Promise<DavItem> {
  const { dav } = ctx.deps.store;
  if (ifMatch !== item.etag) throw new PreconditionFailed('The event changed meanwhile');
  // Another object may carry this name there (the UID is checked by the store: 409).
  const name = (await dav.getItem(to.id, item.name)) ? `${randomUUID()}.ics` : item.name;
  const saved = await store(ctx, to, name, data, { ifNoneMatch: '*' });
  try {
    await dav.deleteItem(from.id, item.name, { ifMatch });
  } catch (err) {
    await dav.deleteItem(to.id, saved.name).catch(() => undefined);
    throw err;
  }
  return saved;
}

/** The calendar named by `calendarId` in the body when it is not `current`, else null. */
async function targetCalendar(ctx: AuthedContext, body: Record<string, unknown>, current: DavCollection): Promise<DavCollection | null> {
  if (body.calendarId === undefined || body.calendarId === null || body.calendarId === current.id) return null;
  if (typeof body.calendarId !== 'string') throw Errors.invalid('"calendarId" must be a calendar id', 'calendarId');
  return ownCalendar(ctx, body.calendarId);
}

const ANSWERS = ['ACCEPTED', 'DECLINED', 'TENTATIVE'] as const;

/** The iTIP object a message carries (RFC 6047 §2.4: a text/calendar part with a METHOD). */
export function calendarPart(parsed: ParsedMessage): string | null {
  const part = parsed.mail.attachments.find((a) => a.contentType.toLowerCase() === 'text/calendar' || a.contentType.toLowerCase() === 'application/ics');
  return part ? part.content.toString('utf8') : null;
}

/** Whether core takes the object as it would a stored event (METHOD aside): its bounds on
 *  time zones and dates make it safe to reckon times with ical.js. */
function checkedByCore(root: Component): boolean {
  const copy = new ICAL.Component(JSON.parse(JSON.stringify(root.toJSON())));
  copy.removeAllProperties('method');
  try {
    parseCalendarObject(serialize(copy));
    return true;
  } catch {
    return false;
  }
}

/** What the message view shows of an invitation, with the user's current answer. */
export function invitationJson(ics: string, userAddress: string) {
  try {
    const root = new ICAL.Component(ICAL.parse(ics));
    const method = String(root.getFirstPropertyValue('method') ?? '').toUpperCase();
    if (!method) return null;
    const e = masterOf(root);
    const me = e.getAllProperties('attendee').find((p) => String(p.getFirstValue()).replace(/^mailto:/i, '').toLowerCase() === userAddress);
    // Anyone can mail an invitation: its dates are read only from data core accepts (opening
    // one whose VTIMEZONE has a SECONDLY rule made ical.js loop for ever).
    const start = checkedByCore(root) ? e.getFirstPropertyValue('dtstart') as Time | null : null;
    return {
      method,
      uid: String(e.getFirstPropertyValue('uid') ?? ''),
      summary: String(e.getFirstPropertyValue('summary') ?? ''),
      start: start ? start.toJSDate().toISOString() : null,
      end: start ? endOf(e, start) : null,
      allDay: start?.isDate ?? false,
      organizer: e.hasProperty('organizer') ? String(e.getFirstPropertyValue('organizer')).replace(/^mailto:/i, '') : null,
      partstat: me ? String(me.getFirstParameter('partstat') ?? 'NEEDS-ACTION').toUpperCase() : null,
    };
  } catch {
    return null;
  }
}

export function agendaRoutes(reader: MessageReader): ApiRoute[] {
  return [
    {
      // Answering an invitation received by mail: the event goes into (or, declined, out of)
      // the user's own calendar, and the organizer gets an iTIP REPLY (RFC 5546 §3.2.3).
      method: 'POST', path: '/messages/invitation',
      async handler(ctx) {
        const body = await ctx.body();
        const answer = str(body, 'answer', { max: 20 }).toUpperCase() as (typeof ANSWERS)[number];
        if (!ANSWERS.includes(answer)) throw Errors.invalid('"answer" is ACCEPTED, DECLINED or TENTATIVE', 'answer');
        const mailbox = await ownMailbox(ctx, str(body, 'mailboxId', { max: 200 }));
        const uid = body.uid;
        if (!Number.isSafeInteger(uid)) throw Errors.invalid('"uid" must be a message uid', 'uid');
        const [record] = await ctx.deps.store.mail.getMessages(mailbox.id, [uid as number]);
        if (!record) throw Errors.notFound('No such message');
        const ics = calendarPart(await reader.read(record.blobId));
        if (!ics) throw Errors.conflict('This message holds no invitation');
        let root: Component;
        try {
          root = new ICAL.Component(ICAL.parse(ics));
        } catch {
          throw Errors.conflict('The invitation cannot be read');
        }
        if (String(root.getFirstPropertyValue('method') ?? '').toUpperCase() !== 'REQUEST') throw Errors.conflict('This message is not an invitation (iTIP REQUEST)');
        const event = masterOf(root);
        const me = event.getAllProperties('attendee').find((p) => String(p.getFirstValue()).replace(/^mailto:/i, '').toLowerCase() === ctx.user.address);
        if (!me) throw Errors.conflict('You are not among the attendees of this invitation');
        const organizer = event.hasProperty('organizer') ? String(event.getFirstPropertyValue('organizer')).replace(/^mailto:/i, '') : null;
        me.setParameter('partstat', answer);
        me.removeParameter('rsvp');
        const eventUid = String(event.getFirstPropertyValue('uid') ?? '');
        if (!eventUid) throw Errors.conflict('The invitation has no UID');

        // The user's copy: the whole object without METHOD (RFC 6047 §3: stored, it is not a message).
        const { dav } = ctx.deps.store;
        const calendars = await dav.listCollections('user', ctx.user.id, 'calendar');
        const calendar = calendars.find((c) => c.slug === 'default') ?? calendars[0];
        if (!calendar) throw Errors.conflict('You have no calendar');
        const existing = (await dav.listItems(calendar.id, { componentType: 'VEVENT' })).find((i) => i.uid === eventUid);
        const stored = new ICAL.Component(JSON.parse(JSON.stringify(root.toJSON())));
        stored.removeAllProperties('method');
        if (answer === 'DECLINED') {
          if (existing) await dav.deleteItem(calendar.id, existing.name);
        } else {
          await store(ctx, calendar, existing?.name ?? `${eventUid}.ics`, serialize(stored), {});
        }

        let replied = false;
        if (organizer && ADDRESS.test(organizer)) {
          const reply = new ICAL.Component(['vcalendar', [], []]);
          reply.updatePropertyWithValue('version', '2.0');
          reply.updatePropertyWithValue('prodid', '-//Facteur//webmail//FR');
          reply.updatePropertyWithValue('method', 'REPLY');
          const r = new ICAL.Component('vevent');
          for (const name of ['uid', 'sequence', 'dtstart', 'dtend', 'duration', 'summary', 'recurrence-id']) {
            const prop = event.getFirstProperty(name);
            if (prop) r.addProperty(ICAL.Property.fromString(prop.toICALString()));
          }
          r.updatePropertyWithValue('dtstamp', ICAL.Time.now());
          r.addProperty(ICAL.Property.fromString(event.getFirstProperty('organizer')!.toICALString()));
          r.addProperty(ICAL.Property.fromString(me.toICALString()));
          reply.addSubcomponent(r);
          const label = answer === 'ACCEPTED' ? 'Accepté' : answer === 'DECLINED' ? 'Refusé' : 'Peut-être';
          const sent = await sendItip(ctx, { method: 'REPLY', recipients: [organizer], summary: String(event.getFirstPropertyValue('summary') ?? ''), ics: serialize(reply) }, label, `${ctx.user.displayName} : ${label}`);
          replied = sent.sent > 0;
        }
        sendJson(ctx.res, 200, { answer, calendarId: calendar.id, replied });
      },
    },
    {
      method: 'GET', path: '/calendars',
      async handler(ctx) {
        const { dav, accounts } = ctx.deps.store;
        const own = await dav.listCollections('user', ctx.user.id, 'calendar');
        const groups = await accounts.listGroupsOfUser(ctx.user.id);
        const shared = (await Promise.all(groups.map(async (g) => (await dav.listCollections('group', g.id, 'calendar')).map((c) => ({ c, g }))))).flat();
        sendJson(ctx.res, 200, {
          calendars: [
            ...own.map((c) => ({ id: c.id, name: c.displayName, color: c.color, owner: 'user', group: null })),
            ...shared.map(({ c, g }) => ({ id: c.id, name: c.displayName, color: c.color, owner: 'group', group: { address: g.address, name: g.displayName } })),
          ],
        });
      },
    },
    {
      method: 'GET', path: '/calendars/:id/events',
      async handler(ctx) {
        const calendar = await ownCalendar(ctx, ctx.params.id);
        const start = isoDate(ctx.url.searchParams.get('start'), 'start');
        const end = isoDate(ctx.url.searchParams.get('end'), 'end');
        if (end.getTime() <= start.getTime() || end.getTime() - start.getTime() > MAX_RANGE_MS) throw Errors.invalid('Give a range of at most 400 days, end after start', 'end');
        const items = await ctx.deps.store.dav.listItems(calendar.id, { componentType: 'VEVENT', range: { start, end } });
        const occurrences = listOccurrences(items.map((i) => ({ name: i.name, data: i.data })), { start, end });
        sendJson(ctx.res, 200, {
          events: occurrences.flatMap((o) => {
            // A start no Date holds cannot be placed on the agenda.
            const start = iso(o.start.getTime());
            return start ? [{ calendarId: calendar.id, name: o.name, uid: o.uid, summary: o.summary ?? '', start, end: iso(o.end.getTime()) ?? LAST_INSTANT, allDay: o.allDay, recurrenceId: o.recurrenceId }] : [];
          }),
        });
      },
    },
    {
      method: 'GET', path: '/calendars/:id/events/:name',
      async handler(ctx) {
        const calendar = await ownCalendar(ctx, ctx.params.id);
        const item = await ctx.deps.store.dav.getItem(calendar.id, ctx.params.name);
        if (!item || item.componentType !== 'VEVENT') throw Errors.notFound('No such event');
        sendJson(ctx.res, 200, eventJson(calendar.id, item.name, item.etag, item.data));
      },
    },
    {
      method: 'POST', path: '/calendars/:id/events', body: 'text',
      async handler(ctx) {
        const calendar = await ownCalendar(ctx, ctx.params.id);
        const input = readEvent(await ctx.body());
        const uid = randomUUID();
        const root = new ICAL.Component(['vcalendar', [], []]);
        root.updatePropertyWithValue('version', '2.0');
        root.updatePropertyWithValue('prodid', '-//Facteur//webmail//FR');
        const event = new ICAL.Component('vevent');
        event.updatePropertyWithValue('uid', uid);
        event.updatePropertyWithValue('sequence', 0);
        applyEvent(ctx, event, input);
        root.addSubcomponent(event);
        const data = serialize(root);
        const item = await store(ctx, calendar, `${uid}.ics`, data, { ifNoneMatch: '*' });
        const invitations = await sendPlanned(ctx, planItip(ctx.user.address, null, data), describe(input));
        sendJson(ctx.res, 201, { ...eventJson(calendar.id, item.name, item.etag, item.data), invitations });
      },
    },
    {
      method: 'PUT', path: '/calendars/:id/events/:name', body: 'text',
      async handler(ctx) {
        const calendar = await ownCalendar(ctx, ctx.params.id);
        const body = await ctx.body();
        const item = await ctx.deps.store.dav.getItem(calendar.id, ctx.params.name);
        if (!item || item.componentType !== 'VEVENT') throw Errors.notFound('No such event');
        const input = readEvent(body);
        const root = new ICAL.Component(ICAL.parse(item.data));
        const event = masterOf(root);
        const organizer = event.hasProperty('organizer') ? String(event.getFirstPropertyValue('organizer')).replace(/^mailto:/i, '').toLowerCase() : null;
        if (organizer && organizer !== ctx.user.address) throw Errors.conflict('Only the organizer can change this event');
        applyEvent(ctx, event, input);
        event.updatePropertyWithValue('sequence', Number(event.getFirstPropertyValue('sequence') ?? 0) + 1);
        const data = serialize(root);
        const etag = typeof body.etag === 'string' ? body.etag : undefined;
        const target = await targetCalendar(ctx, body, calendar);
        const saved = target
          ? await relocate(ctx, calendar, target, item, data, etag ?? item.etag)
          : await store(ctx, calendar, item.name, data, { ifMatch: etag ?? item.etag });
        const invitations = await sendPlanned(ctx, planItip(ctx.user.address, readable(item.data), data), describe(input));
        sendJson(ctx.res, 200, { ...eventJson(target?.id ?? calendar.id, saved.name, saved.etag, saved.data), invitations });
      },
    },
    {
      // Only the calendar changes: allowed for any event of the user, an invitation received
      // from someone else included; nothing is mailed.
      method: 'POST', path: '/calendars/:id/events/:name/move',
      async handler(ctx) {
        const calendar = await ownCalendar(ctx, ctx.params.id);
        const body = await ctx.body();
        const item = await ctx.deps.store.dav.getItem(calendar.id, ctx.params.name);
        if (!item || item.componentType !== 'VEVENT') throw Errors.notFound('No such event');
        if (typeof body.calendarId !== 'string') throw Errors.invalid('"calendarId" must be a calendar id', 'calendarId');
        const target = await targetCalendar(ctx, body, calendar);
        const etag = typeof body.etag === 'string' ? body.etag : item.etag;
        const saved = target ? await relocate(ctx, calendar, target, item, item.data, etag) : item;
        sendJson(ctx.res, 200, eventJson(target?.id ?? calendar.id, saved.name, saved.etag, saved.data));
      },
    },
    {
      method: 'DELETE', path: '/calendars/:id/events/:name',
      async handler(ctx) {
        const calendar = await ownCalendar(ctx, ctx.params.id);
        const item = await ctx.deps.store.dav.getItem(calendar.id, ctx.params.name);
        if (!item) throw Errors.notFound('No such event');
        await ctx.deps.store.dav.deleteItem(calendar.id, item.name);
        try {
          for (const { itip } of planItip(ctx.user.address, item.data, null)) await sendItip(ctx, itip, 'Annulation', itip.summary ?? '');
        } catch (err) {
          ctx.log.info({ err: (err as Error).message }, 'no cancellation sent');
        }
        sendJson(ctx.res, 204, null);
      },
    },
  ];
}
