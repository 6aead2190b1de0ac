// calendar-query, calendar-multiget and free-busy-query (RFC 4791 §7.8-7.10), with
// CALDAV:expand in calendar-data (§9.6.5). Recurrence, time zones and filter semantics
// are core/calendar's work; here is only which items to hand it.
import { InstanceBudget, expandCalendarObject, freeBusy, matchesCalendarQuery, type TimeRange } from '../../core/calendar/index.js';
import type { DavRequest } from '../context.js';
import { DavError } from '../errors.js';
import { MAX_REPORT_INSTANCES } from '../limits.js';
import { itemsOf } from '../methods/propfind.js';
import type { Overrides } from '../multistatus.js';
import type { CollectionResource, Resource } from '../resources.js';
import { CALDAV, DAV, clark } from '../xml/names.js';
import { child, type XmlElement } from '../xml/parse.js';
import { multiget, queryAnswer } from './common.js';
import { parseCalendarFilter, parseTimeRange, prefilter } from './filters.js';

/** calendar-data with an expand element: the instances in the range, in UTC, at most
 *  MAX_REPORT_INSTANCES for the whole report (TooManyInstances, errors.ts). */
function expandOverride(body: XmlElement): Overrides | undefined {
  const data = child(body, DAV, 'prop') && child(child(body, DAV, 'prop')!, CALDAV, 'calendar-data');
  const expand = data && child(data, CALDAV, 'expand');
  if (!expand) return undefined;
  const range: TimeRange = parseTimeRange(expand);
  if (!range.start || !range.end) throw new DavError(403, 'expand needs start and end', { ns: CALDAV, name: 'valid-filter' });
  const budget = new InstanceBudget(MAX_REPORT_INSTANCES);
  return new Map([[clark(CALDAV, 'calendar-data'), (res: Resource) => (res.type === 'item' && res.item ? [expandCalendarObject(res.item.data, range, budget)] : undefined)]]);
}

export async function calendarQuery(ctx: DavRequest, res: Resource, parent: CollectionResource, body: XmlElement): Promise<void> {
  const filter = parseCalendarFilter(child(body, CALDAV, 'filter'));
  const overrides = expandOverride(body);
  const candidates = res.type === 'item' ? [res] : await itemsOf(ctx, parent, prefilter(filter));
  const matches = candidates.filter((r) => r.type === 'item' && r.item && matchesCalendarQuery(r.item.data, filter));
  queryAnswer(ctx, body, matches, overrides);
}

export async function calendarMultiget(ctx: DavRequest, parent: CollectionResource, body: XmlElement): Promise<void> {
  await multiget(ctx, parent, body, expandOverride(body));
}

/** RFC 4791 §7.10: the busy time of the collection's events in the range, as VFREEBUSY. */
export async function freeBusyQuery(ctx: DavRequest, res: Resource, parent: CollectionResource, body: XmlElement): Promise<void> {
  const tr = child(body, CALDAV, 'time-range');
  if (!tr) throw new DavError(400, 'free-busy-query needs a time-range');
  const range = parseTimeRange(tr);
  const items = res.type === 'item' ? [res.item!] : await ctx.deps.store.dav.listItems(parent.collection.id, { componentType: 'VEVENT', range });
  const text = freeBusy(items.map((i) => i.data), range, new Date(), new InstanceBudget(MAX_REPORT_INSTANCES));
  const out = Buffer.from(text, 'utf8');
  ctx.res.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8', 'content-length': String(out.length) });
  ctx.res.end(out);
}
