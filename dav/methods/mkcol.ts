// MKCALENDAR (RFC 4791 §5.3.1) and extended MKCOL (RFC 5689): a new calendar or address
// book in the user's own home, with its initial properties set in the same request.
import type { DavKind } from '../../storage/index.js';
import type { DavRequest } from '../context.js';
import { DavError, precondition } from '../errors.js';
import { empty, readXml } from '../http.js';
import type { Resource } from '../resources.js';
import { APPLE, CALDAV, CARDDAV, DAV, clark } from '../xml/names.js';
import { child, children, is, type XmlElement } from '../xml/parse.js';
import { fragment } from '../xml/write.js';
import { DEFAULT_CALENDAR } from '../../core/index.js';
import { MAX_COLLECTIONS_PER_HOME } from '../limits.js';
import { deadPropsFit } from '../props.js';

const SUPPORTED_COMPONENTS = ['VEVENT', 'VTODO'];

export async function mkcol(ctx: DavRequest, res: Resource, method: 'MKCOL' | 'MKCALENDAR'): Promise<void> {
  const body = await readXml(ctx.req, ctx.deps.options.maxRequestBytes);
  if (res.type !== 'new-collection') {
    if (res.type === 'item' || res.type === 'collection') {
      // RFC 4918 §9.3.1: MKCOL on an existing resource is 405.
      throw new DavError(405, 'a resource exists at this URL', method === 'MKCALENDAR' ? precondition.resourceMustBeNull() : null, { allow: 'OPTIONS, PROPFIND' });
    }
    throw new DavError(403, 'collections can only be made in your calendar or address book home',
      method === 'MKCALENDAR' ? precondition.calendarCollectionLocationOk() : null);
  }
  const wantedRoot = method === 'MKCALENDAR' ? [CALDAV, 'mkcalendar'] : [DAV, 'mkcol'];
  if (body && !is(body, wantedRoot[0], wantedRoot[1])) throw new DavError(400, `expected ${wantedRoot[1]} element`);
  const props = body ? children(body, DAV, 'set').flatMap((s) => children(s, DAV, 'prop')).flatMap((p) => p.children) : [];
  const find = (ns: string, name: string): XmlElement | undefined => props.find((p) => p.ns === ns && p.name === name);

  let kind: DavKind;
  if (method === 'MKCALENDAR') {
    kind = 'calendar';
  } else {
    const type = find(DAV, 'resourcetype');
    kind = type && child(type, CALDAV, 'calendar') ? 'calendar' : type && child(type, CARDDAV, 'addressbook') ? 'addressbook' : res.kind;
    // A plain collection cannot live in a home: only calendars and address books do.
    if (type && !child(type, CALDAV, 'calendar') && !child(type, CARDDAV, 'addressbook')) {
      throw new DavError(403, 'only calendars and address books can be made here', precondition.validResourceType());
    }
  }
  if (kind !== res.kind) {
    throw new DavError(403, `a ${kind} cannot be made in the ${res.kind} home`,
      kind === 'calendar' ? precondition.calendarCollectionLocationOk() : precondition.addressbookCollectionLocationOk());
  }
  let components: string[] = [];
  if (kind === 'calendar') {
    const set = find(CALDAV, 'supported-calendar-component-set');
    components = set ? children(set, CALDAV, 'comp').map((c) => (c.attrs.name ?? '').toUpperCase()) : DEFAULT_CALENDAR.components;
    if (components.length === 0 || components.some((c) => !SUPPORTED_COMPONENTS.includes(c))) {
      throw new DavError(403, 'supported components are VEVENT and VTODO', precondition.supportedCalendarComponent());
    }
  }
  const handled = new Set([clark(DAV, 'resourcetype'), clark(DAV, 'displayname'), clark(CALDAV, 'calendar-description'),
    clark(CARDDAV, 'addressbook-description'), clark(APPLE, 'calendar-color'), clark(CALDAV, 'supported-calendar-component-set')]);
  const dead: Record<string, string> = {};
  for (const p of props) {
    const key = clark(p.ns, p.name);
    if (!handled.has(key)) dead[key] = p.children.length ? `x:${p.children.map(fragment).join('')}` : `t:${p.text}`;
  }
  if (!deadPropsFit(dead)) throw new DavError(507, 'more properties than a collection may hold', precondition.quotaNotExceeded());
  // Counted, then made: two requests at once may both pass; the limit is about a client
  // making collections by the hundred, and one too many does no harm.
  const own = await ctx.deps.store.dav.listCollections('user', ctx.user.id, kind);
  if (own.length >= MAX_COLLECTIONS_PER_HOME) {
    throw new DavError(507, `a home holds at most ${MAX_COLLECTIONS_PER_HOME} ${kind === 'calendar' ? 'calendars' : 'address books'}`, precondition.quotaNotExceeded());
  }
  const description = find(kind === 'calendar' ? CALDAV : CARDDAV, kind === 'calendar' ? 'calendar-description' : 'addressbook-description');
  const color = find(APPLE, 'calendar-color')?.text.trim();
  await ctx.deps.store.dav.createCollection({
    ownerType: 'user', ownerId: ctx.user.id, kind, slug: res.slug,
    displayName: find(DAV, 'displayname')?.text.trim() || res.slug,
    description: description?.text.trim() ?? '',
    color: color || null,
    components,
    props: dead,
  });
  empty(ctx.res, 201, { location: res.href });
}
