// REPORT (RFC 3253 §3.6) dispatch: CalDAV, CardDAV and sync-collection reports.
import type { DavRequest } from '../context.js';
import { DavError, notFound, precondition } from '../errors.js';
import { readXml } from '../http.js';
import type { Resource } from '../resources.js';
import { CALDAV, CARDDAV, DAV } from '../xml/names.js';
import { is } from '../xml/parse.js';
import { addressbookMultiget, addressbookQuery } from './addressbook.js';
import { calendarMultiget, calendarQuery, freeBusyQuery } from './calendar.js';
import { syncCollection } from './sync.js';

export async function report(ctx: DavRequest, res: Resource): Promise<void> {
  const body = await readXml(ctx.req, ctx.deps.options.maxRequestBytes);
  if (!body) throw new DavError(400, 'REPORT needs a body');
  if (res.type === 'new-collection' || (res.type === 'item' && !res.item)) throw notFound();
  const parent = res.type === 'collection' ? res : res.type === 'item' ? res.parent : null;
  const unsupported = () => new DavError(403, `report ${body.name} is not supported here`, precondition.supportedReport());
  if (is(body, DAV, 'sync-collection')) {
    if (res.type !== 'collection') throw unsupported();
    return syncCollection(ctx, res, body);
  }
  if (!parent) throw unsupported();
  if (parent.kind === 'calendar') {
    if (is(body, CALDAV, 'calendar-query')) return calendarQuery(ctx, res, parent, body);
    if (is(body, CALDAV, 'calendar-multiget')) return calendarMultiget(ctx, parent, body);
    if (is(body, CALDAV, 'free-busy-query')) return freeBusyQuery(ctx, res, parent, body);
  } else {
    if (is(body, CARDDAV, 'addressbook-query')) return addressbookQuery(ctx, res, parent, body);
    if (is(body, CARDDAV, 'addressbook-multiget')) return addressbookMultiget(ctx, parent, body);
  }
  throw unsupported();
}
